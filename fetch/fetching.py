"""Fetch feeds and article pages from the web, politely and safely: the only httpx user in ``index``.

Safety: only http and https; every host is resolved here and each of its addresses checked
before connecting (after every redirect too), and the connection goes to the checked address,
so a DNS answer cannot swap in an internal one between check and connect. Politeness: one
request at a time per host with a pause between them, a clear user agent, robots.txt honoured,
conditional requests, timeouts and a size limit per response.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from index.errors import VerbatimIndexError

USER_AGENT = "VerbatimBot/0.1 (+https://github.com/verbatim-qa; news question answering, fetches on request)"
_REDIRECTS = (301, 302, 303, 307, 308)
_ROBOTS_SECONDS = 3600.0


class FetchError(VerbatimIndexError):
    """A URL could not be fetched; the message gives the reason."""


class BlockedAddressError(FetchError):
    """The URL leads to an internal address and private addresses are not allowed."""


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How the fetcher behaves.

    Args:
        allow_private: fetch from loopback, private, link-local and other internal addresses.
        trusted_addresses: addresses allowed even when ``allow_private`` is off (one intranet host).
        timeout: seconds to connect, and between two bytes; a whole response gets three times that.
        max_mb: the largest response read.
        host_delay: seconds between two requests to the same host.
    """

    allow_private: bool = False
    trusted_addresses: frozenset[str] = field(default=frozenset())
    user_agent: str = USER_AGENT
    timeout: float = 15.0
    max_mb: float = 10.0
    max_redirects: int = 5
    host_delay: float = 0.5


@dataclass(frozen=True, slots=True)
class Response:
    """A fetched resource: ``status`` is 200, or 304 when unchanged since ``etag``/``last_modified``."""

    url: str  # after redirects
    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""


