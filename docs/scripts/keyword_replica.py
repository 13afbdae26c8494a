"""A keyword-only replica of many copies of the bench corpus, to time the catalog's SQL at scale.

    PYTHONPATH=. .venv/bin/python docs/scripts/keyword_replica.py OUT_FOLDER [--passages 1000000]

The bench's 10,000-passage corpus (``lab.bench.build_corpus`` of SQuAD dev, seed 0, as
``verbatim bench`` writes it) copied as ``verbatim bench server`` copies it (article ids
``syn000-...``), into ``OUT_FOLDER/catalog-keyword.sqlite``. Every passage has a 4-number zero
vector: the keyword calls never read vectors, and without them the replica takes minutes, not
the quarter of an hour and 6 GB that the writer's replica with real vectors does.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from index.article import make_article
from index.catalog import Catalog
from index.chunking import ChunkSettings, chunk
from index.generation import ArticleRecord
from index.vectors import PassageVectors
from lab.bench import build_corpus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--squad", type=Path, default=Path("../shared/data/squad-dev-v1.1.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "bench.jsonl"
        build_corpus(args.squad, 10_000, corpus)
        records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    args.folder.mkdir(parents=True, exist_ok=True)
    path = args.folder / "catalog-keyword.sqlite"
    path.unlink(missing_ok=True)
    catalog = Catalog(path)
    started = time.perf_counter()
    made = copy = 0
    while made < args.passages:
        for record in records:
            article = make_article(id=f"syn{copy:03d}-{record['id']}", text=record["text"], title=record["title"])
            pieces = chunk(article, ChunkSettings(150, 1))[: args.passages - made]
            zero = PassageVectors(np.zeros(4, np.float32), (), np.zeros((0, 4), np.float32))
            catalog.apply(ArticleRecord(article, len(pieces), 0.0), pieces, [zero] * len(pieces))
            made += len(pieces)
            if made >= args.passages:
                break
        copy += 1
        print(f"{made:,} passages in {time.perf_counter() - started:.0f} s", flush=True)
    catalog.close()
    print(f"{path}: {made:,} passages, {path.stat().st_size / 2**20:,.0f} MB, {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
