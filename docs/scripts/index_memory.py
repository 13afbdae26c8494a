"""Where a first index's memory goes: the writer's RSS against the passages written.

    PYTHONPATH=. .venv/bin/python docs/scripts/index_memory.py --passages 20000 [--real] [--tracemalloc]

Builds the bench corpus (``lab.bench.build_corpus``: SQuAD train paragraphs recombined, ten
passages an article, one JSON Lines file) and indexes it into a fresh folder with the real
pipeline (planning, chunking, Chroma, the replica, copy grouping). By default the vectors come
from a synthetic embedder (seeded unit vectors of the model's shape, one per passage and per
sentence), so a profile of 100,000 passages takes minutes instead of an hour; the writer's
memory does not depend on the values. ``--real`` encodes with the packaged model instead (and
loads it either way, so its memory is counted in both).

Prints the RSS every tenth of the way, the peak, and with ``--tracemalloc`` the 15 source lines
holding the most Python memory at the end of the run (before anything is closed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import threading
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.config import IndexConfig
from index.embedding import SentenceTransformerEmbedder
from index.live import LiveIndex
from index.reindex import Reindexer
from index.vectors import PassageVectors, Vectors, passage_sentences
from lab.bench import build_corpus


class SyntheticEmbedder:
    """Unit vectors seeded by each text: the shapes and count of the real model's, none of its time."""

    def __init__(self, name: str, dimension: int) -> None:
        self._name, self._dimension = name, dimension

    @property
    def name(self) -> str:
        return self._name  # the real model's, so the index can be served (its answers are junk)

    @property
    def dimension(self) -> int:
        return self._dimension

    def _vectors(self, text: str, rows: int) -> Vectors:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        matrix = np.random.default_rng(seed).standard_normal((rows, self._dimension)).astype(np.float32)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

    def embed_documents(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        if progress is not None:
            progress(len(texts))
        return np.stack([self._vectors(t, 1)[0] for t in texts]) if texts else np.zeros((0, self._dimension))

    def embed_query(self, text: str) -> Vectors:
        return self._vectors(text, 1)[0]

    def embed_passages(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None, contexts: Sequence[str] | None = None
    ) -> list[PassageVectors]:
        out = []
        for text in texts:
            spans = tuple(passage_sentences(text))
            matrix = self._vectors(text, len(spans) + 1)
            out.append(PassageVectors(matrix[0], spans, matrix[1:]))
        if progress is not None:
            progress(len(texts))
        return out


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def hwm_mb() -> float:
    """This process's own peak RSS (VmHWM; ``ru_maxrss`` would include a parent's size at fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=20000)
    parser.add_argument("--workdir", type=Path, default=Path(".verbatim-bench/memory"))
    parser.add_argument("--squad", type=Path, default=Path("../shared/data/squad-train-v1.1.json"))
    parser.add_argument("--real", action="store_true", help="encode with the packaged model")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--trim", action="store_true", help="glibc malloc_trim(0) after every 1,000 passages")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    shutil.rmtree(args.workdir, ignore_errors=True)
    corpus = args.workdir / "corpus" / "bench.jsonl"
    build_corpus(args.squad, args.passages, corpus)
    model = SentenceTransformerEmbedder()
    model.warm_up()  # the model's memory counts either way
    embedder = model if args.real else SyntheticEmbedder(model.name, model.dimension)
    start_rss = rss_mb()
    if args.tracemalloc:
        tracemalloc.start(8)
    peak = [start_rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            peak[0] = max(peak[0], rss_mb())

    threading.Thread(target=sample, daemon=True).start()
    marks: list[dict[str, float]] = []
    started = time.perf_counter()

    trimmed = [0]

    def progress(_: str, done: int, total: int) -> None:
        if args.trim and done - trimmed[0] >= 1000:
            import ctypes

            ctypes.CDLL("libc.so.6").malloc_trim(0)
            trimmed[0] = done
        if done >= (len(marks) * total) // 10 and (not marks or done > marks[-1]["passages"]):
            elapsed = round(time.perf_counter() - started, 1)
            marks.append({"passages": done, "rss_mb": round(rss_mb(), 1), "seconds": elapsed})

    live = LiveIndex(IndexConfig(index_dir=args.workdir / "index"), embedder=embedder)
    report = Reindexer(live).run([corpus], progress=progress)
    end_rss = rss_mb()
    top = []
    if args.tracemalloc:
        snapshot = tracemalloc.take_snapshot()
        for stat in snapshot.statistics("lineno")[:15]:
            frame = stat.traceback[0]
            top.append(f"{stat.size / 2**20:8.1f} MB  {stat.count:9d} blocks  {frame.filename}:{frame.lineno}")
        tracemalloc.stop()
    stop.set()
    live.close()
    result = {
        "passages": report.passages_embedded + report.passages_reused,
        "articles": len(report.added),
        "seconds": round(report.seconds, 1),
        "rss_before_mb": round(start_rss, 1),
        "rss_end_mb": round(end_rss, 1),
        "rss_peak_mb": round(max(peak[0], hwm_mb()), 1),
        "embedder": "model" if args.real else "synthetic",
        "marks": marks,
    }
    for mark in marks:
        print(f"{mark['passages']:>8} passages  {mark['rss_mb']:8.1f} MB  {mark['seconds']:7.1f} s")
    print("\n".join(top))
    print(json.dumps({k: v for k, v in result.items() if k != "marks"}))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
