"""The evaluation measures on hand-made cases."""

from __future__ import annotations

import math

import pytest

from qa.metrics import (
    auroc,
    contains_answer,
    exact_match,
    f1,
    hit_rate,
    normalize_answer,
    percentile,
    reciprocal_rank,
)


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("The Denver Broncos!", "denver broncos"),
        ("  an   apple, a day ", "apple day"),
        ("Theatre", "theatre"),
        ("", ""),
    ],
    ids=["articles-punctuation", "spaces", "article-inside-word", "empty"],
)
def test_squad_normalisation(text: str, normal: str) -> None:
    assert normalize_answer(text) == normal


def test_exact_match_takes_the_best_gold() -> None:
    assert exact_match("the Broncos", ["Denver Broncos", "Broncos"]) == 1.0
    assert exact_match("Broncos team", ["Denver Broncos", "Broncos"]) == 0.0


def test_f1_counts_token_overlap() -> None:
    # prediction "denver broncos won", gold "denver broncos": precision 2/3, recall 1 -> 0.8
    assert f1("Denver Broncos won", ["Denver Broncos"]) == pytest.approx(0.8)
    assert f1("Carolina", ["Denver Broncos"]) == 0.0
    assert f1("", ["Denver"]) == 0.0
    assert f1("Denver", ["Broncos", "Denver"]) == 1.0


def test_mrr_and_hit_rate() -> None:
    ranks = [1, 2, None, 11, 4]
    assert reciprocal_rank(ranks, 10) == pytest.approx((1 + 0.5 + 0.25) / 5)
    assert hit_rate(ranks, 1) == pytest.approx(0.2)
    assert hit_rate(ranks, 5) == pytest.approx(0.6)
    assert hit_rate(ranks, 10) == pytest.approx(0.6)


def test_auroc() -> None:
    assert auroc([0.9, 0.8, 0.3, 0.1], [True, True, False, False]) == 1.0
    assert auroc([0.1, 0.2, 0.8, 0.9], [True, True, False, False]) == 0.0
    assert auroc([0.5, 0.5], [True, False]) == 0.5  # a tie counts half
    # positives 0.9, 0.4; negatives 0.5, 0.1: pairs won 1 + 1 + 0 + 1 = 3 of 4
    assert auroc([0.9, 0.4, 0.5, 0.1], [True, True, False, False]) == 0.75
    assert auroc([0.3], [True]) is None


def test_percentile_interpolates() -> None:
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([5], 95) == 5
    assert math.isnan(percentile([], 50))


@pytest.mark.parametrize(
    ("text", "golds", "expected"),
    [
        ("The Denver Broncos won Super Bowl 50.", ["denver BRONCOS"], True),
        ("The Denver Broncos won.", ["Carolina Panthers", "Broncos"], True),
        ("The Denver Broncos won.", ["Carolina Panthers"], False),
        ("Ordered at the Cafe\u0301 Central.", ["café central"], True),
        ("Ordered at the café Central.", ["Cafe\u0301 Central"], True),
        ("Straße", ["STRASSE"], True),
        ("more than 9,000 Palestinians", ["9,000 Palestinians "], True),
        ("more than 9,000 Palestinians", ["9000"], False),
        ("Anything at all.", [""], False),
        ("Anything at all.", ["  "], False),
        ("Anything at all.", [], False),
        ("", ["a"], False),
    ],
    ids=[
        "ignores-case", "any-gold", "no-gold-inside", "nfc-text", "nfc-gold", "casefold",
        "gold-edges-trimmed", "characters-not-tokens", "empty-gold", "blank-gold", "no-golds", "empty-text",
    ],
)  # fmt: skip
def test_contains_answer_is_the_open_domain_rule(text: str, golds: list[str], expected: bool) -> None:
    assert contains_answer(text, golds) is expected
