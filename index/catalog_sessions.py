"""The serving side of the catalog: snapshot sessions on this process's replica, for ``/api/catalog``.

An answer's calls share one **snapshot session** (one SQLite read transaction), opened by its
first call and closed when the answer ends, so within one answer every article is at one
version. A session idle for ``SESSION_SECONDS`` is closed; a call on it then says so. One
client (by address) holds at most a fair share of the sessions, so that one that opens
sessions and never closes them cannot stop the apps of others.
"""

from __future__ import annotations

import dataclasses
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from index.catalog import CatalogStats
from index.catalog_wire import CALLS, SERVED, filters_in
from index.errors import CatalogSessionError, CatalogShareError
from index.snapshot import Snapshot

SESSION_SECONDS = 30.0  # a snapshot session unused this long is closed (an answer takes well under a second)
MAX_SESSIONS = 256
CLIENT_SHARE = 4  # one client (address) may hold at most 1/CLIENT_SHARE of the sessions: the rest stay for others
IDLE_CONNECTIONS = 8  # connections kept open between sessions: SQLite's page cache lives in the connection


@dataclasses.dataclass
class _Session:
    db: sqlite3.Connection
    path: Path
    snapshot: Snapshot
    used: float
    client: str
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


class CatalogSessions:
    """Snapshot sessions on this process's replica, for ``/api/catalog``.

    Args:
        replica: the path of the replica to open a new session on (the active generation's,
            read when the session opens; a session keeps reading the file it opened).
        stats: the replica's counts, for status panels of the apps that read it.
        max_sessions: sessions open at once, over all clients.
        per_client: sessions one client may hold at once (default: a quarter of ``max_sessions``), so
            a client that opens sessions without closing them cannot stop the apps of others.
    """

    def __init__(
        self,
        replica: Callable[[], Path],
        stats: Callable[[], CatalogStats],
        max_sessions: int = MAX_SESSIONS,
        per_client: int | None = None,
    ) -> None:
        self._replica = replica
        self._stats = stats
        self.max_sessions = max_sessions
        self.per_client = per_client or max(1, max_sessions // CLIENT_SHARE)
        self._sessions: dict[str, _Session] = {}
        self._idle: list[tuple[Path, sqlite3.Connection]] = []  # a new session reuses one: a warm page cache
        self._lock = threading.Lock()

    def call(self, session: str | None, method: str, args: dict[str, Any], client: str = "") -> tuple[str, Any]:
        """Run one snapshot call (in a new session when ``session`` is None); the session and the result.

        ``client`` (the caller's address) is who a new session counts against; ``CatalogShareError``
        when that client holds its share already.
        """
        if method not in SERVED:
            raise CatalogSessionError(f"the catalog serves {', '.join(sorted(SERVED))}; not {method!r}")
        self._expire()
        if session is None:
            session = self._open(client)
        with self._lock:
            state = self._sessions.get(session)
        if state is None:
            raise CatalogSessionError(
                f"snapshot session {session} is unknown or expired (idle over {SESSION_SECONDS:.0f} s); ask again"
            )
        with state.lock:
            state.used = time.monotonic()
            if "filters" in args:
                args = {**args, "filters": filters_in(args["filters"])}
            result = getattr(state.snapshot, method)(**args)
            return session, CALLS[method][0](result)

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

    def _open(self, client: str) -> str:
        path = self._replica()
        with self._lock:
            self._check_room(client)
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
            try:
                self._check_room(client)  # again: others may have opened theirs meanwhile
            except CatalogSessionError:
                _close(db)
                raise
            self._sessions[session] = _Session(db, path, Snapshot(db), time.monotonic(), client)
        return session

    def _check_room(self, client: str) -> None:
        """Refuse a new session when all are taken, or when ``client`` holds its share (call under the lock)."""
        if len(self._sessions) >= self.max_sessions:
            raise CatalogSessionError(f"{self.max_sessions} snapshot sessions are open; try again in a moment")
        held = sum(1 for s in self._sessions.values() if s.client == client)
        if held >= self.per_client:
            raise CatalogShareError(
                f"{client or 'this client'} holds {held} open snapshot sessions, its share of the "
                f"{self.max_sessions} this catalog serves; close each session when its answer ends "
                f"(POST /api/catalog/close), or wait {SESSION_SECONDS:.0f} s for idle ones to expire, then ask again"
            )

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
