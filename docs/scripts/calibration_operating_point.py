"""Which news weight and which answer rate the reader's confidence and threshold should be fitted with.

Out of fold on the calibration rows (``docs/scripts/calibration_weights.py``'s folds), for each
weight of a news question against a SQuAD one (``verbatim train calibrate --news-question-weight``)
and each answer rate (``--answer-rate``): per population, the expected calibration error,
answered share and right when answered at that threshold, and the AUROC; then the share of
SQuAD 2.0's unanswerable questions refused. The news rows are the earlier part of news-dev only
(asked up to 2021 and to March 2024), so a setting chosen here leaves the later part held out.
ROWS: a file of `.verbatim-train/calibration-rows/` (the shipped reader's: `rows-1580304152bae6c8`).

    PYTHONPATH=. .venv/bin/python docs/scripts/calibration_operating_point.py ROWS.json.gz
"""

from __future__ import annotations

import sys
from pathlib import Path

from docs.scripts.calibration_weights import POPULATIONS, chosen_rows, news, out_of_fold
from qa.fitting import choose_threshold
from qa.metrics import auroc, expected_calibration_error
from qa.reader import CONFIDENCE_FEATURES

NEWS_WEIGHTS = (1.0, 2.0, 3.0, 5.0)
ANSWER_RATES = (0.90, 0.87, 0.85)


def main(path: Path) -> None:
    chosen, features, labels = chosen_rows(path)
    print("| news weight, answer rate | threshold | "
          + " | ".join(f"{p[:16]}: ECE / answered / right / AUROC" for p in POPULATIONS)
          + " | 2.0 unanswerable refused |")  # fmt: skip
    print("|---" * (len(POPULATIONS) + 3) + "|")
    for factor in NEWS_WEIGHTS:
        scores = out_of_fold(chosen, features, labels, CONFIDENCE_FEATURES, news(factor))
        for rate in ANSWER_RATES:
            threshold = choose_threshold(scores, [r.answerable for r, _ in chosen], rate)
            cells = []
            for population in POPULATIONS:
                keep = [k for k, (r, _) in enumerate(chosen) if r.population == population]
                s, y = [scores[k] for k in keep], [labels[k] for k in keep]
                answered = [k for k in keep if scores[k] >= threshold]
                right = sum(labels[k] for k in answered) / max(1, len(answered))
                separated = f" / {auroc(s, y):.3f}" if any(y) and not all(y) else ""
                cells.append(f"{expected_calibration_error(s, y) or 0:.3f} / {len(answered) / len(keep):.3f} / "
                             f"{right:.3f}{separated}")  # fmt: skip
            refused = [
                scores[k] < threshold
                for k, (r, _) in enumerate(chosen)
                if r.population == "squad2" and not r.answerable
            ]
            print(f"| x{factor:g}, {rate:.2f} | {threshold:.3f} | " + " | ".join(cells)
                  + f" | {sum(refused) / len(refused):.3f} |")  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]))
