"""What re-asking the watches costs after a reindex, and whether answers keep their pace meanwhile.

    PYTHONPATH=. .venv/bin/python docs/scripts/watch_cost.py FILE [--watches 200] [--json OUT]

Indexes FILE's articles as ``verbatim eval squad`` does (or reuses its index under
``.verbatim-eval/``), adds FILE's first questions as watches (200 by default: the default limit)
in a temporary watch store, then times one round of re-asking them all, as a server runs it after a
reindex: in a thread at a lower CPU priority (``ui.background.nicer``), while the main thread asks
questions one after another. Prints the round's seconds and seconds per watch, and the foreground
answer times (p50 / p95) alone and during the round. The figures: docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lab.evaluate import cached_embedder, open_corpus
from qa.answering import Answerer
from qa.squad import load_squad
from qa.watches import Watch, Watches, WatchStore, watch_id
from ui.background import nicer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--watches", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    squad = load_squad(args.file)
    index_dir = Path(".verbatim-eval") / args.file.stem
    live, _ = open_corpus(squad, index_dir / "corpus" / f"{args.file.stem}.jsonl", index_dir, None, cached_embedder())
    questions = [q.question for q in squad.questions if not q.impossible]
    watched, foreground = questions[: args.watches], questions[args.watches : args.watches + 60]
    answerer = Answerer(live)
    answerer.warm_up()
    with tempfile.TemporaryDirectory() as folder:
        store = WatchStore(Path(folder) / "watches.sqlite")
        for question in watched:  # stored as if asked at an older generation: the round asks them all
            store.insert(Watch(watch_id(question, ()), question, (), "2026-01-01T00:00:00+00:00", None, -1))
        watches = Watches(store, answerer, limit=max(200, args.watches))
        alone = _ask_all(answerer, foreground[:30])
        done = threading.Event()
        with ThreadPoolExecutor(1, initializer=nicer) as pool:
            started = time.perf_counter()
            future = pool.submit(watches.refresh)
            future.add_done_callback(lambda _: done.set())
            during: list[float] = []
            rest = foreground[30:]
            while not done.is_set():
                during += _ask_all(answerer, rest[:5])
                rest = rest[5:] or foreground[30:]
            round_ = future.result()
            seconds = time.perf_counter() - started
    live.close()
    report = {
        "file": args.file.name, "watches": len(watched), "round_seconds": round(seconds, 2),
        "seconds_per_watch": round(seconds / max(1, len(watched)), 3), "asked": round_["asked"],
        "answer_ms_alone": _summary(alone), "answer_ms_during_round": _summary(during),
    }  # fmt: skip
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def _ask_all(answerer: Answerer, questions: list[str]) -> list[float]:
    times = []
    for question in questions:
        started = time.perf_counter()
        answerer.ask(question)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "n": len(times), "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
    }  # fmt: skip


if __name__ == "__main__":
    main()
