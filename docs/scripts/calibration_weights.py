"""Which features and which population weights the reader's confidence should be fitted with, out of fold.

Reads the calibration rows ``verbatim train calibrate`` cached (``.verbatim-train/calibration-rows/``),
picks each question's sentence with the combination as the calibration does, then for each
variant fits the confidence on four folds and scores the fifth (folds by question, seeded) and
reports per population: expected calibration error, answered share at the threshold that keeps
90 % of the answerable answered, AUROC; and the share of SQuAD 2.0's unanswerable questions refused.

    PYTHONPATH=. .venv/bin/python docs/scripts/calibration_weights.py .verbatim-train/calibration-rows/rows-*.json.gz
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from lab.reader_calibration import Row, _load_rows, choose_sentences
from qa.fitting import choose_threshold, fit_logistic
from qa.metrics import auroc, expected_calibration_error
from qa.models import Features
from qa.reader import CONFIDENCE_FEATURES

PREVIOUS = (  # the confidence's features until 2026-12-02
    "r_margin", "r_gap", "r_score", "r_null", "r_combined", "c_gap", "s_score", "p_score", "s_coverage", "p_dense",
    "p_coverage",
)  # fmt: skip
POPULATIONS = ("squad", "rtqa-evidence-2020-2022.squad", "rtqa-news-2024h1.squad", "off-topic", "squad2")


def unanswerable(factor: float) -> Callable[[Row], float]:
    return lambda r: factor if r.population == "squad2" and not r.answerable else 1.0


def news(factor: float) -> Callable[[Row], float]:
    return lambda r: factor if r.population.startswith("rtqa") else 1.0


def whole_articles(factor: float) -> Callable[[Row], float]:
    """News evidence counted twice (as shipped), whole 2024 articles ``factor`` times."""
    whole = "rtqa-news-2024h1.squad"
    return lambda r: factor if r.population == whole else 2.0 if r.population.startswith("rtqa") else 1.0


def off_topic(factor: float) -> Callable[[Row], float]:
    return lambda r: factor if r.population == "off-topic" else 1.0


VARIANTS: dict[str, tuple[Sequence[str], Callable[[Row], float]]] = {
    "11 features (until 2026-12-02)": (PREVIOUS, lambda r: 1.0),
    "11, SQuAD 2.0 unanswerable x0.25": (PREVIOUS, unanswerable(0.25)),
    "11, news x3": (PREVIOUS, news(3.0)),
    "11, off-topic x0.5": (PREVIOUS, off_topic(0.5)),
    "all 28 features (shipped)": (CONFIDENCE_FEATURES, lambda r: 1.0),
    "28, SQuAD 2.0 unanswerable x0.5": (CONFIDENCE_FEATURES, unanswerable(0.5)),
    "28, SQuAD 2.0 unanswerable x2": (CONFIDENCE_FEATURES, unanswerable(2.0)),
    "28, news x2": (CONFIDENCE_FEATURES, news(2.0)),
    "28, news x2, whole 2024 articles x5": (CONFIDENCE_FEATURES, whole_articles(5.0)),
    "28, news x2, whole 2024 articles x10": (CONFIDENCE_FEATURES, whole_articles(10.0)),
    "28, news x2, whole 2024 articles x20": (CONFIDENCE_FEATURES, whole_articles(20.0)),
    "11, news x2": (PREVIOUS, news(2.0)),
    "11, news x2, whole 2024 articles x5": (PREVIOUS, whole_articles(5.0)),
    "the reading's only (r_*, c_*), news x2": (
        tuple(f for f in CONFIDENCE_FEATURES if f[:2] in ("r_", "c_")),
        news(2.0),
    ),
    "28 less the passage's (p_*), news x2": (
        tuple(f for f in CONFIDENCE_FEATURES if not f.startswith("p_")),
        news(2.0),
    ),
}


def chosen_rows(path: Path) -> tuple[list[tuple[Row, int]], list[Features], list[bool]]:
    """Each calibration question's sentence as the combination picks it, with its features and label."""
    rows = _load_rows(path)
    assert rows is not None
    _, _, chosen = choose_sentences(rows)
    return chosen, [r.features[i] for r, i in chosen], [r.labels[i] for r, i in chosen]


def out_of_fold(
    chosen: Sequence[tuple[Row, int]],
    features: Sequence[Features],
    labels: Sequence[bool],
    names: Sequence[str],
    weight: Callable[[Row], float],
) -> list[float]:
    """The confidence of each row from a fit on the four folds (by question, seeded) it is not in."""
    rng = random.Random(7)
    folds = [rng.randrange(5) for _ in chosen]
    scores = [0.0] * len(chosen)
    for fold in range(5):
        train = [k for k, f in enumerate(folds) if f != fold]
        model = fit_logistic([features[k] for k in train], [labels[k] for k in train], names,
                             weights=[weight(chosen[k][0]) for k in train])  # fmt: skip
        for k, f in enumerate(folds):
            if f == fold:
                scores[k] = model.probability(features[k])
    return scores


def main(path: Path) -> None:
    chosen, features, labels = chosen_rows(path)
    print(
        "| variant | "
        + " | ".join(f"{p[:16]}: ECE / answered / AUROC" for p in POPULATIONS)
        + " | 2.0 unanswerable refused |"
    )
    print("|---" * (len(POPULATIONS) + 2) + "|")
    for name, (names, weight) in VARIANTS.items():
        scores = out_of_fold(chosen, features, labels, names, weight)
        threshold = choose_threshold(scores, [r.answerable for r, _ in chosen], 0.9)
        cells = []
        for population in POPULATIONS:
            keep = [k for k, (r, _) in enumerate(chosen) if r.population == population]
            s, y = [scores[k] for k in keep], [labels[k] for k in keep]
            separated = auroc(s, y) if any(y) and not all(y) else None
            cells.append(f"{expected_calibration_error(s, y) or 0:.3f} / {sum(v >= threshold for v in s) / len(s):.3f}"
                         + (f" / {separated:.3f}" if separated is not None else ""))  # fmt: skip
        refused = [
            scores[k] < threshold for k, (r, _) in enumerate(chosen) if r.population == "squad2" and not r.answerable
        ]
        print(f"| {name} | " + " | ".join(cells) + f" | {sum(refused) / len(refused):.3f} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
