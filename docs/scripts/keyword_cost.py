"""What one answer's keyword search costs on a big replica, query by query (SQLite FTS5).

    PYTHONPATH=. .venv/bin/python docs/scripts/keyword_cost.py .verbatim-scale/writer [--questions 6]

For seeded SQuAD dev questions, on the replica's file (read-only): how many passages hold any of
the question's words, the top-30 BM25 query as it was (joined before the limit) and as it is
(the top 30 inside FTS5, joined after: same hits asserted), the bare FTS5 query, and the same
with the words held by more than 5 % of passages left out (a lever not adopted: its top 30 and
how many of them it keeps).
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import time
from pathlib import Path

from index.keyword import STOPWORDS, fts_query
from qa.squad import load_squad

JOINED = (
    "SELECT p.id, bm25(passages_fts) FROM passages_fts AS f JOIN passages AS p ON p.rowid = f.rowid"
    " JOIN articles AS a ON a.id = p.article_id WHERE passages_fts MATCH ? ORDER BY bm25(passages_fts) LIMIT 30"
)
TOP_FIRST = (
    "SELECT p.id, m.score FROM (SELECT rowid, bm25(passages_fts) AS score FROM passages_fts"
    " WHERE passages_fts MATCH ? ORDER BY score, rowid LIMIT 30) AS m JOIN passages_fts AS f ON f.rowid = m.rowid"
    " JOIN passages AS p ON p.rowid = m.rowid JOIN articles AS a ON a.id = p.article_id ORDER BY m.score, m.rowid"
)
BARE = "SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? ORDER BY bm25(passages_fts), rowid LIMIT 30"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--questions", type=int, default=6)
    args = parser.parse_args()
    path = next(args.folder.glob("catalog-*.sqlite"))
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    total = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    questions = [q.question for q in load_squad(Path("../shared/data/squad-dev-v1.1.json")).questions]
    for question in random.Random(3).sample(questions, args.questions):
        words = [w for w in re.findall(r"[a-z0-9]+", question.lower()) if w not in STOPWORDS]
        match = fts_query(words)
        matched = _count(db, match)
        (joined_ms, joined), (top_ms, top), (bare_ms, bare) = (_timed(db, q, match) for q in (JOINED, TOP_FIRST, BARE))
        assert sorted(joined) == sorted(top), "the top-first query must find the same hits and scores"
        held = {w: _count(db, fts_query([w])) for w in words}
        kept = [w for w in words if held[w] < 0.05 * total] or words
        capped_ms, capped = _timed(db, BARE, fts_query(kept))
        print(
            f"{question[:50]!r}: {matched:,} of {total:,} passages match; joined {joined_ms:.0f} ms, "
            f"top first {top_ms:.0f} ms, bare {bare_ms:.0f} ms; common words left out {capped_ms:.0f} ms, "
            f"{len(set(bare) & set(capped))}/30 of the top kept"
        )


def _count(db: sqlite3.Connection, match: str) -> int:
    return int(db.execute("SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?", (match,)).fetchone()[0])


def _timed(db: sqlite3.Connection, sql: str, match: str) -> tuple[float, list[tuple[object, ...]]]:
    started = time.perf_counter()
    rows = db.execute(sql, (match,)).fetchall()
    return (time.perf_counter() - started) * 1000, [tuple(r) for r in rows]


if __name__ == "__main__":
    main()
