"""Evaluation measures: SQuAD's answer normalisation, EM and F1, MRR, AUROC, percentiles."""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD's official normalisation: lower case, no punctuation, no articles, single spaces."""
    text = text.lower()
    text = "".join(c for c in text if c not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 if the normalised prediction equals any normalised gold answer."""
    return max((float(normalize_answer(prediction) == normalize_answer(g)) for g in golds), default=0.0)


def f1(prediction: str, golds: Sequence[str]) -> float:
    """The best token-overlap F1 against the gold answers (SQuAD's definition)."""
    return max((_f1(prediction, g) for g in golds), default=0.0)


def _f1(prediction: str, gold: str) -> float:
    predicted = normalize_answer(prediction).split()
    truth = normalize_answer(gold).split()
    common = Counter(predicted) & Counter(truth)
    same = sum(common.values())
    if not predicted or not truth:
        return float(predicted == truth)
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(truth)
    return 2 * precision * recall / (precision + recall)


def contains_answer(text: str, golds: Sequence[str]) -> bool:
    """True if ``text`` holds any gold answer string, ignoring case, after NFC normalisation.

    The open-domain rule (DPR's "answer in top k"): a text counts wherever it stands, in any
    article, as long as the answer's characters are in it. Empty gold strings never match.
    """
    haystack = _open_form(text)
    return any(needle and needle in haystack for needle in (_open_form(g).strip() for g in golds))


def _open_form(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def reciprocal_rank(ranks: Sequence[int | None], cutoff: int = 10) -> float:
    """Mean of 1/rank (1-based) of the first relevant result, 0 beyond ``cutoff`` or if absent."""
    if not ranks:
        return 0.0
    return sum(1.0 / r for r in ranks if r is not None and r <= cutoff) / len(ranks)


def hit_rate(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions with a relevant result within the first ``k``."""
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Area under the ROC curve: the chance a positive outscores a negative (ties count half)."""
    positives = [s for s, y in zip(scores, labels, strict=True) if y]
    negatives = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not positives or not negatives:
        return None
    ordered = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives])
    rank_sum = 0.0
    index = 0
    while index < len(ordered):
        end = index
        while end + 1 < len(ordered) and ordered[end + 1][0] == ordered[index][0]:
            end += 1
        average_rank = (index + end) / 2 + 1
        rank_sum += average_rank * sum(label for _, label in ordered[index : end + 1])
        index = end + 1
    count = len(positives)
    return (rank_sum - count * (count + 1) / 2) / (count * len(negatives))


def reliability(scores: Sequence[float], labels: Sequence[bool], bins: int = 10) -> list[tuple[float, float, int]]:
    """Equal-width confidence bins: (mean confidence, share right, count) for each non-empty bin."""
    grouped: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for score, label in zip(scores, labels, strict=True):
        grouped[min(bins - 1, max(0, int(score * bins)))].append((score, label))
    return [
        (sum(s for s, _ in group) / len(group), sum(y for _, y in group) / len(group), len(group))
        for group in grouped
        if group
    ]


def expected_calibration_error(scores: Sequence[float], labels: Sequence[bool], bins: int = 10) -> float | None:
    """How far the stated confidence is from the share right, averaged over ten equal-width bins by count."""
    if not scores:
        return None
    return sum(n * abs(mean - right) for mean, right, n in reliability(scores, labels, bins)) / len(scores)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
