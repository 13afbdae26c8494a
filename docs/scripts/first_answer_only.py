"""A copy of a SQuAD file in which each question keeps only its first gold answer.

SQuAD v1.1 dev gives up to three annotators' answers per question, SQuAD train one. Evaluating
dev with the first answer only measures how much of the confidence's calibration error on dev
comes from counting a sentence right against any of three answers (docs/EVALUATION.md).

    .venv/bin/python docs/scripts/first_answer_only.py ../shared/data/squad-dev-v1.1.json \
        .verbatim-eval/squad-dev-v1.1-first-answer.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(source: Path, target: Path) -> None:
    data = json.loads(source.read_text(encoding="utf-8"))
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            for question in paragraph["qas"]:
                question["answers"] = question["answers"][:1]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
