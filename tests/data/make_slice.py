"""Make tests/data/squad-slice.json: 5 held-out SQuAD v1.1 dev articles, 300 seeded questions.

Run from the repository root: python tests/data/make_slice.py /path/to/squad-dev-v1.1.json
The articles come from the half that `verbatim eval fit` (split seed 13) does not fit on.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from qa.squad import load_squad, split_articles

ARTICLES = 5
QUESTIONS = 300
SEED = 7


def main(source: Path, target: Path) -> None:
    data = json.loads(source.read_text(encoding="utf-8"))
    _, held_out = split_articles(load_squad(source), 13)
    chosen = sorted(held_out)
    random.Random(SEED).shuffle(chosen)
    keep = set(chosen[:ARTICLES])
    entries = [e for e in data["data"] if f"squad/{e['title']}" in keep]
    all_ids = [qa["id"] for e in entries for p in e["paragraphs"] for qa in p["qas"]]
    wanted = set(random.Random(SEED).sample(all_ids, QUESTIONS))
    for entry in entries:
        for paragraph in entry["paragraphs"]:
            paragraph["qas"] = [qa for qa in paragraph["qas"] if qa["id"] in wanted]
    target.write_text(
        json.dumps({"version": data["version"], "data": entries}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"{target}: {len(entries)} articles, {QUESTIONS} questions: {', '.join(e['title'] for e in entries)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).with_name("squad-slice.json"))
