"""Ask the watches of INDEX_DIR again and kill -9 this process inside the Nth watch's transaction.

Used by tests/test_watches.py: ``python -m tests.watch_crash_runner INDEX_DIR N``. Prints "finished"
if there are fewer than N watches to ask.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from index.config import IndexConfig
from index.live import LiveIndex
from qa.answering import Answerer
from qa.watches import WATCHES_FILE, Watches, WatchStore


def main() -> None:
    index_dir, nth = Path(sys.argv[1]), int(sys.argv[2])
    seen = 0

    def checkpoint(name: str) -> None:
        nonlocal seen
        if name == "recording":
            seen += 1
            if seen == nth:
                sys.stdout.flush()
                os.kill(os.getpid(), signal.SIGKILL)

    live = LiveIndex(IndexConfig(index_dir=index_dir))
    Watches(WatchStore(index_dir / WATCHES_FILE), Answerer(live)).refresh(None, checkpoint)
    print("finished")


if __name__ == "__main__":
    main()
