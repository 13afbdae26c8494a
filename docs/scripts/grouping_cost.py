"""What the syndicated-copy grouping (index/duplicates.py) costs at index time, at N articles.

    PYTHONPATH=. .venv/bin/python docs/scripts/grouping_cost.py [--articles 10000] [--copies 0.1]

Articles are SQuAD train's paragraphs taken two by two (each pair one article), with a share of
them (``--copies``) republished under another byline and a local line, as a wire story is. The
catalog's own path is timed (``index.catalog.Catalog.regroup`` over a real SQLite replica):
the first grouping (every article fingerprinted), a regroup after one article changes (one
fingerprint, then the groups rebuilt from the stored fingerprints), and a regroup with nothing
changed. It prints the groups found against the copies made, so the figures are of a grouping
that works.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import tempfile
import time
from pathlib import Path

from index.article import Article
from index.catalog import Catalog
from index.generation import ArticleRecord
from qa.squad import load_squad


def make_articles(count: int, copies: float, seed: int = 0) -> tuple[list[Article], int]:
    """``count`` articles from SQuAD train's paragraphs, ``copies`` of them second copies of another."""
    squad = load_squad(Path("../shared/data/squad-train-v1.1.json"))
    paragraphs = [p for a in squad.articles for p in a.text.split("\n\n") if len(p.split()) > 40]
    rng = random.Random(seed)
    made = int(count * copies)
    originals = [
        Article(
            id=f"a{i:05d}",
            title=f"Story {i}",
            text=f"{paragraphs[(2 * i) % len(paragraphs)]}\n\n{paragraphs[(2 * i + 1) % len(paragraphs)]}",
            date=dt.date(2024, 1, 1) + dt.timedelta(days=i % 300),
            source="Wire",
        )
        for i in range(count - made)
    ]
    second = [
        Article(
            id=f"c{i:05d}",
            title=f"Local view {i}",
            text=f"By Reporter {i}\n\nA local line for our readers in town {i}.\n\n{o.text}",
            date=o.date,
            source="Local Paper",
        )
        for i, o in enumerate(rng.sample(originals, made))
    ]
    return originals + second, made


def put(catalog: Catalog, articles: list[Article]) -> None:
    """Store the articles as a reindex does (no passages: the grouping reads only the text)."""
    for a in articles:
        checksum = hashlib.sha256(a.text.encode()).hexdigest()
        article = Article(a.id, a.title, a.text, a.date, a.source, checksum=checksum)
        catalog.apply(ArticleRecord(article, 0, time.time()), [], [])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--copies", type=float, default=0.1)
    args = parser.parse_args()
    articles, made = make_articles(args.articles, args.copies)
    with tempfile.TemporaryDirectory() as folder:
        catalog = Catalog(Path(folder) / "catalog.sqlite")
        put(catalog, articles)
        started = time.perf_counter()
        catalog.regroup()
        first = time.perf_counter() - started
        with catalog.snapshot() as snapshot:
            found = snapshot.copy_groups()
        changed = articles[0]
        put(catalog, [Article(changed.id, changed.title, changed.text + "\n\nA correction.", changed.date)])
        started = time.perf_counter()
        catalog.regroup()
        one = time.perf_counter() - started
        started = time.perf_counter()
        catalog.regroup()
        none = time.perf_counter() - started
        catalog.close()
    words = sum(len(a.text.split()) for a in articles) / len(articles)
    print(f"{len(articles)} articles ({words:.0f} words on average), {made} made as second copies")
    print(f"groups found: {len(found)} holding {sum(len(g) for g in found)} articles")
    per = 1000 * first / len(articles)
    print(f"first grouping (every article fingerprinted): {first:.1f} s ({per:.2f} ms/article)")
    print(f"regroup after one article changed: {one:.2f} s")
    print(f"regroup with nothing changed: {1000 * none:.1f} ms")


if __name__ == "__main__":
    main()
