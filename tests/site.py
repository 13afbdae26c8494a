"""A small news site on 127.0.0.1 for the fetching tests: feeds, pages and every kind of bad answer."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lab.chroma_server import free_port

MB = 1024 * 1024


@dataclass
class Route:
    """What one path answers."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None
    delay: float = 0.0
    validators: bool = True  # ETag and Last-Modified, and 304 for a matching conditional request
    stream_mb: int = 0  # send this many MB of filler instead of ``body``
    declare_length: bool = True
    modified: float = field(default_factory=time.time)


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    status: int


class Site:
    """The routes can be changed while the server runs; every request is logged."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> Site:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def page(self, path: str, html: str, **options: Any) -> str:
        """Serve an HTML page at ``path``; returns its URL."""
        self.routes[path] = Route(html.encode("utf-8"), modified=time.time(), **options)
        return self.url + path

    def feed(self, path: str, xml: str, **options: Any) -> str:
        """Serve a feed at ``path``; returns its URL."""
        self.routes[path] = Route(xml.encode("utf-8"), content_type="application/rss+xml", **options)
        return self.url + path

    def count(self, path: str, status: int | None = None) -> int:
        """How many requests ``path`` had (with that answer)."""
        return sum(1 for h in self.hits if h.path == path and (status is None or h.status == status))


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            route = site.routes.get(self.path)
            if route is None:
                route = Route(b"robots: none" if self.path == "/robots.txt" else b"not here", 404, "text/plain")
            self._answer(route)

        def _start(self, status: int) -> None:
            # recorded before the answer goes out: a client that has its answer sees its hit
            site.hits.append(Hit(self.path, dict(self.headers), status))
            self.send_response(status)

        def _answer(self, route: Route) -> int:
            if route.delay:
                time.sleep(route.delay)
            etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            if route.validators and route.status == 200 and self.headers.get("If-None-Match") == etag:
                self._start(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return 304
            self._start(route.status)
            self.send_header("Content-Type", route.content_type)
            if route.location:
                self.send_header("Location", route.location)
            if route.validators and route.status == 200:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", formatdate(route.modified, usegmt=True))
            size = route.stream_mb * MB if route.stream_mb else len(route.body)
            if route.declare_length:
                self.send_header("Content-Length", str(size))
            self.end_headers()
            try:
                for chunk in _chunks(route):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: that is what a size limit does
            return route.status

    return Handler


def _chunks(route: Route) -> Iterator[bytes]:
    if not route.stream_mb:
        yield route.body
        return
    filler = b"<p>" + b"x" * (MB - 8) + b"</p>\n"
    for _ in range(route.stream_mb):
        yield filler[:MB]


def rss(title: str, items: list[dict[str, str]]) -> str:
    """An RSS 2.0 document; each item's keys become its elements (``link``, ``title``, ``pubDate``)."""
    body = "".join("<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in item.items()) + "</item>" for item in items)
    channel = f"<channel><title>{title}</title>{body}</channel>"
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0">{channel}</rss>'


def atom(title: str, entries: list[tuple[str, str, str]]) -> str:
    """An Atom document of (title, link, updated) entries."""
    body = "".join(
        f"<entry><title>{t}</title><link href='{link}'/><id>{link}</id><updated>{u}</updated></entry>"
        for t, link, u in entries
    )
    return f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>{body}</feed>'


def article(title: str, paragraphs: list[str], *, date: str | None = None, canonical: str | None = None) -> str:
    """A news page with navigation, a sidebar and a footer around the article."""
    head = f"<title>{title} | Harbour Gazette</title><meta property='og:site_name' content='Harbour Gazette'>"
    if date:
        head += f"<meta property='article:published_time' content='{date}T08:00:00Z'>"
    if canonical:
        head += f"<link rel='canonical' href='{canonical}'>"
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head>{head}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a> Subscribe now</nav>"
        f"<main><article><h1>{title}</h1>{text}</article></main>"
        "<aside>Most read: Ten things you missed this week</aside>"
        "<footer>Copyright 2021 Harbour Gazette. All rights reserved. Privacy policy. Cookie settings.</footer>"
        "</body></html>"
    )
