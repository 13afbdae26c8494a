"""Reindex CORPUS into INDEX_DIR and kill -9 this process at the Nth time STEP completes.

Used by tests/test_crash.py: ``python -m tests.crash_runner CORPUS INDEX_DIR STEP N [--full]
[--chroma-url URL --collection PREFIX]``.
Exits 0 (printing "finished") if the step is never reached that often.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from index.config import IndexConfig
from index.live import LiveIndex
from index.reindex import Reindexer


def main() -> None:
    corpus, index_dir, step, nth = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    seen = 0

    def checkpoint(name: str) -> None:
        nonlocal seen
        if name == step:
            seen += 1
            if seen == nth:
                os.kill(os.getpid(), signal.SIGKILL)

    server = {}
    if "--chroma-url" in sys.argv:
        at = sys.argv.index("--chroma-url")
        server = {"chroma_url": sys.argv[at + 1], "collection": sys.argv[sys.argv.index("--collection") + 1]}
    live = LiveIndex(IndexConfig(index_dir=index_dir, batch_size=2, **server))  # type: ignore[arg-type]
    Reindexer(live, checkpoint=checkpoint).run([corpus], full="--full" in sys.argv)
    print("finished")


if __name__ == "__main__":
    main()
