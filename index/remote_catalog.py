"""The keyword index as a service: one process's replica, read by other apps over HTTP.

With a Chroma server, every app used to copy the whole corpus into its own SQLite replica
(about 5.7 KB per passage, read from the server at every start). An app started with
``--catalog-url`` keeps no replica: each answer reads the replica of the process at that URL
(any ``verbatim serve`` on the same store, typically the writer) through ``/api/catalog``.

Consistency is what a local replica gives: an answer's calls share one server-side
**snapshot session** (one SQLite read transaction), opened by its first call and closed when
the answer ends, so within one answer every article is at one version. A session idle for
``SESSION_SECONDS`` is closed by the server; a call on it then says so.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import http.client
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from index.article import Article
from index.catalog import CatalogStats, KeywordHit, Snapshot, TextMatch
from index.chunking import Passage
from index.errors import StoreUnavailableError, VerbatimIndexError
from index.filters import Filters
from index.generation import ArticleRecord
from index.vectors import PassageVectors, decode_sentences, encode_sentences

SESSION_SECONDS = 30.0  # a snapshot session unused this long is closed (an answer takes well under a second)
MAX_SESSIONS = 256
IDLE_CONNECTIONS = 8  # connections kept open between sessions: SQLite's page cache lives in the connection
ROUTE = "/api/catalog"


class CatalogSessionError(VerbatimIndexError):
    """A snapshot session is unknown or expired, or the call is not one the catalog serves."""


# ---- what travels: JSON forms of the replica's records -------------------------------------------


def _passage_out(p: Passage) -> dict[str, Any]:
    return dataclasses.asdict(p)


def _passage_in(d: dict[str, Any]) -> Passage:
    return Passage(**d)


def _vectors_out(v: PassageVectors) -> dict[str, Any]:
    passage = base64.b64encode(v.passage.astype(np.float16).tobytes()).decode()
    return {"passage": passage, "sentences": encode_sentences(v)}  # both as the replica stores them


def _vectors_in(d: dict[str, Any]) -> PassageVectors:
    passage = np.frombuffer(base64.b64decode(d["passage"]), dtype=np.float16).astype(np.float32)
    spans, matrix = decode_sentences(d["sentences"], len(passage))
    return PassageVectors(passage, spans, matrix)


def _date_out(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def _date_in(s: str | None) -> dt.date | None:
    return None if s is None else dt.date.fromisoformat(s)


def _record_out(r: ArticleRecord) -> dict[str, Any]:
    a = r.article
    article = {"id": a.id, "title": a.title, "text": a.text, "date": _date_out(a.date), "source": a.source,
               "url": a.url, "path": a.path, "checksum": a.checksum, "pages": list(a.pages)}  # fmt: skip
    return {"article": article, "n_passages": r.n_passages, "indexed_at": r.indexed_at,
            "changed": [list(s) for s in r.changed], "changed_at": r.changed_at}  # fmt: skip


def _record_in(d: dict[str, Any]) -> ArticleRecord:
    a = d["article"]
    article = Article(id=a["id"], title=a["title"], text=a["text"], date=_date_in(a["date"]), source=a["source"],
                      url=a["url"], path=a["path"], checksum=a["checksum"],
                      pages=tuple(int(p) for p in a.get("pages") or ()))  # fmt: skip
    changed = tuple((int(x), int(y)) for x, y in d["changed"])
    return ArticleRecord(article, int(d["n_passages"]), float(d["indexed_at"]), changed, d["changed_at"])


def _mapping(encode: Callable[[Any], Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda found: {k: encode(v) for k, v in found.items()}


def _same(value: Any) -> Any:
    return value


# Each call the catalog serves: how its result goes out (server) and comes back (client).
_CALLS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "keyword_search": (
        lambda hits: [{"passage": _passage_out(h.passage), "score": h.score} for h in hits],
        lambda rows: [KeywordHit(_passage_in(r["passage"]), float(r["score"])) for r in rows],
    ),
    "text_matches": (
        lambda found: [dataclasses.asdict(m) for m in found],
        lambda rows: [TextMatch(r["article_id"], r["snippet"], tuple((a, b) for a, b in r["marks"])) for r in rows],
    ),
    "keyword_scores": (_same, _same),
    "vectors": (_mapping(_vectors_out), lambda found: {k: _vectors_in(v) for k, v in found.items()}),
    "passages": (_mapping(_passage_out), lambda found: {k: _passage_in(v) for k, v in found.items()}),
    "document_frequencies": (_same, _same),
    "article_dates": (_mapping(_date_out), lambda found: {k: _date_in(v) for k, v in found.items()}),
    "passage_count": (_same, int),
    "newest_date": (_date_out, _date_in),
    "live_versions": (_same, _same),
    "article": (lambda r: None if r is None else _record_out(r), lambda d: None if d is None else _record_in(d)),
    "articles": (lambda rs: [_record_out(r) for r in rs], lambda ds: [_record_in(d) for d in ds]),
    "headers": (_mapping(_record_out), lambda found: {k: _record_in(v) for k, v in found.items()}),
    "passages_of": (lambda ps: [_passage_out(p) for p in ps], lambda ds: [_passage_in(d) for d in ds]),
    "copies": (list, tuple),
    "article_source": (_same, _same),
    "article_exists": (_same, bool),
    "copy_groups": (lambda gs: [list(g) for g in gs], lambda gs: [tuple(g) for g in gs]),
    "sources": (_same, _same),
}
SERVED = frozenset(_CALLS)


def _filters_out(filters: Filters | None) -> dict[str, Any] | None:
    if filters is None:
        return None
    return {"since": _date_out(filters.since), "until": _date_out(filters.until), "sources": list(filters.sources)}


def _filters_in(d: dict[str, Any] | None) -> Filters | None:
    if d is None:
        return None
    return Filters(_date_in(d.get("since")), _date_in(d.get("until")), tuple(d.get("sources") or ()))


# ---- the serving side ----------------------------------------------------------------------------


@dataclasses.dataclass
class _Session:
    db: sqlite3.Connection
    path: Path
    snapshot: Snapshot
    used: float
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


class CatalogSessions:
    """Snapshot sessions on this process's replica, for ``/api/catalog``.

    Args:
        replica: the path of the replica to open a new session on (the active generation's,
            read when the session opens; a session keeps reading the file it opened).
        stats: the replica's counts, for status panels of the apps that read it.
    """

    def __init__(self, replica: Callable[[], Path], stats: Callable[[], CatalogStats]) -> None:
        self._replica = replica
        self._stats = stats
        self._sessions: dict[str, _Session] = {}
        self._idle: list[tuple[Path, sqlite3.Connection]] = []  # a new session reuses one: a warm page cache
        self._lock = threading.Lock()

    def call(self, session: str | None, method: str, args: dict[str, Any]) -> tuple[str, Any]:
        """Run one snapshot call (in a new session when ``session`` is None); the session and the result."""
        if method not in SERVED:
            raise CatalogSessionError(f"the catalog serves {', '.join(sorted(SERVED))}; not {method!r}")
        self._expire()
        if session is None:
            session = self._open()
        with self._lock:
            state = self._sessions.get(session)
        if state is None:
            raise CatalogSessionError(
                f"snapshot session {session} is unknown or expired (idle over {SESSION_SECONDS:.0f} s); ask again"
            )
        with state.lock:
            state.used = time.monotonic()
            if "filters" in args:
                args = {**args, "filters": _filters_in(args["filters"])}
            result = getattr(state.snapshot, method)(**args)
            return session, _CALLS[method][0](result)

    def close(self, session: str) -> None:
        """End a session (its read transaction); unknown sessions are ignored."""
        with self._lock:
            state = self._sessions.pop(session, None)
        if state is not None:
            with state.lock:
                self._end(state)

    def stats(self) -> dict[str, int]:
        """Articles and passages in the replica now."""
        found = self._stats()
        return {"articles": found.articles, "passages": found.passages}

    def close_all(self) -> None:
        """End every session (at shutdown)."""
        with self._lock:
            states, self._sessions = list(self._sessions.values()), {}
            idle, self._idle = self._idle, []
        for state in states:
            _close(state.db)
        for _, db in idle:
            db.close()

    def _open(self) -> str:
        path = self._replica()
        with self._lock:
            if len(self._sessions) >= MAX_SESSIONS:
                raise CatalogSessionError(f"{MAX_SESSIONS} snapshot sessions are open; try again in a moment")
        if not path.exists():
            raise CatalogSessionError(f"this process has no replica at {path.name} yet; ask again in a moment")
        db = self._reuse(path)
        if db is None:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            db.execute("PRAGMA query_only=1")
        db.execute("BEGIN")
        db.execute("SELECT count(*) FROM meta").fetchone()  # the read transaction starts here
        session = secrets.token_hex(8)
        with self._lock:
            self._sessions[session] = _Session(db, path, Snapshot(db), time.monotonic())
        return session

    def _reuse(self, path: Path) -> sqlite3.Connection | None:
        """An idle connection to ``path``; those to an older replica (the generation moved) are closed."""
        with self._lock:
            stale = [db for held, db in self._idle if held != path]
            fresh = [db for held, db in self._idle if held == path]
            found = fresh.pop() if fresh else None
            self._idle = [(path, db) for db in fresh]
        for db in stale:
            db.close()
        return found

    def _end(self, state: _Session) -> None:
        """End the session's read transaction; keep its connection for the next session if there is room."""
        with suppress(sqlite3.Error):
            state.db.execute("COMMIT")
            with self._lock:
                if len(self._idle) < IDLE_CONNECTIONS:
                    self._idle.append((state.path, state.db))
                    return
        state.db.close()

    def _expire(self) -> None:
        now = time.monotonic()
        with self._lock:
            old = [k for k, s in self._sessions.items() if now - s.used > SESSION_SECONDS and not s.lock.locked()]
            states = [self._sessions.pop(k) for k in old]
        for state in states:
            self._end(state)


