"""A no-change reindex, timed: three runs in one fresh process, then both manifest reads.

    PYTHONPATH=. .venv/bin/python docs/scripts/nochange_reindex.py .verbatim-bench/memory100k

The folder is one that ``docs/scripts/index_memory.py --workdir`` (or ``verbatim bench``, as
``.verbatim-bench/size-N``) built: ``corpus/bench.jsonl`` and ``index/``. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from index.config import IndexConfig
from index.live import LiveIndex
from index.reindex import Reindexer


def main(folder: Path) -> None:
    corpus = folder / "corpus" / "bench.jsonl"
    live = LiveIndex(IndexConfig(index_dir=folder / "index"))
    out: dict[str, float | int] = {}
    for run in range(3):
        report = Reindexer(live).run([corpus])
        assert not (report.added or report.updated or report.removed), "the corpus changed: not a no-change run"
        out[f"run{run + 1}_s"] = round(report.seconds, 3)
    out["articles"] = len(report.unchanged)
    for name, read in (("chroma", live.generation.manifest), ("replica", live.catalog.manifest)):
        started = time.perf_counter()
        read()
        out[f"manifest_{name}_s"] = round(time.perf_counter() - started, 3)
    live.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
