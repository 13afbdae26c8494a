"""Standing questions ("watches"): asked again after every reindex that changed the index.

A watch remembers the answer it last got: the first quoted sentence with its exact citation and
short answer, or a refusal. After a reindex that changed something, each watch is asked again as
of that day; when the first quoted sentence or its short answer changes, or a refusal becomes an
answer or the reverse, a change is recorded with both answers (their excerpts stored whole, so a
corrected article's old sentence stays readable), when, and why (a new, updated or removed article).

Watches and changes live in SQLite beside the index. A watch's new answer and its change are
written in one transaction, with the generation the answer was read from, so a process killed
during a re-ask leaves either both or neither; the next re-ask (at the next start or reindex)
catches up the watches whose generation is behind the index's. An unchanged index asks nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from index.filters import Filters
from qa.answering import Answer, Answerer
from qa.query import QuestionError, clean_question

WATCH_LIMIT = 200
WATCHES_FILE = "watches.sqlite"


class WatchError(ValueError):
    """A watch cannot be added; the message says what to do."""


class UnknownWatchError(LookupError):
    """No watch has that id."""


@dataclass(frozen=True, slots=True)
class Heard:
    """What a watch heard when it last asked: the first quoted sentence and its citation, or a refusal."""

    answered: bool
    confidence: float
    asked_on: str  # ISO day the question was asked as of
    excerpt: str | None = None
    short: str | None = None  # the short answer inside the excerpt
    article_id: str | None = None
    title: str | None = None
    date: str | None = None
    source: str | None = None
    url: str | None = None
    start: int | None = None
    end: int | None = None

    @classmethod
    def of(cls, answer: Answer, asked_on: dt.date) -> Heard:
        """The part of an answer a watch compares and keeps."""
        if not answer.answered or not answer.citations:
            return cls(False, round(answer.confidence, 4), asked_on.isoformat())
        c = answer.citations[0]
        short = (
            c.excerpt[c.highlight[0] - c.start : c.highlight[1] - c.start] if c.highlight else None
        )  # article offsets
        return cls(
            True, round(answer.confidence, 4), asked_on.isoformat(), c.excerpt, short, c.article_id, c.title,
            c.date.isoformat() if c.date else None, c.source, c.url, c.start, c.end,
        )  # fmt: skip

    def same_as(self, other: Heard) -> bool:
        """Whether a change would be news: the same answered-or-not, sentence, article and short answer."""
        if self.answered != other.answered:
            return False
        return not self.answered or (
            (self.article_id, _norm(self.excerpt), _norm(self.short))
            == (other.article_id, _norm(other.excerpt), _norm(other.short))
        )

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        return asdict(self)


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


@dataclass(frozen=True, slots=True)
class Watch:
    """A standing question and the answer it last heard."""

    id: str
    question: str
    sources: tuple[str, ...]
    created: str
    heard: Heard | None
    generation: int | None
    unread: int = 0

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        return {
            "id": self.id, "question": self.question, "sources": list(self.sources), "created": self.created,
            "answer": self.heard.as_json() if self.heard else None, "unread": self.unread,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Change:
    """A watch's answer changed: both answers, when, and why."""

    id: int
    watch_id: str
    question: str
    at: str
    kind: str  # "changed", "answered" (a refusal became an answer) or "refused" (the reverse)
    why: str
    old: Heard
    new: Heard
    read: bool

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        return {
            "id": self.id, "watch_id": self.watch_id, "question": self.question, "at": self.at, "kind": self.kind,
            "why": self.why, "old": self.old.as_json(), "new": self.new.as_json(), "read": self.read,
        }  # fmt: skip


def watch_id(question: str, sources: Sequence[str]) -> str:
    """The same question (spacing and case aside) over the same sources is the same watch."""
    key = json.dumps([_norm(question), sorted(s.strip() for s in sources)])
    return hashlib.sha256(key.encode()).hexdigest()[:12]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS watches (
    id TEXT PRIMARY KEY, question TEXT NOT NULL, sources TEXT NOT NULL, created TEXT NOT NULL,
    heard TEXT, generation INTEGER
);
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, watch_id TEXT NOT NULL, question TEXT NOT NULL, at TEXT NOT NULL,
    kind TEXT NOT NULL, why TEXT NOT NULL, old TEXT NOT NULL, new TEXT NOT NULL, read INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS changes_by_watch ON changes (watch_id, id);