def _close(db: sqlite3.Connection) -> None:
    with suppress(sqlite3.Error):
        db.execute("COMMIT")
    db.close()


# ---- the reading side ----------------------------------------------------------------------------


class RemoteCatalog:
    """The replica of the process at ``url`` (its ``/api/catalog``), one keep-alive connection per thread."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise VerbatimIndexError(f"--catalog-url {url!r} is not an http(s)://HOST:PORT address")
        self.url = url.rstrip("/")
        self._parts = parts
        self._timeout = timeout
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
                connection.request("POST", ROUTE + path, payload, {"Content-Type": "application/json"})
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
                try:
                    detail = json.loads(data).get("detail", data.decode(errors="replace"))
                except ValueError:
                    detail = data.decode(errors="replace")
                raise (StoreUnavailableError if response.status >= 500 else CatalogSessionError)(
                    f"the catalog at {self.url} answered {response.status}: {detail}"
                )
            return json.loads(data)
        raise AssertionError("unreachable")

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
        return _CALLS[method][1](found["result"])

    def keyword_search(  # noqa: D102
        self, words: list[str], k: int, filters: Filters | None = None, common: int | None = None
    ) -> list[KeywordHit]:
        found = self._call("keyword_search", words=words, k=k, filters=_filters_out(filters), common=common)
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
