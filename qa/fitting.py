"""Fitting the answerer's linear models on questions with gold spans (SQuAD).

Rankers are conditional logits: per question, a softmax over its candidates, maximising the
probability of the candidates that contain a gold span. The confidence is a plain logistic
regression of "the first excerpt contains a gold span". Both are fitted by Newton steps with
a backtracking line search (every step must lower the penalised loss; several features are
nearly collinear, and a bare Newton step can overshoot). Features are standardised first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from qa.models import Features, Linear

Matrix = npt.NDArray[np.float64]

PASSAGE_FEATURES = (
    "dense", "bm25", "bm25_norm", "coverage", "sent_coverage", "sent_dense", "sent_type_match", "sent_bigram",
    "dense_lrank", "bm25_lrank", "dense_gap", "date_match",
)  # fmt: skip
SENTENCE_FEATURES = (
    "s_coverage", "s_dense", "p_score", "p_rank", "context_coverage", "s_words",
    "p_dense", "p_bm25", "p_coverage", "p_sent_coverage", "type_match", "s_bigram", "p_sent_type_match",
)  # fmt: skip
CONFIDENCE_FEATURES = (
    "s_coverage", "s_dense", "s_score", "margin", "p_dense", "p_bm25_norm", "p_coverage", "context_coverage",
    "type_match", "s_bigram",
)  # fmt: skip
DATE_MATCH_WEIGHT = 0.5  # where the questions fitted on carry no dates (SQuAD alone): a modest, fixed boost


@dataclass(frozen=True, slots=True)
class Group:
    """One question's candidates and which of them contain a gold span."""

    features: Sequence[Features]
    labels: Sequence[bool]


def _matrix(rows: Sequence[Features], names: Sequence[str]) -> Matrix:
    return np.array([[row.get(n, 0.0) for n in names] for row in rows], dtype=np.float64)


def _standardise(matrix: Matrix) -> tuple[Matrix, Matrix]:
    means = matrix.mean(axis=0)
    scales = matrix.std(axis=0)
    scales[scales < 1e-9] = 1.0
    return means, scales


def fit_ranker(groups: Sequence[Group], names: Sequence[str], l2: float = 1.0, steps: int = 50) -> Linear:
    """A conditional logit over each group's candidates."""
    usable = [g for g in groups if any(g.labels) and len(g.labels) > 1]
    if not usable:
        raise ValueError("no question has both a right and a wrong candidate to learn from")
    everything = _matrix([f for g in usable for f in g.features], names)
    means, scales = _standardise(everything)
    blocks = [((_matrix(g.features, names) - means) / scales, np.array(g.labels, dtype=np.float64)) for g in usable]

    def loss(weights: Matrix) -> float:
        total = 0.5 * l2 * float(weights @ weights)
        for x, y in blocks:
            scores = x @ weights
            top = scores.max()
            log_all = top + np.log(np.exp(scores - top).sum())
            log_right = top + np.log(np.exp(scores[y > 0] - top).sum())
            total += float(log_all - log_right)
        return total

    def derivatives(weights: Matrix) -> tuple[Matrix, Matrix]:
        gradient = l2 * weights
        hessian = l2 * np.eye(len(names))
        for x, y in blocks:
            scores = x @ weights
            p = np.exp(scores - scores.max())
            p /= p.sum()
            q = y * p / (y * p).sum()  # the posterior over the right candidates
            gradient = gradient + x.T @ (p - q)
            xp = x.T @ p
            # Only the positive-definite part of the Hessian: with several right candidates the
            # loss is not convex, and this keeps every step a descent direction.
            hessian = hessian + x.T @ (p[:, None] * x) - np.outer(xp, xp)
        return gradient, hessian

    weights = _newton(np.zeros(len(names)), loss, derivatives, steps)
    return _linear(names, weights, 0.0, means, scales)


def fit_logistic(
    rows: Sequence[Features],
    labels: Sequence[bool],
    names: Sequence[str],
    l2: float = 1.0,
    steps: int = 50,
    weights: Sequence[float] | None = None,
) -> Linear:
    """A logistic regression (with intercept) of ``labels`` on ``rows``; ``weights``: each row's
    weight in the loss (how much of the population it stands for), 1 each by default."""
    matrix = _matrix(rows, names)
    means, scales = _standardise(matrix)
    x = np.hstack([(matrix - means) / scales, np.ones((len(rows), 1))])
    y = np.array(labels, dtype=np.float64)
    w = np.ones(len(rows)) if weights is None else np.array(weights, dtype=np.float64)
    if w.shape != y.shape or (w < 0).any():
        raise ValueError("one non-negative weight per row is needed")
    penalty = l2 * np.eye(x.shape[1])
    penalty[-1, -1] = 0.0  # the intercept is not shrunk

    def loss(theta: Matrix) -> float:
        scores = x @ theta
        return float(np.sum(w * (np.logaddexp(0.0, scores) - y * scores)) + 0.5 * theta @ penalty @ theta)

    def derivatives(theta: Matrix) -> tuple[Matrix, Matrix]:
        p = 1.0 / (1.0 + np.exp(-(x @ theta)))
        gradient = x.T @ (w * (p - y)) + penalty @ theta
        hessian = x.T @ ((w * p * (1 - p))[:, None] * x) + penalty + 1e-9 * np.eye(x.shape[1])
        return gradient, hessian

    theta = _newton(np.zeros(x.shape[1]), loss, derivatives, steps)
    return _linear(names, theta[:-1], float(theta[-1]), means, scales)


def _newton(
    weights: Matrix,
    loss: Callable[[Matrix], float],
    derivatives: Callable[[Matrix], tuple[Matrix, Matrix]],
    steps: int,
) -> Matrix:
    """Newton's method with a backtracking line search: every accepted step lowers the loss."""
    current = loss(weights)
    for _ in range(steps):
        gradient, hessian = derivatives(weights)
        direction = np.linalg.solve(hessian + 1e-9 * np.eye(len(weights)), gradient)
        size = 1.0
        while size > 1e-6:
            trial = weights - size * direction
            value = loss(trial)
            if value <= current - 1e-4 * size * float(gradient @ direction):
                break
            size /= 2
        else:
            return weights  # no step lowers the loss: converged
        weights, previous, current = trial, current, value
        if previous - current < 1e-9 * max(1.0, abs(current)):
            break
    return weights


def _linear(names: Sequence[str], weights: Matrix, bias: float, means: Matrix, scales: Matrix) -> Linear:
    return Linear(
        weights={n: round(float(w), 6) for n, w in zip(names, weights, strict=True)},
        bias=round(bias, 6),
        means={n: round(float(m), 6) for n, m in zip(names, means, strict=True)},
        scales={n: round(float(s), 6) for n, s in zip(names, scales, strict=True)},
    )


def with_date_boost(model: Linear) -> Linear:
    """The fixed date-match boost (in standardised units, as the other weights are), unless the
    training questions had dated candidates to learn its weight from (news questions do)."""
    if model.means.get("date_match", 0.0) > 0.0:
        return model
    return Linear({**model.weights, "date_match": DATE_MATCH_WEIGHT}, model.bias, model.means, model.scales)


def choose_threshold(confidences: Sequence[float], answerable: Sequence[bool], answer_rate: float) -> float:
    """The largest threshold that still answers ``answer_rate`` of the answerable questions."""
    values = sorted(c for c, a in zip(confidences, answerable, strict=True) if a)
    if not values:
        return 0.5
    index = int(round((1.0 - answer_rate) * len(values)))
    return round(max(0.01, values[min(index, len(values) - 1)] - 1e-6), 4)