def blocked_reason(address: str) -> str | None:
    """Why an IP address counts as internal, or None for a public one."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for test, name in (
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
        (ip.is_private, "private"),
        (not ip.is_global, "non-public"),
    ):
        if test:
            return name
    return None


class Fetcher:
    """One per process: it keeps the per-host pacing and the robots.txt cache.

    Args:
        settings: safety and politeness settings.
    """

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        self._client: httpx.Client | None = None
        self._guard = threading.Lock()
        self._hosts: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}
        self._robots: dict[str, tuple[float, urllib.robotparser.RobotFileParser]] = {}

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Response:
        """Fetch ``url`` (following redirects) if robots.txt allows it; ``FetchError`` says why not."""
        self._check_robots(url)
        headers = {"If-None-Match": etag} if etag else {}
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._follow(url, headers)

    def close(self) -> None:
        """Close the connections."""
        if self._client is not None:
            self._client.close()

    def _follow(self, url: str, headers: dict[str, str]) -> Response:
        seen = [url]
        for _ in range(self.settings.max_redirects + 1):
            response = self._one(url, headers)
            if isinstance(response, Response):
                return response
            target = urljoin(url, response)
            if target in seen:
                raise FetchError(f"redirect loop: {' -> '.join([*seen, target])}")
            seen.append(target)
            url = target
        raise FetchError(f"more than {self.settings.max_redirects} redirects: {' -> '.join(seen)}")

    def _one(self, url: str, headers: dict[str, str]) -> Response | str:
        """One request: a response, or the Location of a redirect."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"{url}: only http and https URLs can be fetched")
        host = parts.hostname
        address = self._address(url, host, parts.port or (443 if parts.scheme == "https" else 80))
        with self._host_lock(host):
            try:
                return self._request(url, address, host, headers)
            except httpx.TimeoutException:
                raise FetchError(f"timed out after {self.settings.timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"could not connect ({type(exc).__name__}: {exc})") from None
            finally:
                self._last[host] = time.monotonic()

    def _request(self, url: str, address: str, host: str, headers: dict[str, str]) -> Response | str:
        target = httpx.URL(url).copy_with(host=address)  # connect to the address that was checked
        netloc = urlsplit(url).netloc.rsplit("@", 1)[-1]
        extensions = {"sni_hostname": host} if target.scheme == "https" else {}
        started = time.monotonic()
        with self._http().stream("GET", target, headers={**headers, "Host": netloc}, extensions=extensions) as response:
            if response.status_code in _REDIRECTS and response.headers.get("location"):
                return response.headers["location"]
            if response.status_code == 304:
                return Response(url, 304, etag=response.headers.get("etag"))
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}".strip())
            body = self._read(response, started)
            return Response(
                url,
                200,
                body,
                response.headers.get("etag"),
                response.headers.get("last-modified"),
                response.headers.get("content-type", ""),
            )

    def _read(self, response: httpx.Response, started: float) -> bytes:
        limit = int(self.settings.max_mb * 1024 * 1024)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"is {int(declared) / 2**20:.1f} MB, over the {self.settings.max_mb:g} MB limit")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(f"is over the {self.settings.max_mb:g} MB limit")
            if time.monotonic() - started > 3 * self.settings.timeout:
                raise FetchError(f"took longer than {3 * self.settings.timeout:g} s to download")
            chunks.append(chunk)
        return b"".join(chunks)

    def _address(self, url: str, host: str, port: int) -> str:
        """Resolve ``host`` and refuse it if any of its addresses is internal (unless allowed)."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(f"cannot resolve {host} ({exc})") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        settings = self.settings
        for address in addresses:
            reason = blocked_reason(address)
            if reason and not settings.allow_private and address not in settings.trusted_addresses:
                raise BlockedAddressError(
                    f"{url} leads to {address}, a {reason} address: internal addresses are refused. To fetch from "
                    "your own network, pass --allow-private-urls (or set VERBATIM_ALLOW_PRIVATE_URLS=1)"
                )
        return addresses[0]

    def _host_lock(self, host: str) -> _Paced:
        with self._guard:
            lock = self._hosts.setdefault(host, threading.Lock())
        return _Paced(lock, lambda: self._last.get(host, float("-inf")) + self.settings.host_delay)

    def _http(self) -> httpx.Client:
        with self._guard:
            if self._client is None:
                self._client = httpx.Client(
                    headers={"User-Agent": self.settings.user_agent},
                    timeout=httpx.Timeout(self.settings.timeout),
                    follow_redirects=False,
                    trust_env=False,  # a proxy from the environment would bypass the address check
                )
            return self._client

    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        cached = self._robots.get(origin)
        if cached is None or time.monotonic() - cached[0] > _ROBOTS_SECONDS:
            cached = (time.monotonic(), self._read_robots(origin))
            self._robots[origin] = cached
        if not cached[1].can_fetch(self.settings.user_agent, url):
            raise FetchError(f"{origin}/robots.txt does not allow {self.settings.user_agent.split('/')[0]} to fetch it")

    def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser:
        parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        try:
            response = self._follow(origin + "/robots.txt", {})
            parser.parse(response.body.decode("utf-8", errors="replace").splitlines())
        except BlockedAddressError:
            raise
        except FetchError as exc:
            status = str(exc).split()[1] if str(exc).startswith("HTTP ") else ""
            if status in ("401", "403"):
                parser.parse(["User-agent: *", "Disallow: /"])
            elif not status.startswith("4"):
                raise FetchError(f"{origin}/robots.txt could not be read ({exc}); try again later") from None
            else:
                parser.parse([])  # no robots.txt: everything is allowed
        return parser


class _Paced:
    """Hold a host's lock, and wait until its pause since the last request is over."""

    def __init__(self, lock: threading.Lock, ready_at: Callable[[], float]) -> None:
        self._lock = lock
        self._ready_at = ready_at

    def __enter__(self) -> None:
        self._lock.acquire()
        wait = self._ready_at() - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
