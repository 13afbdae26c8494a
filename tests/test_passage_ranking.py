"""Passage ranking's rank features: a candidate's place by each score, the same in any collection."""

from __future__ import annotations

import math

from qa.models import Features
from qa.passage_ranking import add_rank_features


def test_rank_features_order_candidates_by_each_score_and_unscored_keyword_candidates_come_last() -> None:
    pool: list[Features] = [
        {"dense": 0.80, "bm25": 0.2},
        {"dense": 0.60, "bm25": 1.0},
        {"dense": 0.70, "bm25": 0.0},  # found by the dense search only
    ]
    add_rank_features(pool)
    assert [pool[i]["dense_lrank"] for i in (0, 2, 1)] == [-math.log1p(0), -math.log1p(1), -math.log1p(2)]
    assert [pool[i]["bm25_lrank"] for i in (1, 0)] == [-math.log1p(0), -math.log1p(1)]
    assert pool[2]["bm25_lrank"] == -math.log1p(3)
    assert [round(f["dense_gap"], 6) for f in pool] == [0.0, -0.2, -0.1]
