"""How long a new app process takes to build its replica from a Chroma server, and to answer.

Serves an existing embedded index folder with `chroma run` on loopback (a copy, so the original
is untouched), opens it with ``--chroma-url`` semantics and an empty index directory, and times
the replica build, the no-change check, and warm answers. Run from the repository root after
`verbatim bench` has built the 10,000-passage index:

    PYTHONPATH=. .venv/bin/python docs/scripts/replica_from_server.py .verbatim-bench/size-10000/index/chroma
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from index.config import IndexConfig
from index.live import LiveIndex
from qa.answering import Answerer
from tests.conftest import free_port, start_chroma, stop_process

QUESTIONS = ["Who founded the university?", "When was the treaty signed?", "What is the capital?", "How many died?"]


def main(chroma_folder: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        store = Path(scratch) / "chroma"
        shutil.copytree(chroma_folder, store)
        port = free_port()
        server = start_chroma(store, port)
        try:
            started = time.perf_counter()
            config = IndexConfig(index_dir=Path(scratch) / "app", chroma_url=f"http://127.0.0.1:{port}")
            live = LiveIndex(config)
            live.refresh(force=True)
            status = live.status()
            print(f"replica built in {time.perf_counter() - started:.1f} s: {status.passages} passages")
            started = time.perf_counter()
            for _ in range(20):
                live.refresh(force=True)
            print(f"no-change check: {(time.perf_counter() - started) / 20 * 1000:.1f} ms")
            answerer = Answerer(live)
            answerer.ask(QUESTIONS[0])
            times = []
            for question in QUESTIONS * 25:
                started = time.perf_counter()
                answerer.ask(question)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            print(f"warm ask p50 {times[len(times) // 2]:.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms")
            replica = sum(f.stat().st_size for f in (Path(scratch) / "app").glob("catalog-*"))
            print(f"replica size {replica / 2**20:.1f} MB")
            live.close()
        finally:
            stop_process(server)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
