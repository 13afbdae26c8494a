"""What one machine remembers about its corpus: roots, file fingerprints, recent reports.

None of this is the index itself (that is Chroma plus the replica): lose this file and the
next reindex reads every file again, and finds nothing to change.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS roots (path TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, entries TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (at REAL PRIMARY KEY, report TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS columns (path TEXT PRIMARY KEY, mapping TEXT NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A file as last indexed: its fingerprint and the article checksums it held."""

    mtime_ns: int
    size: int
    checksums: dict[str, str]


class LocalState:
    """A small SQLite file in the index folder."""

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

    def roots(self) -> list[Path]:
        """The corpus folders and files indexed so far."""
        with self._lock:
            rows = self._db.execute("SELECT path FROM roots ORDER BY path").fetchall()
        return [Path(r[0]) for r in rows]

    def set_roots(self, present: list[Path], gone: list[Path]) -> None:
        """Remember the indexed paths (a bare ``verbatim index`` revisits them); forget gone ones."""
        with self._lock:
            self._db.executemany("INSERT OR IGNORE INTO roots VALUES (?)", [(str(r),) for r in present])
            self._db.executemany("DELETE FROM roots WHERE path = ?", [(str(r),) for r in gone])

    def file(self, path: str) -> FileEntry | None:
        """The fingerprint of a file as last indexed."""
        with self._lock:
            row = self._db.execute("SELECT mtime_ns, size, entries FROM files WHERE path = ?", (path,)).fetchone()
        return None if row is None else FileEntry(int(row[0]), int(row[1]), json.loads(row[2]))

    def set_file(self, path: str, entry: FileEntry) -> None:
        """Record a file's fingerprint once all its articles are committed."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                (path, entry.mtime_ns, entry.size, json.dumps(entry.checksums)),
            )

    def forget_files(self, paths: list[str]) -> None:
        """Drop fingerprints of files that are gone."""
        with self._lock:
            self._db.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in paths])

    def forget_all_files(self) -> None:
        """Drop every fingerprint (a full rebuild reads every file)."""
        with self._lock:
            self._db.execute("DELETE FROM files")

    def forget_files_under(self, path: Path) -> None:
        """Drop the fingerprints of a file, or of every file in a folder: they are read again."""
        with self._lock:
            self._db.execute("DELETE FROM files WHERE path = ? OR path LIKE ? ESCAPE '\\'", (str(path), _under(path)))

    def columns(self, path: Path) -> tuple[tuple[str, str], ...]:
        """The table columns mapped for a file: those recorded for it or its nearest folder."""
        with self._lock:
            rows = self._db.execute("SELECT path, mapping FROM columns").fetchall()
        found = [(Path(p), m) for p, m in rows if Path(p) == path or Path(p) in path.parents]
        if not found:
            return ()
        nearest = max(found, key=lambda row: len(row[0].parts))[1]
        return tuple((str(a), str(b)) for a, b in json.loads(nearest))

    def set_columns(self, path: Path, columns: tuple[tuple[str, str], ...]) -> bool:
        """Record the columns mapped for a file or folder (``--columns``); True if they changed."""
        value = json.dumps([list(pair) for pair in columns])
        with self._lock:
            row = self._db.execute("SELECT mapping FROM columns WHERE path = ?", (str(path),)).fetchone()
            if row is not None and row[0] == value:
                return False
            self._db.execute("INSERT OR REPLACE INTO columns VALUES (?, ?)", (str(path), value))
        return True

    def add_report(self, at: float, report: dict[str, object]) -> None:
        """Keep a reindex report (the last twenty are kept)."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO reports VALUES (?, ?)", (at, json.dumps(report)))
            self._db.execute("DELETE FROM reports WHERE at NOT IN (SELECT at FROM reports ORDER BY at DESC LIMIT 20)")

    def last_report(self) -> dict[str, object] | None:
        """The most recent reindex report."""
        with self._lock:
            row = self._db.execute("SELECT report FROM reports ORDER BY at DESC LIMIT 1").fetchone()
        return None if row is None else dict(json.loads(row[0]))


def _under(path: Path) -> str:
    """A LIKE pattern for the paths inside folder ``path``."""
    escaped = str(path).rstrip("/").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "/%"
