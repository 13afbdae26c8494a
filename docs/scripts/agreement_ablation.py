"""Does evidence across articles (``r_agree``) help choose the sentence, on whole news articles too?

Out of fold on the calibration rows (5 folds by question, seeded), the sentence combination is
fitted with and without ``r_agree`` (and with ``r_agree`` alone added to the reader's span score)
and, per population, reports how often the pick holds a gold answer among the questions where some
read sentence does, and how often ``r_agree`` is non-zero at all. ROWS: a file of
`.verbatim-train/calibration-rows/` (the one `verbatim train calibrate` just wrote for the reader).

    PYTHONPATH=. .venv/bin/python docs/scripts/agreement_ablation.py ROWS.json.gz
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from pathlib import Path

from lab.reader_calibration import Row, _load_rows
from qa.fitting import Group, fit_ranker
from qa.reader import COMBINE_FEATURES

VARIANTS: dict[str, tuple[str, ...]] = {
    "shipped combination": COMBINE_FEATURES,
    "without r_agree": tuple(f for f in COMBINE_FEATURES if f != "r_agree"),
    "reader's span score alone": ("r_score",),
}


def out_of_fold_picks(rows: Sequence[Row], names: Sequence[str]) -> list[int]:
    """Each row's pick by a combination fitted on the four folds it is not in."""
    rng = random.Random(7)
    folds = [rng.randrange(5) for _ in rows]
    picks = [0] * len(rows)
    for fold in range(5):
        train = [Group(r.features, r.labels) for r, f in zip(rows, folds, strict=True) if f != fold and r.answerable]
        combine = fit_ranker(train, names)
        for k, (row, f) in enumerate(zip(rows, folds, strict=True)):
            if f == fold:
                picks[k] = max(range(len(row.features)), key=lambda i: combine.score(row.features[i]))
    return picks


def main(path: Path) -> None:
    rows = [r for r in _load_rows(path) or [] if r.answerable and r.features and any(r.labels)]
    populations = sorted({r.population for r in rows})
    print("| combination | " + " | ".join(f"{p} ({sum(r.population == p for r in rows)})" for p in populations) + " |")
    print("|---" * (len(populations) + 1) + "|")
    for name, names in VARIANTS.items():
        picks = out_of_fold_picks(rows, names)
        cells = []
        for population in populations:
            keep = [k for k, r in enumerate(rows) if r.population == population]
            cells.append(f"{sum(rows[k].labels[picks[k]] for k in keep) / len(keep):.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    agreeing = []
    for population in populations:
        among = [r for r in rows if r.population == population]
        agreeing.append(f"{sum(any(f.get('r_agree', 0) > 0 for f in r.features) for r in among) / len(among):.3f}")
    print("| a read sentence agrees with another article's | " + " | ".join(agreeing) + " |")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
