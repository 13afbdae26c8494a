"""The keyword index as a service: one process's replica, read by other apps over HTTP.

With a Chroma server, every app used to copy the whole corpus into its own SQLite replica
(about 5.7 KB per passage, read from the server at every start). An app started with
``--catalog-url`` keeps no replica: each answer reads the replica of the process at that URL
(any ``verbatim serve`` on the same store, typically the writer) through ``/api/catalog``.

Consistency is what a local replica gives: an answer's calls share one server-side
**snapshot session** (one SQLite read transaction), opened by its first call and closed when
the answer ends, so within one answer every article is at one version. A session idle for
``SESSION_SECONDS`` is closed by the server; a call on it then says so. This module is the
reading side; ``index.catalog_sessions`` serves, ``index.catalog_wire`` is what travels.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import urlsplit

from index.catalog import CatalogStats
from index.catalog_wire import CALLS, ROUTE, filters_out
from index.chunking import Passage
from index.errors import CatalogSessionError, CatalogShareError, StoreUnavailableError, VerbatimIndexError
from index.filters import Filters
from index.generation import ArticleRecord
from index.snapshot import KeywordHit, Snapshot, TextMatch
from index.vectors import PassageVectors


class RemoteCatalog:
    """The replica of the process at ``url`` (its ``/api/catalog``), one keep-alive connection per thread."""

    def __init__(self, url: str, timeout: float = 30.0, token: str | None = None) -> None:
        parts = urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise VerbatimIndexError(f"--catalog-url {url!r} is not an http(s)://HOST:PORT address")
        self.url = url.rstrip("/")
        self._parts = parts
        self._timeout = timeout
        self._headers = {"Content-Type": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._local = threading.local()
        self._opened: list[http.client.HTTPConnection] = []  # every thread's, to close them all
        self._lock = threading.Lock()

    @contextmanager
    def snapshot(self) -> Iterator[RemoteSnapshot]:
        """One consistent view of the remote replica for the length of one answer."""
        view = RemoteSnapshot(self)
        try:
            yield view
        finally:
            if view.session is not None:
                with suppress(VerbatimIndexError):  # the server closes idle sessions itself
                    self.post("/close", {"session": view.session})

    def stats(self) -> CatalogStats:
        """Articles and passages in the remote replica."""
        found = self.post("/stats", {})
        return CatalogStats(int(found["articles"]), int(found["passages"]))

    def post(self, path: str, body: dict[str, Any]) -> Any:
        """One JSON call; a lost keep-alive connection is reopened once."""
        payload = json.dumps(body).encode()
        for attempt in (0, 1):
            connection = self._connection(fresh=attempt > 0)
            try:
                connection.request("POST", ROUTE + path, payload, self._headers)
                response = connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                self._local.connection = None
                with self._lock, suppress(ValueError):
                    self._opened.remove(connection)
                if attempt:
                    raise StoreUnavailableError(
                        f"the catalog at {self.url} cannot be reached ({exc}); start that `verbatim serve` "
                        "or point --catalog-url at one that is running"
                    ) from exc
                continue
            if response.status != 200:
                raise self._refusal(response.status, data)
            return json.loads(data)
        raise AssertionError("unreachable")

    def _refusal(self, status: int, data: bytes) -> VerbatimIndexError:
        """The error for a call the catalog did not answer, with its reason and what to do."""
        try:
            detail = json.loads(data).get("detail", data.decode(errors="replace"))
        except (ValueError, AttributeError):
            detail = data.decode(errors="replace")
        if status == 401:
            given = "was refused" if "Authorization" in self._headers else "is needed"
            return CatalogSessionError(
                f"the catalog at {self.url} answered 401: its admin token (or read token) {given}; "
                "pass it with --catalog-token (or VERBATIM_CATALOG_TOKEN)"
            )
        kind = StoreUnavailableError if status >= 500 else CatalogShareError if status == 429 else CatalogSessionError
        return kind(f"the catalog at {self.url} answered {status}: {detail}")

    def _connection(self, fresh: bool) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None or fresh:
            kind = http.client.HTTPSConnection if self._parts.scheme == "https" else http.client.HTTPConnection
            connection = kind(self._parts.hostname or "", self._parts.port, timeout=self._timeout)
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        return connection

    def close(self) -> None:
        """Close every thread's connection (a later call opens a new one)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()


