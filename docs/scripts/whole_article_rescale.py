"""Would a confidence rescaled for whole news articles be calibrated there? Out of fold on the rows.

On the calibration rows ``verbatim train calibrate`` cached (``.verbatim-train/calibration-rows/``),
takes the shipped combination's pick and the shipped confidence for the whole-2024-article
questions (the earlier part of news 2024 H1), fits a one-feature logistic rescale of its logit
(Platt scaling) on four folds and scores the fifth (folds by question, seeded), and prints the
calibration error, AUROC and the answered share and right-when-answered at the shipped threshold,
before and after.

    PYTHONPATH=. .venv/bin/python docs/scripts/whole_article_rescale.py ROWS [READER_DIR]
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

from lab.reader_calibration import _load_rows, choose_sentences
from qa.fitting import fit_logistic
from qa.metrics import auroc, expected_calibration_error
from qa.reader import load_config

WHOLE = "rtqa-news-2024h1.squad"


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def main(path: Path, reader_dir: Path) -> None:
    rows = _load_rows(path)
    assert rows is not None
    config = load_config(reader_dir)
    _, _, chosen = choose_sentences(rows)
    whole = [(r, i) for r, i in chosen if r.population == WHOLE]
    shipped = [config.confidence.probability(r.features[i]) for r, i in whole]
    labels = [r.labels[i] for r, i in whole]
    features = [{"z": logit(p)} for p in shipped]
    rng = random.Random(7)
    folds = [rng.randrange(5) for _ in whole]
    rescaled = [0.0] * len(whole)
    for fold in range(5):
        train = [k for k, f in enumerate(folds) if f != fold]
        model = fit_logistic([features[k] for k in train], [labels[k] for k in train], ("z",))
        for k, f in enumerate(folds):
            if f == fold:
                rescaled[k] = model.probability(features[k])
    print(f"whole 2024 articles, earlier part: {len(whole)} questions, right {sum(labels) / len(labels):.3f}")
    print("| confidence | mean | ECE | AUROC | answered | right when answered |")
    print("|---|---|---|---|---|---|")
    for name, scores in (("shipped", shipped), ("rescaled, out of fold", rescaled)):
        answered = [k for k, s in enumerate(scores) if s >= config.threshold]
        right = sum(labels[k] for k in answered) / max(1, len(answered))
        print(
            f"| {name} | {sum(scores) / len(scores):.3f} | {expected_calibration_error(scores, labels) or 0:.3f} | "
            f"{auroc(scores, labels):.3f} | {len(answered) / len(scores):.3f} | {right:.3f} |"
        )
    low = [(p, q) for p, q in zip(shipped, rescaled, strict=True) if p < 0.2]
    if low:
        print(f"shipped confidence under 0.2: {len(low)} questions, mean {sum(p for p, _ in low) / len(low):.3f} "
              f"-> rescaled {sum(q for _, q in low) / len(low):.3f}")  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else Path("qa/reader"))
