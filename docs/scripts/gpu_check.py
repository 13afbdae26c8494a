"""The GPU against the CPU: indexing speed, and the same answers, on the same passages.

    PYTHONPATH=. .venv/bin/python docs/scripts/gpu_check.py                    # cuda and cpu, 10,000 passages
    PYTHONPATH=. .venv/bin/python docs/scripts/gpu_check.py --devices cpu --passages 200 --questions 5

The passages are ``verbatim bench``'s (``lab.bench.build_corpus``: SQuAD dev paragraphs with their
sentences reshuffled, seeded, so every run indexes the same text), or the articles of ``--corpus
FILE``. Each device indexes them into its own temporary index folder (the model loaded first, so
the rate is the indexing's: passages per second of the whole reindex), then answers the same
seeded sample of the SQuAD file's questions. An answer is the same on two devices when its first
citation (a refusal's first closest match) names the same article and the same character offsets,
and both answer or both refuse. Prints one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from index.config import IndexConfig
from index.device import gpu_name, resolve_device
from index.errors import DeviceError
from index.live import LiveIndex
from index.reindex import Reindexer
from lab.bench import build_corpus
from qa.answering import Answer, Answerer
from qa.metrics import percentile
from qa.squad import load_squad

Key = tuple[bool, str, int, int] | None  # answered, article, start, end of the first citation


def first_citation(answer: Answer) -> Key:
    """What must agree between devices: answered or not, and where the first excerpt is."""
    shown = answer.citations or answer.closest
    if not shown:
        return None
    return (answer.answered, shown[0].article_id, shown[0].start, shown[0].end)


def run_on(device: str, corpus: Path, questions: list[str], folder: Path) -> tuple[dict[str, Any], list[Key]]:
    """Index ``corpus`` and answer ``questions`` on ``device``; its measures and first citations."""
    resolved = resolve_device(device)
    live = LiveIndex(IndexConfig(index_dir=folder, device=device))
    try:
        live.embedder().embed_query("warm up")  # the model's load is not the indexing's time
        report = Reindexer(live).run([corpus])
        passages = live.status().passages
        answerer = Answerer(live)
        answerer.warm_up()
        keys: list[Key] = []
        times: list[float] = []
        for question in questions:
            started = time.perf_counter()
            keys.append(first_citation(answerer.ask(question)))
            times.append((time.perf_counter() - started) * 1000)
        measures = {
            "device": resolved,
            "gpu": gpu_name(resolved),
            "passages": passages,
            "index_seconds": round(report.seconds, 2),
            "passages_per_s": round(passages / report.seconds, 1),
            "reader": answerer.reader.status(),
            "answered": sum(1 for k in keys if k is not None and k[0]),
            "ask_ms_p50": round(percentile(times, 50), 1) if times else None,
        }
    finally:
        live.close()
    return measures, keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", default="cuda,cpu", help="Devices to compare, comma-separated (cuda,cpu).")
    parser.add_argument("--passages", type=int, default=10_000, help="Passages of the generated corpus.")
    parser.add_argument("--questions", type=int, default=300, help="Questions asked on every device.")
    parser.add_argument("--squad", type=Path, default=Path("../shared/data/squad-dev-v1.1.json"))
    parser.add_argument("--corpus", type=Path, help="Index this file or folder instead of the generated passages.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    devices = [d.strip() for d in args.devices.split(",") if d.strip()]
    for device in devices:
        try:
            resolve_device(device)
        except DeviceError as exc:
            parser.error(f"{exc}; on a machine without a GPU run it with --devices cpu")
    with tempfile.TemporaryDirectory(prefix="verbatim-gpu-check-") as work:
        folder = Path(work)
        corpus = args.corpus or folder / "corpus" / "bench.jsonl"
        if args.corpus is None:
            asked = build_corpus(args.squad, args.passages, corpus, args.seed)
        else:
            asked = [q.question for q in load_squad(args.squad).questions]
        questions = random.Random(args.seed + 2).sample(asked, min(args.questions, len(asked)))
        runs: dict[str, dict[str, Any]] = {}
        keys: dict[str, list[Key]] = {}
        for device in devices:
            print(f"{device}: indexing {corpus} and asking {len(questions)} questions ...", file=sys.stderr)
            runs[device], keys[device] = run_on(device, corpus, questions, folder / f"index-{device}")
            print(f"{device}: {json.dumps(runs[device])}", file=sys.stderr)
    same = [all(keys[d][i] == keys[devices[0]][i] for d in devices) for i in range(len(questions))]
    result = {
        "corpus": str(args.corpus or f"{args.passages} passages generated from {args.squad}"),
        "questions": len(questions),
        "runs": runs,
        "same_first_citation_share": round(sum(same) / len(same), 4) if len(devices) > 1 and same else None,
        "different": [questions[i] for i, ok in enumerate(same) if not ok][:10],
    }
    if len(devices) > 1 and all(runs[d]["passages_per_s"] for d in devices):
        first, last = runs[devices[0]]["passages_per_s"], runs[devices[-1]]["passages_per_s"]
        result["speedup"] = round(first / last, 2)  # the first device's rate over the last's
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
