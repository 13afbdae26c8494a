"""How many syndicated-copy groups a SQuAD-format news file's articles form (index/duplicates.py).

    .venv/bin/python docs/scripts/duplicates_report.py FILE [FILE ...] [--show N]

Prints the article, group and copy counts and the time taken; ``--show N`` prints N seeded
sample groups (titles, dates, the first words of each) to check precision by reading them.
Nothing of the news text is written anywhere.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from index.duplicates import fingerprint, groups
from qa.squad import load_squad


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--show", type=int, default=0)
    args = parser.parse_args()
    articles = {a.id: a for f in args.files for a in load_squad(f).articles}
    started = time.perf_counter()
    copies = {a.id: (fingerprint(a.text), a.date) for a in articles.values()}
    found = groups(copies)
    seconds = time.perf_counter() - started
    grouped = sum(len(g) for g in found)
    print(
        f"{len(copies)} articles, {len(found)} groups holding {grouped} articles "
        f"({grouped - len(found)} copies beyond the first of each), {seconds:.1f} s"
    )
    for group in random.Random(0).sample(found, min(args.show, len(found))):
        print("--")
        for article_id in group:
            a = articles[article_id]
            print(f"  {a.date}  {a.title[:80]}  | {' '.join(a.text.split()[:25])}")


if __name__ == "__main__":
    main()