"""


class WatchStore:
    """Watches and their changes in one SQLite file (WAL; each write one transaction)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            yield db
        finally:
            db.close()

    def watches(self) -> list[Watch]:
        """Every watch, oldest first, with its count of unread changes."""
        with self._db() as db:
            rows = db.execute(
                "SELECT w.id, w.question, w.sources, w.created, w.heard, w.generation, "
                "(SELECT COUNT(*) FROM changes c WHERE c.watch_id = w.id AND c.read = 0) "
                "FROM watches w ORDER BY w.created, w.id"
            ).fetchall()
        return [_watch(row) for row in rows]

    def get(self, wid: str) -> Watch | None:
        """One watch, or None."""
        return next((w for w in self.watches() if w.id == wid), None)

    def count(self) -> int:
        """How many watches there are."""
        with self._db() as db:
            return int(db.execute("SELECT COUNT(*) FROM watches").fetchone()[0])

    def insert(self, watch: Watch) -> None:
        """Store a new watch with the answer it heard first."""
        with self._db() as db:
            db.execute(
                "INSERT INTO watches (id, question, sources, created, heard, generation) VALUES (?, ?, ?, ?, ?, ?)",
                (watch.id, watch.question, json.dumps(list(watch.sources)), watch.created,
                 _dump(watch.heard), watch.generation),
            )  # fmt: skip

    def delete(self, wid: str) -> bool:
        """Remove a watch and its changes; False if there was none."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            gone = db.execute("DELETE FROM watches WHERE id = ?", (wid,)).rowcount
            db.execute("DELETE FROM changes WHERE watch_id = ?", (wid,))
            db.execute("COMMIT")
        return bool(gone)

    def record(
        self,
        watch: Watch,
        heard: Heard,
        generation: int,
        change: tuple[str, str] | None,
        checkpoint: Callable[[str], None] | None = None,
    ) -> None:
        """The watch's new answer and (when it changed) the change, in one transaction.

        ``checkpoint("recording")`` is called inside the transaction, between the two writes (the
        crash tests kill the process there).
        """
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            updated = db.execute(
                "UPDATE watches SET heard = ?, generation = ? WHERE id = ?", (_dump(heard), generation, watch.id)
            ).rowcount
            if checkpoint is not None:
                checkpoint("recording")
            if updated and change is not None and watch.heard is not None:
                db.execute(
                    "INSERT INTO changes (watch_id, question, at, kind, why, old, new) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (watch.id, watch.question, now, change[0], change[1], _dump(watch.heard), _dump(heard)),
                )
            db.execute("COMMIT")

    def changes(self, wid: str | None = None, unread: bool = False, limit: int = 200) -> list[Change]:
        """Changes, newest first (of one watch with ``wid``; only unread ones with ``unread``)."""
        where, args = [], []
        if wid is not None:
            where.append("watch_id = ?")
            args.append(wid)
        if unread:
            where.append("read = 0")
        sql = "SELECT id, watch_id, question, at, kind, why, old, new, read FROM changes"
        sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?"
        with self._db() as db:
            rows = db.execute(sql, (*args, limit)).fetchall()
        return [Change(r[0], r[1], r[2], r[3], r[4], r[5], _load(r[6]), _load(r[7]), bool(r[8])) for r in rows]

    def mark_read(self, ids: Sequence[int] | None = None) -> int:
        """Mark these changes (every change without ``ids``) as read; how many were unread."""
        with self._db() as db:
            if ids is None:
                return int(db.execute("UPDATE changes SET read = 1 WHERE read = 0").rowcount)
            marks = ",".join("?" for _ in ids) or "NULL"
            return int(
                db.execute(f"UPDATE changes SET read = 1 WHERE read = 0 AND id IN ({marks})", list(ids)).rowcount
            )


def _dump(heard: Heard | None) -> str | None:
    return json.dumps(heard.as_json()) if heard is not None else None


def _load(text: str) -> Heard:
    return Heard(**json.loads(text))


def _watch(row: Sequence[Any]) -> Watch:
    heard = _load(row[4]) if row[4] else None
    return Watch(row[0], row[1], tuple(json.loads(row[2])), row[3], heard, row[5], int(row[6]))


def why_changed(old: Heard, new: Heard, report: dict[str, Any] | None) -> str:
    """Why the answer moved, from the reindex report: a new, updated or removed article."""
    report = report or {}
    added, updated, removed = (set(report.get(k, ())) for k in ("added", "updated", "removed"))
    if new.article_id and new.article_id in added:
        return f"a new article: {new.title or new.article_id}"
    if new.article_id and new.article_id in updated:
        return f"an updated article: {new.title or new.article_id}"
    if old.article_id and old.article_id in removed:
        return f"a removed article: {old.title or old.article_id}"
    if old.article_id and old.article_id in updated:
        return f"an updated article: {old.title or old.article_id}"
    if added or updated or removed:
        parts = [
            f"{len(ids)} {word}" for ids, word in ((added, "new"), (updated, "updated"), (removed, "removed")) if ids
        ]
        return "the index changed (" + ", ".join(parts) + " articles)"
    return "the index changed"


def change_kind(old: Heard, new: Heard) -> str:
    """``answered``: a refusal became an answer; ``refused``: the reverse; else ``changed``."""
    if old.answered != new.answered:
        return "answered" if new.answered else "refused"
    return "changed"


class Watches:
    """The standing questions of one index: add, list, remove, and re-ask after a reindex.

    Args:
        store: where watches and changes are kept.
        answerer: asks the questions (the same one the chat uses).
        limit: most watches (past it, adding says so).
    """

    def __init__(self, store: WatchStore, answerer: Answerer, limit: int = WATCH_LIMIT) -> None:
        self.store = store
        self.answerer = answerer
        self.limit = limit
        self._lock = threading.Lock()  # one re-ask round at a time
        self.last_round: dict[str, Any] | None = None

    def _generation(self) -> int:
        return int(self.answerer.live.state.generation)

    def _ask(self, question: str, sources: Sequence[str]) -> Heard:
        answer = self.answerer.ask(question, filters=Filters(sources=tuple(sources)))
        return Heard.of(answer, dt.date.today())

    def add(self, question: str, sources: Sequence[str] = ()) -> tuple[Watch, bool]:
        """The watch for ``question`` (and whether it was new): asked now, its answer remembered."""
        question = clean_question(question)
        sources = tuple(s.strip() for s in sources if s.strip())
        wid = watch_id(question, sources)
        existing = self.store.get(wid)
        if existing is not None:
            return existing, False
        if self.store.count() >= self.limit:
            raise WatchError(
                f"There are already {self.limit} watches, the most this server keeps; "
                "remove some (verbatim watch remove ID) before adding more."
            )
        generation = self._generation()
        created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        watch = Watch(wid, question, sources, created, self._ask(question, sources), generation)
        with contextlib.suppress(sqlite3.IntegrityError):  # added at the same moment elsewhere: keep that one
            self.store.insert(watch)
        return self.store.get(wid) or watch, True

    def remove(self, wid: str) -> None:
        """Stop watching; ``UnknownWatchError`` if there is no such watch."""
        if not self.store.delete(wid):
            raise UnknownWatchError(f"no watch {wid!r}; `verbatim watch list` shows their ids")

    def refresh(
        self, report: dict[str, Any] | None = None, checkpoint: Callable[[str], None] | None = None
    ) -> dict[str, Any]:
        """Ask again every watch whose answer was read from an older generation than the index's now.

        A round cut short (the process killed) leaves each watch either asked and recorded or not;
        the next round asks those not yet recorded.
        """
        with self._lock:
            started = time.perf_counter()
            if self.store.count() == 0:  # nothing to ask: the index is not touched
                return {"generation": None, "asked": 0, "changed": 0, "seconds": 0.0}
            self.answerer.live.refresh()
            generation = self._generation()
            asked = changed = 0
            for watch in self.store.watches():
                if watch.generation == generation:
                    continue
                try:
                    heard = self._ask(watch.question, watch.sources)
                except QuestionError:
                    continue
                asked += 1
                news = None
                if watch.heard is not None and not watch.heard.same_as(heard):
                    news = (change_kind(watch.heard, heard), why_changed(watch.heard, heard, report))
                    changed += 1
                self.store.record(watch, heard, generation, news, checkpoint)
            self.last_round = {
                "generation": generation, "asked": asked, "changed": changed,
                "seconds": round(time.perf_counter() - started, 3),
            }  # fmt: skip
            return self.last_round
