"""Stage 6, decision: answer or refuse, on a calibrated probability that the first excerpt holds the answer.

With the trained reader, the confidence is the reader's (``qa/reader/reader.json``, fitted by
``verbatim train reader`` on held-out training articles): a logistic model of the chosen
sentence's reading (span and no-answer scores, their margin, its lead over the other read
sentences) and its retrieval evidence. Without it, the rankers' (``qa/weights.json``, fitted by
``verbatim eval fit``) on the best sentence's features and its lead over the next. Below the
threshold the answer is a refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qa.models import Confidence, Features, Models
from qa.sentence_ranking import Sentence


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether to answer, with what confidence, from which features."""

    answered: bool
    confidence: float
    features: Features


def confidence_features(ranked: Sequence[Sentence]) -> Features:
    """What the confidence model sees: the best sentence's evidence and its lead over the next."""
    best = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else best.score - 5.0
    return {**best.features, "margin": best.score - runner_up, "s_score": best.score}


def decide(ranked: Sequence[Sentence], models: Models, threshold: float) -> Decision:
    """The decision on sentences in the rankers' order (before any reader reorders them)."""
    features = confidence_features(ranked)
    confidence = models.confidence.probability(features)
    return Decision(confidence >= threshold, confidence, features)


def decide_read(read: Sequence[Sentence], confidence: Confidence, threshold: float) -> Decision:
    """The decision on the reader's order (its pick first, with its reading in the features)."""
    features = read[0].features
    probability = confidence.probability(features)
    return Decision(probability >= threshold, probability, features)
