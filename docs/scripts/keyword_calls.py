"""What the keyword calls of one answer cost on a replica, as the product makes them (catalog.Snapshot).

    PYTHONPATH=. .venv/bin/python docs/scripts/keyword_calls.py REPLICA.sqlite [--questions 60]

For seeded SQuAD dev questions (``build_query`` of each, as an answer builds it), on the
replica's file: the term statistics (``document_frequencies``), the keyword top 30
(``keyword_search``, with every word and with the words held by more than ``--common`` passages
(default 20,000, the product's) left out, and how many of the 30 the second keeps), and the BM25 of 30 other
passages (the dense hits an answer scores) both as FTS5 computes it (the old
``keyword_scores``) and as ``keyword_scores`` now computes it, the two asserted equal.
Prints p50 / p95 milliseconds of each as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from index.catalog import Catalog
from qa.query import build_query
from qa.squad import load_squad


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("replica", type=Path)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--common", type=int, default=20_000, help="keyword_search(common=...): passages")
    parser.add_argument("--squad", type=Path, default=Path("../shared/data/squad-dev-v1.1.json"))
    args = parser.parse_args()
    questions = random.Random(3).sample([q.question for q in load_squad(args.squad).questions], args.questions)
    catalog = Catalog(args.replica)
    rng = random.Random(5)
    times: dict[str, list[float]] = {
        "document_frequencies": [],
        "keyword_search": [],
        (common := f"keyword_search_common_{args.common}"): [],
        "fts5_bm25": [],
        "ours": [],
    }
    kept: list[int] = []
    with catalog.snapshot() as snapshot:
        total = snapshot.passage_count()
        every = [str(row[0]) for row in sqlite3.connect(args.replica).execute("SELECT id FROM passages")]
        for question in questions:
            query = build_query(question)
            words = query.all_words
            _timed(times["document_frequencies"], snapshot.document_frequencies, list(query.weights()))
            hits = _timed(times["keyword_search"], snapshot.keyword_search, words, 30)
            pruned = _timed(times[common], snapshot.keyword_search, words, 30, None, args.common)
            kept.append(len({h.passage.id for h in hits} & {h.passage.id for h in pruned}))
            ids = rng.sample(every, 30)
            expected = _timed(times["fts5_bm25"], snapshot._fts_scores, words, ids)
            found = _timed(times["ours"], snapshot.keyword_scores, words, ids)
            assert found.keys() == expected.keys() and all(
                found[i] == pytest.approx(s, rel=1e-9) for i, s in expected.items()
            ), question
    report: dict[str, Any] = {"passages": total, "questions": len(questions), "top30_kept_mean": statistics.mean(kept)}
    for name, values in times.items():
        ordered = sorted(values)
        report[name] = {
            "mean_ms": round(statistics.mean(ordered), 1),
            "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        }
    print(json.dumps(report, indent=1))


def _timed(into: list[float], call: Callable[..., Any], *args: Any) -> Any:
    started = time.perf_counter()
    result = call(*args)
    into.append((time.perf_counter() - started) * 1000)
    return result


if __name__ == "__main__":
    main()
