"""The local replica of one index generation, in SQLite: articles, passages and FTS5 (the writing side).

Chroma holds the truth; this file mirrors it so that keyword search, article text and the
live version of every article are one SQLite snapshot away. An article's passages are
swapped in one transaction, so a reader sees the old version or the new, never a mix.
The reads of one such snapshot are ``index.snapshot``'s.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from index.chunking import Passage, passage_context
from index.duplicates import DuplicateSettings, Fingerprint, fingerprint, groups, members
from index.filters import date_number
from index.generation import ArticleRecord, ManifestEntry
from index.keyword import FTS_TOKENIZER
from index.snapshot import ARTICLE_COLUMNS, Snapshot
from index.vectors import PassageVectors, encode_sentences, to_blob

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, checksum TEXT NOT NULL, title TEXT NOT NULL, date TEXT,
    date_num INTEGER, source TEXT, url TEXT, path TEXT NOT NULL, n_passages INTEGER NOT NULL,
    indexed_at REAL NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS passages (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, article_id TEXT NOT NULL,
    version TEXT NOT NULL, position INTEGER NOT NULL, start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL, vector BLOB NOT NULL, sentences TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS passages_by_article ON passages (article_id);
CREATE INDEX IF NOT EXISTS articles_by_date ON articles (date);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5 (text, context, tokenize='{FTS_TOKENIZER}');
CREATE VIRTUAL TABLE IF NOT EXISTS passages_vocab USING fts5vocab (passages_fts, 'row');
CREATE TABLE IF NOT EXISTS copy_prints (
    article_id TEXT PRIMARY KEY, checksum TEXT NOT NULL, signature BLOB NOT NULL, sentences BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS copy_groups (article_id TEXT PRIMARY KEY, members TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS article_changes (
    article_id TEXT PRIMARY KEY, changed TEXT NOT NULL, changed_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS article_pages (article_id TEXT PRIMARY KEY, pages TEXT NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class CatalogStats:
    """Counts for the status panel."""

    articles: int
    passages: int


class Catalog:
    """One SQLite file; a connection per thread, WAL mode so readers never wait on the writer."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._db().executescript(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    def close(self) -> None:
        """Close every connection this catalog opened."""
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """A consistent read view for the length of one answer."""
        db = self._db()
        if db.in_transaction:  # nested use on this thread: share the outer snapshot
            yield Snapshot(db)
            return
        db.execute("BEGIN")
        try:
            yield Snapshot(db)
        finally:
            db.execute("COMMIT")

    def get_meta(self, key: str) -> str | None:
        """A value of the replica's own bookkeeping."""
        row = self._db().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Record a value of the replica's own bookkeeping."""
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def apply(self, record: ArticleRecord, passages: Sequence[Passage], vectors: Sequence[PassageVectors]) -> None:
        """Replace an article (new or updated) and its passages in one transaction."""
        article = record.article
        with self._write() as db:
            _delete_article(db, article.id)
            db.execute(
                f"INSERT INTO articles ({ARTICLE_COLUMNS}, date_num, text) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    article.id, article.checksum, article.title,
                    article.date.isoformat() if article.date else None, article.source,
                    article.url, article.path, record.n_passages, record.indexed_at,
                    date_number(article.date), article.text,
                ),
            )  # fmt: skip
            if record.changed_at is not None:
                changed = json.dumps([list(span) for span in record.changed])
                db.execute("INSERT INTO article_changes VALUES (?, ?, ?)", (article.id, changed, record.changed_at))
            if article.pages:
                db.execute("INSERT INTO article_pages VALUES (?, ?)", (article.id, json.dumps(list(article.pages))))
            for p, v in zip(passages, vectors, strict=True):
                cursor = db.execute(
                    "INSERT INTO passages (id, article_id, version, position, start_char, end_char, vector, sentences)"
                    " VALUES (?,?,?,?,?,?,?,?)",
                    (
                        p.id,
                        p.article_id,
                        p.version,
                        p.position,
                        p.start,
                        p.end,
                        to_blob(v.passage),
                        encode_sentences(v),
                    ),
                )
                db.execute(
                    "INSERT INTO passages_fts (rowid, text, context) VALUES (?, ?, ?)",
                    (cursor.lastrowid, p.text, passage_context(article)),
                )

    def remove(self, article_id: str) -> None:
        """Remove an article and its passages."""
        with self._write() as db:
            _delete_article(db, article_id)

    def regroup(self, settings: DuplicateSettings | None = None) -> bool:
        """Bring the syndicated-copy groups up to date (only the changed articles are fingerprinted anew).

        Returns whether anything had changed. Costs nothing when no article did.
        """
        db = self._db()
        rows = db.execute(
            "SELECT a.id, a.checksum, a.date, p.checksum FROM articles a LEFT JOIN copy_prints p ON p.article_id = a.id"
        ).fetchall()
        stale = [str(r[0]) for r in rows if r[1] != r[3]]
        gone = db.execute("SELECT count(*) FROM copy_prints WHERE article_id NOT IN (SELECT id FROM articles)")
        if not stale and not gone.fetchone()[0] and self.get_meta("copies") == "current":
            return False
        with self._write() as db:
            db.execute("DELETE FROM copy_prints WHERE article_id NOT IN (SELECT id FROM articles)")
            for article_id in stale:
                checksum, text = db.execute(
                    "SELECT checksum, text FROM articles WHERE id = ?", (article_id,)
                ).fetchone()
                signature, hashes = fingerprint(str(text)).to_bytes()
                db.execute(
                    "INSERT OR REPLACE INTO copy_prints VALUES (?,?,?,?)", (article_id, checksum, signature, hashes)
                )
            prints = db.execute(
                "SELECT p.article_id, p.signature, p.sentences, a.date"
                " FROM copy_prints p JOIN articles a ON a.id = p.article_id"
            ).fetchall()
            found = groups({str(i): (Fingerprint.from_bytes(sig, sen), d) for i, sig, sen, d in prints}, settings)
            db.execute("DELETE FROM copy_groups")
            for article_id, group in members(found).items():
                db.execute("INSERT INTO copy_groups VALUES (?, ?)", (article_id, json.dumps(group)))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('copies', 'current')")
        return True

    def manifest(self) -> dict[str, ManifestEntry]:
        """The replica's copy of the store's manifest (id, checksum, file, passage count)."""
        rows = self._db().execute("SELECT id, checksum, path, n_passages FROM articles").fetchall()
        return {str(i): ManifestEntry(str(c), str(p), int(n)) for i, c, p, n in rows}

    def checksums(self) -> dict[str, str]:
        """Every article's id and checksum."""
        rows = self._db().execute("SELECT id, checksum FROM articles").fetchall()
        return {str(i): str(c) for i, c in rows}

    def stats(self) -> CatalogStats:
        """How many articles and passages the replica holds."""
        db = self._db()
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
        return CatalogStats(int(articles), int(passages))


def _delete_article(db: sqlite3.Connection, article_id: str) -> None:
    db.execute(
        "DELETE FROM passages_fts WHERE rowid IN (SELECT rowid FROM passages WHERE article_id = ?)",
        (article_id,),
    )
    db.execute("DELETE FROM passages WHERE article_id = ?", (article_id,))
    db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
    db.execute("DELETE FROM copy_groups WHERE article_id = ?", (article_id,))
    db.execute("DELETE FROM article_changes WHERE article_id = ?", (article_id,))
    db.execute("DELETE FROM article_pages WHERE article_id = ?", (article_id,))
