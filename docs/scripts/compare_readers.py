"""The reader targets of docs/EVALUATION.md side by side, for measure folders written by measure_reader.sh.

    PYTHONPATH=. .venv/bin/python docs/scripts/compare_readers.py docs/results/quality OTHER_DIR [...]

Each folder holds the `verbatim eval squad --json` reports ``measure_reader.sh`` writes; a report a
folder lacks shows as a dash. Prints one Markdown table: a row per measure, a column per folder.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

ROWS: tuple[tuple[str, str, str], ...] = (  # (label, report, key)
    ("news 2024 H1: answer in the top passage", "news-2024h1", "answer_in_top1"),
    ("news 2024 H1: first excerpt holds an answer", "news-2024h1", "first_excerpt_has_answer"),
    ("news 2024 H1: right when answered", "news-2024h1", "right_when_answered"),
    ("news 2024 H1: answered", "news-2024h1", "answered_rate"),
    ("news 2024 H1: ECE (any gold string)", "news-2024h1", "ece_open"),
    ("news 2024 H1: AUROC (any gold string)", "news-2024h1", "auroc_open"),
    ("news 2024 H1 later part: first excerpt", "news-2024h1-later", "first_excerpt_has_answer"),
    ("news 2024 H1 later part: right when answered", "news-2024h1-later", "right_when_answered"),
    ("news 2024 H1 later part: ECE (any gold string)", "news-2024h1-later", "ece_open"),
    ("news 2024 H1, relative time: first excerpt", "news-2024h1", "relative_first_excerpt_has_answer"),
    ("news 2024 H1, other questions: first excerpt", "news-2024h1", "other_first_excerpt_has_answer"),
    ("news evidence: first cited sentence", "news-evidence", "cited_sentence_accuracy"),
    ("news evidence: F1", "news-evidence", "f1"),
    ("news evidence: right when answered", "news-evidence", "right_when_answered"),
    ("news evidence: answered", "news-evidence", "answered_rate"),
    ("news evidence: AUROC", "news-evidence", "auroc"),
    ("news evidence: ECE", "news-evidence", "ece"),
    ("news evidence later part: first cited sentence", "news-evidence-later", "cited_sentence_accuracy"),
    ("news evidence later part: AUROC", "news-evidence-later", "auroc"),
    ("SQuAD dev: cited sentence", "squad-dev", "cited_sentence_accuracy"),
    ("SQuAD dev: F1", "squad-dev", "f1"),
    ("SQuAD dev: AUROC", "squad-dev", "auroc"),
    ("SQuAD 2.0 held-out half: AUROC", "squad2-held-out", "auroc"),
    ("SQuAD questions asked of the seeds: refused", "foreign-seeds", "answered_rate"),
)


@functools.cache
def report_of(folder: Path, report: str) -> dict[str, Any]:
    path = folder / f"{report}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def value(folder: Path, report: str, key: str) -> str:
    found = report_of(folder, report).get(key)
    if found is None:
        return "-"
    if report == "foreign-seeds" and key == "answered_rate":
        found = 1.0 - found  # refused
    return f"{found:.3f}"


def main(folders: list[Path]) -> None:
    print("| measure | " + " | ".join(str(f) for f in folders) + " |")
    print("|---" * (len(folders) + 1) + "|")
    for label, report, key in ROWS:
        print(f"| {label} | " + " | ".join(value(f, report, key) for f in folders) + " |")


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]])
