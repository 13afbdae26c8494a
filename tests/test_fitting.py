"""The model fitting on synthetic data with a known answer."""

from __future__ import annotations

import numpy as np

from qa.fitting import Group, choose_threshold, fit_logistic, fit_ranker


def test_ranker_learns_which_feature_marks_the_right_candidate() -> None:
    rng = np.random.default_rng(0)
    groups = []
    for _ in range(400):
        signal = rng.normal(size=8)
        noise = rng.normal(size=8)
        near_copy = signal + rng.normal(scale=0.01, size=8)  # nearly collinear with the signal
        right = int(np.argmax(signal + rng.normal(scale=0.3, size=8)))
        rows = [{"signal": float(signal[i]), "noise": float(noise[i]), "copy": float(near_copy[i])} for i in range(8)]
        groups.append(Group(rows, [i == right for i in range(8)]))
    model = fit_ranker(groups, ("signal", "noise", "copy"))
    assert abs(model.weights["signal"] + model.weights["copy"]) < 50  # no blow-up on collinear features
    assert model.weights["signal"] + model.weights["copy"] > 1.0 > abs(model.weights["noise"])
    hits = sum(max(range(8), key=lambda i: model.score(g.features[i])) == g.labels.index(True) for g in groups)
    assert hits / len(groups) > 0.7


def test_logistic_regression_is_calibrated_on_its_own_data() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=3000)
    y = rng.random(3000) < 1 / (1 + np.exp(-(2.0 * x - 0.5)))
    model = fit_logistic([{"x": float(v)} for v in x], list(y), ("x",))
    predicted = np.array([model.probability({"x": float(v)}) for v in x])
    assert abs(predicted.mean() - y.mean()) < 0.01
    assert 1.6 < model.weights["x"] / model.scales["x"] < 2.4


def test_a_row_weighted_twice_counts_as_that_row_given_twice() -> None:
    """``--news-question-weight`` rests on this: a weight is a count in the fit."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=400)
    y = list(rng.random(400) < 1 / (1 + np.exp(-x)))
    rows = [{"x": float(v)} for v in x]
    doubled = [2.0 if i < 100 else 1.0 for i in range(400)]
    weighted = fit_logistic(rows, y, ("x",), weights=doubled)
    repeated = fit_logistic(rows + rows[:100], y + y[:100], ("x",))
    for probe in (-2.0, 0.0, 1.5):
        assert abs(weighted.probability({"x": probe}) - repeated.probability({"x": probe})) < 0.02
    plain = fit_logistic(rows, y, ("x",))
    assert abs(weighted.probability({"x": 1.5}) - plain.probability({"x": 1.5})) > 1e-4


def test_threshold_keeps_the_asked_share_answered() -> None:
    confidences = [i / 100 for i in range(100)]
    threshold = choose_threshold(confidences, [True] * 100, 0.9)
    assert sum(c >= threshold for c in confidences) == 90


def test_the_date_boost_is_fixed_only_where_no_training_candidate_was_dated() -> None:
    from qa.fitting import DATE_MATCH_WEIGHT, with_date_boost
    from qa.models import Linear

    undated = Linear({"dense": 1.0, "date_match": 0.0}, means={"dense": 0.3, "date_match": 0.0})
    assert with_date_boost(undated).weights["date_match"] == DATE_MATCH_WEIGHT
    learned = Linear({"dense": 1.0, "date_match": 0.9}, means={"dense": 0.3, "date_match": 0.05})
    assert with_date_boost(learned) == learned  # news questions taught its weight


def test_tree_confidence_stored_as_json_scores_as_scikit_learn_does() -> None:
    import json

    from lab.reader_calibration import TREE_SETTINGS, fit_trees
    from qa.models import confidence_from_json

    rng = np.random.default_rng(1)
    x = rng.normal(size=(600, 3))
    labels = [bool(v) for v in (x[:, 0] * x[:, 1] + rng.normal(scale=0.3, size=600) > 0)]  # not linear
    rows = [{"a": float(r[0]), "b": float(r[1]), "c": float(r[2])} for r in x]
    weights = [2.0 if i % 3 == 0 else 1.0 for i in range(600)]
    trees = fit_trees(rows, labels, ("a", "b", "c"), weights)
    again = confidence_from_json(json.loads(json.dumps(trees.as_json())))
    assert again == trees
    from sklearn.ensemble import HistGradientBoostingClassifier

    reference = HistGradientBoostingClassifier(**TREE_SETTINGS).fit(x, labels, sample_weight=weights)
    expected = reference.predict_proba(x)[:, 1]
    assert np.allclose([again.probability(r) for r in rows], expected, atol=1e-9)
    linear = fit_logistic(rows, labels, ("a", "b", "c"))
    right = sum((again.probability(r) > 0.5) == y for r, y in zip(rows, labels, strict=True))
    assert right > sum((linear.probability(r) > 0.5) == y for r, y in zip(rows, labels, strict=True)) + 100
    assert confidence_from_json(linear.as_json()) == linear