class RemoteSnapshot(Snapshot):
    """A ``Snapshot`` whose reads run in one session of the remote replica (opened by the first)."""

    def __init__(self, catalog: RemoteCatalog) -> None:  # noqa: D107 - no local database
        self._catalog = catalog
        self.session: str | None = None

    def _call(self, method: str, **args: Any) -> Any:
        found = self._catalog.post("/call", {"session": self.session, "method": method, "args": args})
        self.session = found["session"]
        return CALLS[method][1](found["result"])

    def keyword_search(  # noqa: D102
        self, words: list[str], k: int, filters: Filters | None = None, common: int | None = None
    ) -> list[KeywordHit]:
        found = self._call("keyword_search", words=words, k=k, filters=filters_out(filters), common=common)
        return found  # type: ignore[no-any-return]

    def text_matches(self, words: list[str], limit: int = 200) -> list[TextMatch]:  # noqa: D102
        return self._call("text_matches", words=words, limit=limit)  # type: ignore[no-any-return]

    def keyword_scores(self, words: list[str], passage_ids: Sequence[str]) -> dict[str, float]:  # noqa: D102
        return self._call("keyword_scores", words=words, passage_ids=list(passage_ids))  # type: ignore[no-any-return]

    def vectors(self, passage_ids: Sequence[str]) -> dict[str, PassageVectors]:  # noqa: D102
        return self._call("vectors", passage_ids=list(passage_ids))  # type: ignore[no-any-return]

    def passages(self, passage_ids: Sequence[str]) -> dict[str, Passage]:  # noqa: D102
        return self._call("passages", passage_ids=list(passage_ids))  # type: ignore[no-any-return]

    def document_frequencies(self, stems: Sequence[str]) -> dict[str, int]:  # noqa: D102
        return self._call("document_frequencies", stems=list(stems))  # type: ignore[no-any-return]

    def article_dates(self, article_ids: Sequence[str]) -> dict[str, dt.date | None]:  # noqa: D102
        return self._call("article_dates", article_ids=list(article_ids))  # type: ignore[no-any-return]

    def passage_count(self) -> int:  # noqa: D102
        return self._call("passage_count")  # type: ignore[no-any-return]

    def newest_date(self) -> dt.date | None:  # noqa: D102
        return self._call("newest_date")  # type: ignore[no-any-return]

    def live_versions(self, article_ids: Sequence[str]) -> dict[str, str]:  # noqa: D102
        return self._call("live_versions", article_ids=list(article_ids))  # type: ignore[no-any-return]

    def article(self, article_id: str) -> ArticleRecord | None:  # noqa: D102
        return self._call("article", article_id=article_id)  # type: ignore[no-any-return]

    def articles(self) -> list[ArticleRecord]:  # noqa: D102
        return self._call("articles")  # type: ignore[no-any-return]

    def headers(self, article_ids: Sequence[str]) -> dict[str, ArticleRecord]:  # noqa: D102
        return self._call("headers", article_ids=list(article_ids))  # type: ignore[no-any-return]

    def passages_of(self, article_id: str) -> list[Passage]:  # noqa: D102
        return self._call("passages_of", article_id=article_id)  # type: ignore[no-any-return]

    def copies(self, article_id: str) -> tuple[str, ...]:  # noqa: D102
        return self._call("copies", article_id=article_id)  # type: ignore[no-any-return]

    def article_source(self, article_id: str) -> str | None:  # noqa: D102
        return self._call("article_source", article_id=article_id)  # type: ignore[no-any-return]

    def article_exists(self, article_id: str) -> bool:  # noqa: D102
        return self._call("article_exists", article_id=article_id)  # type: ignore[no-any-return]

    def copy_groups(self) -> list[tuple[str, ...]]:  # noqa: D102
        return self._call("copy_groups")  # type: ignore[no-any-return]

    def sources(self) -> list[str]:  # noqa: D102
        return self._call("sources")  # type: ignore[no-any-return]
