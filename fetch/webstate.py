"""What the web folder of a corpus remembers: subscriptions, and how each page was last fetched.

The articles themselves are the files beside this database (the one source of truth for the
index); this file only holds what a polite fetcher needs (validators, content hashes, which
feed links to which page) and what ``verbatim feeds list`` shows. Lose it and the next poll
fetches everything once more and finds the same files.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, title TEXT, added REAL NOT NULL, last_fetch REAL, last_success REAL,
    etag TEXT, last_modified TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY, file TEXT, canonical TEXT, etag TEXT, last_modified TEXT, body_hash TEXT,
    fetched REAL, direct INTEGER NOT NULL DEFAULT 0, error TEXT);
CREATE TABLE IF NOT EXISTS links (
    feed TEXT NOT NULL, page TEXT NOT NULL, current INTEGER NOT NULL, date TEXT, PRIMARY KEY (feed, page));
"""


@dataclass(frozen=True, slots=True)
class FeedRow:
    """A subscription as ``feeds list`` shows it."""

    url: str
    title: str | None
    added: float
    last_fetch: float | None
    last_success: float | None
    etag: str | None
    last_modified: str | None
    error: str | None
    articles: int = 0

    def as_json(self) -> dict[str, object]:
        """``feeds list --json`` and ``GET /api/feeds``: times as ISO 8601 (UTC)."""
        return {
            "url": self.url,
            "title": self.title,
            "added": _iso(self.added),
            "last_fetch": _iso(self.last_fetch),
            "last_success": _iso(self.last_success),
            "articles": self.articles,
            "error": self.error,
        }


def _iso(stamp: float | None) -> str | None:
    return None if stamp is None else dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class PageRow:
    """A page as last fetched: the file it was written to and its validators."""

    url: str
    file: str | None
    canonical: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    direct: bool


class WebState:
    """A small SQLite file in the corpus's web folder (safe to share between threads)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def _rows(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _run(self, sql: str, *args: object) -> None:
        with self._lock:
            self._db.execute(sql, args)

    def feeds(self) -> list[FeedRow]:
        """Every subscription, oldest first, with the number of its articles on disk."""
        rows = self._rows(
            "SELECT f.url, f.title, f.added, f.last_fetch, f.last_success, f.etag, f.last_modified, f.error, "
            "(SELECT COUNT(*) FROM links l JOIN pages p ON p.url = l.page WHERE l.feed = f.url AND p.file IS NOT NULL)"
            " FROM feeds f ORDER BY f.added"
        )
        return [FeedRow(*row) for row in rows]  # type: ignore[arg-type]

    def feed(self, url: str) -> FeedRow | None:
        """One subscription."""
        return next((f for f in self.feeds() if f.url == url), None)

    def subscribe(self, url: str, title: str) -> None:
        """Add a subscription (or keep the one there)."""
        self._run("INSERT OR IGNORE INTO feeds (url, title, added) VALUES (?, ?, ?)", url, title, time.time())

    def feed_fetched(self, url: str, title: str | None, etag: str | None, last_modified: str | None) -> None:
        """Record a successful fetch (``title`` None: unchanged, a 304)."""
        now = time.time()
        self._run(
            "UPDATE feeds SET title = COALESCE(?, title), last_fetch = ?, last_success = ?, etag = COALESCE(?, etag),"
            " last_modified = COALESCE(?, last_modified), error = NULL WHERE url = ?",
            title, now, now, etag, last_modified, url,
        )  # fmt: skip

    def feed_failed(self, url: str, error: str) -> None:
        """Record a failed fetch; the subscription stays and is retried on the next poll."""
        self._run("UPDATE feeds SET last_fetch = ?, error = ? WHERE url = ?", time.time(), error, url)

    def unsubscribe(self, url: str) -> list[str]:
        """Drop a subscription; returns the pages no other feed links to and none was added directly."""
        orphans = self._rows(
            "SELECT p.url FROM pages p JOIN links l ON l.page = p.url AND l.feed = ? WHERE p.direct = 0 AND NOT EXISTS"
            " (SELECT 1 FROM links o WHERE o.page = p.url AND o.feed != ?)",
            url, url,
        )  # fmt: skip
        with self._lock:
            self._db.execute("DELETE FROM feeds WHERE url = ?", (url,))
            self._db.execute("DELETE FROM links WHERE feed = ?", (url,))
        return [str(row[0]) for row in orphans]

    def set_links(self, feed: str, links: list[tuple[str, str | None]]) -> None:
        """The feed's current entries (page URL, date); earlier ones are kept but no longer polled."""
        with self._lock:
            self._db.execute("UPDATE links SET current = 0 WHERE feed = ?", (feed,))
            self._db.executemany(
                "INSERT OR REPLACE INTO links VALUES (?, ?, 1, ?)", [(feed, page, date) for page, date in links]
            )

    def current_links(self, feed: str) -> list[tuple[str, str | None]]:
        """The entries of the feed's last successful fetch."""
        rows = self._rows("SELECT page, date FROM links WHERE feed = ? AND current = 1 ORDER BY rowid", feed)
        return [(str(page), None if date is None else str(date)) for page, date in rows]

    def page(self, url: str) -> PageRow | None:
        """A page as last fetched."""
        rows = self._rows(
            "SELECT url, file, canonical, etag, last_modified, body_hash, direct FROM pages WHERE url = ?", url
        )
        if not rows:
            return None
        text = [None if v is None else str(v) for v in rows[0][1:6]]
        return PageRow(str(rows[0][0]), text[0], text[1], text[2], text[3], text[4], bool(rows[0][6]))

    def file_of_canonical(self, canonical: str) -> str | None:
        """The file an earlier fetch wrote for this canonical URL (another link to the same article)."""
        rows = self._rows("SELECT file FROM pages WHERE canonical = ? AND file IS NOT NULL LIMIT 1", canonical)
        return str(rows[0][0]) if rows else None

    def direct_pages(self) -> list[str]:
        """Pages added by URL (``verbatim add``) rather than through a feed."""
        return [str(r[0]) for r in self._rows("SELECT url FROM pages WHERE direct = 1 ORDER BY rowid")]

    def page_fetched(self, row: PageRow) -> None:
        """Record a page's file and validators after a fetch."""
        self._run(
            "INSERT INTO pages (url, file, canonical, etag, last_modified, body_hash, fetched, direct, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (url) DO UPDATE SET file = excluded.file, "
            "canonical = excluded.canonical, etag = excluded.etag, last_modified = excluded.last_modified, "
            "body_hash = excluded.body_hash, fetched = excluded.fetched, direct = MAX(direct, excluded.direct), "
            "error = NULL",
            row.url, row.file, row.canonical, row.etag, row.last_modified, row.body_hash, time.time(), int(row.direct),
        )  # fmt: skip

    def page_failed(self, url: str, error: str, direct: bool) -> None:
        """Record a failed fetch (a directly added page is retried on the next poll)."""
        self._run(
            "INSERT INTO pages (url, direct, error) VALUES (?, ?, ?) ON CONFLICT (url) DO UPDATE SET error = "
            "excluded.error, direct = MAX(direct, excluded.direct)",
            url, int(direct), error,
        )  # fmt: skip

    def forget_pages(self, urls: list[str]) -> None:
        """Drop pages whose files were deleted."""
        with self._lock:
            self._db.executemany("DELETE FROM pages WHERE url = ?", [(u,) for u in urls])
