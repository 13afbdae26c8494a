"""Stage 4, sentence ranking: every sentence of the top passages, scored by the fitted sentence model.

A sentence's features: its coverage of the question's terms and its cosine (in-context sentence
vectors from index time), its neighbours' coverage, its length, its answer-type cue and bigram
match, and its passage's score, rank and features (``p_*``). Also here: which further sentences
an answer quotes beside the best one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.keyword import sentence_terms, terms
from qa.candidates import Evidence
from qa.cues import bigram_match, type_match
from qa.models import Features, Models
from qa.passage_ranking import Hit, sentence_stems
from qa.query import Query


@dataclass(frozen=True, slots=True)
class Sentence:
    """A candidate excerpt: one sentence of a ranked passage, in article offsets."""

    hit: Hit
    rank: int
    index: int
    start: int
    end: int
    text: str
    features: Features
    score: float


def rank_sentences(
    hits: Sequence[Hit], found: Evidence, models: Models, query: Query, passages: int = 5
) -> list[Sentence]:
    """Every sentence of the top passages, scored, best first."""
    ranked: list[Sentence] = []
    asked = set(query.weights())
    for rank, hit in enumerate(hits[:passages]):
        spans = hit.vectors.spans
        if not spans:
            continue
        stems = sentence_stems(hit.passage.text, spans)
        sims = hit.vectors.sentences @ found.vector
        for index, (start, end) in enumerate(spans):
            features = _sentence_features(hit, rank, index, stems, sims, found)
            text = hit.passage.text[start:end]
            features["type_match"] = type_match(text, query.answer_type, asked)
            features["s_bigram"] = bigram_match(query.stems, sentence_terms(text))
            ranked.append(
                Sentence(
                    hit, rank, index, hit.passage.start + start, hit.passage.start + end, text,
                    features, models.sentence.score(features),
                )
            )  # fmt: skip
    ranked.sort(key=lambda s: s.score, reverse=True)
    return _unique(ranked)


def _sentence_features(
    hit: Hit, rank: int, index: int, stems: list[set[str]], sims: np.ndarray[Any, Any], found: Evidence
) -> Features:
    own = found.coverage(stems[index])
    around = set().union(*stems[max(0, index - 1) : index + 2])
    return {
        "s_coverage": own,
        "s_dense": float(sims[index]),
        "p_score": hit.score,
        "p_first": 1.0 if rank == 0 else 0.0,
        "p_rank": 1.0 / (1 + rank),
        "context_coverage": found.coverage(around) - own,
        "s_words": math.log1p(len(stems[index])),
        **{f"p_{k}": v for k, v in hit.features.items()},
    }


def _unique(ranked: list[Sentence]) -> list[Sentence]:
    """One entry per article span (overlapping passages repeat sentences), and one per text: the
    same sentence in a syndicated copy is the same evidence, not a rival. Kept as a rival, a copy
    took the best sentence's lead, and with it the confidence (one wire story answered at 0.98
    alone, 0.54 beside two copies, and was refused beside thirteen)."""
    seen: set[tuple[str, int, int]] = set()
    said: set[str] = set()
    out = []
    for sentence in ranked:
        key = (sentence.hit.passage.article_id, sentence.start, sentence.end)
        text = " ".join(sentence.text.split())
        if key not in seen and text not in said:
            seen.add(key)
            said.add(text)
            out.append(sentence)
    return out


def choose_excerpts(ranked: Sequence[Sentence], models: Models, limit: int = 3) -> list[Sentence]:
    """The best sentence, then up to ``limit - 1`` more from other articles that say as much."""
    if not ranked:
        return []
    best = ranked[0]
    chosen = [best]
    best_probability = models.sentence.probability(best.features)
    for sentence in ranked[1:]:
        if len(chosen) >= limit:
            break
        if sentence.hit.passage.article_id in {c.hit.passage.article_id for c in chosen}:
            continue
        close = models.sentence.probability(sentence.features) >= 0.7 * best_probability
        if close and sentence.features["s_coverage"] >= 0.5 and not repeats(sentence, chosen):
            chosen.append(sentence)
    return chosen


def repeats(sentence: Sentence, chosen: Sequence[Sentence]) -> bool:
    """Whether the sentence says mostly what one already chosen says (word overlap over 0.7)."""
    mine = set(terms(sentence.text))
    for other in chosen:
        theirs = set(terms(other.text))
        if len(mine & theirs) / max(1, len(mine | theirs)) > 0.7:
            return True
    return False
