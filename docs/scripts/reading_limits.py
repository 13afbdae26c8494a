"""Where the reader's answers are lost: reading, sentence choice or confidence (out of fold).

On the calibration rows ``verbatim train calibrate`` cached (``.verbatim-train/calibration-rows/``),
each given as LABEL=ROWS.json.gz (one per reading: one pass, a longer pass, two passes), per
population of answerable questions:

1. **read / combination / reader alone / span mass alone / read per question**: a read sentence
   holds the answer; the combination's pick does (in sample: the calibration's own fit); the
   reader's best span score alone does; its share of the context's span mass alone does (``r_share``,
   rows cached since 2026-12-06 only); how many sentences were read;
2. **combinations, out of fold**: the pick of a conditional logit fitted on four folds of the
   questions (by question, seeded) with more of the sentence's features, or with the news
   questions counted 3 or 10 times;
3. **confidence models, out of fold** (the first rows file only): the shipped logistic against
   gradient-boosted trees and a spline logistic (scikit-learn) on the same 28 features, news
   counted twice: per population the expected calibration error and the AUROC;
4. **the shipped confidence by population, in sample** (the first rows file, READER_DIR's
   reader.json): mean confidence against the share right.

    PYTHONPATH=. .venv/bin/python docs/scripts/reading_limits.py READER_DIR LABEL=ROWS.json.gz [LABEL=ROWS ...]
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from docs.scripts.calibration_weights import POPULATIONS, chosen_rows, news, out_of_fold
from lab.reader_calibration import TREE_SETTINGS, Row, _load_rows
from qa.fitting import Group, fit_ranker
from qa.metrics import auroc, expected_calibration_error
from qa.reader import COMBINE_FEATURES, CONFIDENCE_FEATURES, load_config

MORE = (*COMBINE_FEATURES, "s_dense", "p_rank", "p_score", "s_coverage", "type_match", "p_first")
EVERY = tuple(n for n in CONFIDENCE_FEATURES if n not in ("r_combined", "c_gap", "r_gap", "r_null"))
COMBINATIONS: dict[str, tuple[Sequence[str], float]] = {
    "3 features (shipped)": (COMBINE_FEATURES, 1.0),
    "9 features": (MORE, 1.0),
    f"{len(EVERY)} features": (EVERY, 1.0),
    "3 features and the sentence's share of the span mass": ((*COMBINE_FEATURES, "r_share"), 1.0),
    "rankers' score, share of the span mass, margin": (("s_score", "r_share", "r_margin"), 1.0),
    "3 features, news x3": (COMBINE_FEATURES, 3.0),
    "3 features, news x10": (COMBINE_FEATURES, 10.0),
}


def _answerable(path: Path) -> list[Row]:
    rows = _load_rows(path)
    assert rows is not None, path
    return [r for r in rows if r.answerable and r.features]


def _share(rows: Sequence[Row], pick: Callable[[Row], int]) -> dict[str, str]:
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        found[r.population][0] += bool(r.labels[pick(r)])
        found[r.population][1] += 1
    return {p: f"{found[p][0] / found[p][1]:.3f}" for p in POPULATIONS if found[p][1]}


def reading(label: str, rows: Sequence[Row]) -> None:
    by: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by[r.population].append(r)
    for population in POPULATIONS:
        group = by.get(population)
        if not group:
            continue
        n = len(group)
        held = sum(any(r.labels) for r in group) / n
        first = sum(bool(r.labels[0]) for r in group) / n  # the rows keep the combination's order
        alone = sum(bool(r.labels[max(range(len(r.labels)), key=lambda j: r.features[j]["r_score"])]) for r in group)
        mass = sum(bool(r.labels[max(range(len(r.labels)), key=lambda j: r.features[j].get("r_share", 0.0))])
                   for r in group)  # fmt: skip
        size = sum(len(r.labels) for r in group) / n
        print(f"| {label} | {population} | {n} | {held:.3f} | {first:.3f} | {alone / n:.3f} | {mass / n:.3f} | "
              f"{size:.1f} |")  # fmt: skip


def combinations(label: str, rows: Sequence[Row]) -> None:
    order = list(range(len(rows)))
    random.Random(0).shuffle(order)
    folds = [order[k::5] for k in range(5)]
    for name, (names, factor) in COMBINATIONS.items():
        picks: dict[int, int] = {}
        for fold in folds:
            held = set(fold)
            groups = [Group(rows[i].features, rows[i].labels) for i in order if i not in held
                      for _ in range(int(factor) if rows[i].population.startswith("rtqa") else 1)]  # fmt: skip
            model = fit_ranker(groups, names)
            for i in fold:
                picks[i] = max(range(len(rows[i].features)), key=lambda j, i=i: model.score(rows[i].features[j]))
        index = {id(r): i for i, r in enumerate(rows)}
        shares = _share(rows, lambda r, picks=picks, index=index: picks[index[id(r)]])
        print(f"| {label} | {name} | " + " | ".join(shares.get(p, "") for p in POPULATIONS) + " |")


def confidence_models(path: Path) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import SplineTransformer, StandardScaler

    chosen, features, labels = chosen_rows(path)
    x = np.array([[f.get(n, 0.0) for n in CONFIDENCE_FEATURES] for f in features])
    y = np.array(labels, dtype=bool)
    weight = np.array([news(2.0)(r) for r, _ in chosen])
    rng = random.Random(7)
    folds = np.array([rng.randrange(5) for _ in chosen])

    def fitted(make: Callable[[], object], fit: Callable[[object, np.ndarray], None]) -> list[float]:
        scores = np.zeros(len(y))
        for fold in range(5):
            model = make()
            fit(model, folds != fold)
            scores[folds == fold] = model.predict_proba(x[folds == fold])[:, 1]  # type: ignore[attr-defined]
        return list(scores)

    def trees() -> object:
        return HistGradientBoostingClassifier(**TREE_SETTINGS)  # as `train calibrate --confidence-model trees`

    def splines() -> object:
        spline = SplineTransformer(n_knots=4, degree=2)
        return make_pipeline(StandardScaler(), spline, LogisticRegression(C=0.3, max_iter=2000))

    models = {
        "logistic (shipped)": out_of_fold(chosen, features, labels, CONFIDENCE_FEATURES, news(2.0)),
        "gradient-boosted trees": fitted(trees, lambda m, k: m.fit(x[k], y[k], sample_weight=weight[k])),  # type: ignore[attr-defined]
        "spline logistic": fitted(splines, lambda m, k: m.fit(x[k], y[k], logisticregression__sample_weight=weight[k])),  # type: ignore[attr-defined]
    }
    for name, scores in models.items():
        cells = []
        for population in POPULATIONS:
            keep = [k for k, (r, _) in enumerate(chosen) if r.population == population]
            s, lab = [scores[k] for k in keep], [labels[k] for k in keep]
            rank = f"{auroc(s, lab):.3f}" if 0 < sum(lab) < len(lab) else "-"
            cells.append(f"{expected_calibration_error(s, lab):.3f} / {rank}")
        print(f"| {name} | " + " | ".join(cells) + " |")


def by_population(reader: Path, path: Path) -> None:
    chosen, features, labels = chosen_rows(path)
    confidence = load_config(reader).confidence
    for population in POPULATIONS:
        keep = [k for k, (r, _) in enumerate(chosen) if r.population == population]
        shown = [confidence.probability(features[k]) for k in keep]
        right = [labels[k] for k in keep]
        print(f"| {population} | {len(keep)} | {sum(shown) / len(shown):.3f} | {sum(right) / len(right):.3f} | "
              f"{expected_calibration_error(shown, right):.3f} |")  # fmt: skip


def main(reader: Path, pairs: Sequence[str]) -> None:
    files = [(label, Path(path)) for label, path in (p.split("=", 1) for p in pairs)]
    print(
        "| reading | population | questions | read | combination | reader alone | span mass alone | read per question |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, path in files:
        reading(label, _answerable(path))
    print("\n| reading | combination, out of fold | " + " | ".join(POPULATIONS) + " |")
    print("|---" * (len(POPULATIONS) + 2) + "|")
    for label, path in files:
        combinations(label, _answerable(path))
    print("\n| confidence, out of fold | " + " | ".join(f"{p}: ECE / AUROC" for p in POPULATIONS) + " |")
    print("|---" * (len(POPULATIONS) + 1) + "|")
    confidence_models(files[0][1])
    print("\n| population | questions | mean confidence | right | ECE |\n|---|---|---|---|---|")
    by_population(reader, files[0][1])


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
