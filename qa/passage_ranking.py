"""Stage 3, passage ranking: every passage feature, and the fitted model that orders the candidates.

Features of a candidate: its cosine with the question and its BM25 (relative to the best
candidate, and normalised by the question's IDF mass), its place among the candidates by each
(ranks mean the same in any collection, where raw scores shift with the domain and its size),
the IDF-weighted coverage of the question's terms in it and in its best sentence, its best
sentence's cosine (in-context sentence vectors from index time), answer-type cue and bigram
match, and whether its article falls in a boosted date range.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.chunking import Passage
from index.keyword import sentence_terms
from index.vectors import PassageVectors
from qa.candidates import Candidate, Candidates, Evidence
from qa.cues import bigram_match, type_match
from qa.models import Features, Linear
from qa.query import Query


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked passage with the evidence that ranked it."""

    passage: Passage
    vectors: PassageVectors
    features: Features
    score: float
    article_date: dt.date | None


def rank_passages(candidates: Candidates, query: Query, model: Linear) -> list[Hit]:
    """The candidates scored by ``model``, best first."""
    items = candidates.items
    top_bm25 = max((c.bm25 for c in items), default=0.0)
    pool = [passage_features(c, candidates.evidence, top_bm25, candidates.boost) for c in items]
    add_rank_features(pool)
    hits = []
    for candidate, features in zip(items, pool, strict=True):
        features.update(cue_features(candidate.passage, candidate.vectors, query))
        hits.append(Hit(candidate.passage, candidate.vectors, features, model.score(features), candidate.date))
    hits.sort(key=lambda h: h.score, reverse=True)
    return hits


def passage_features(
    candidate: Candidate, found: Evidence, top_bm25: float, boost: tuple[dt.date, dt.date] | None
) -> Features:
    """A candidate's own scores against the question."""
    passage, vectors, bm25, date = candidate.passage, candidate.vectors, candidate.bm25, candidate.date
    sentence_sims = vectors.sentences @ found.vector if len(vectors.spans) else np.zeros(1)
    stems = sentence_stems(passage.text, vectors.spans) or [set()]
    idf_total = sum(found.idf[t] * w for t, w in found.weights.items()) or 1.0
    return {
        "dense": float(vectors.passage @ found.vector),
        "bm25": bm25 / top_bm25 if top_bm25 > 0 else 0.0,
        "bm25_norm": bm25 / idf_total,
        "coverage": found.coverage(set().union(*stems)),
        "sent_coverage": max(found.coverage(s) for s in stems),
        "sent_dense": float(np.max(sentence_sims)),
        "date_match": 1.0 if boost and date and boost[0] <= date <= boost[1] else 0.0,
    }


def add_rank_features(pool: Sequence[Features]) -> None:
    """Each candidate's place among the others by dense and by keyword score, and its gap to the best.

    A candidate no keyword matches ranks last by keyword.
    """
    if not pool:
        return
    top_dense = max(f["dense"] for f in pool)
    for name, key in (("dense_lrank", "dense"), ("bm25_lrank", "bm25")):
        order = sorted(range(len(pool)), key=lambda i: pool[i][key], reverse=True)
        for rank, index in enumerate(order):
            unscored = key == "bm25" and pool[index][key] <= 0.0
            pool[index][name] = -math.log1p(len(order) if unscored else rank)
    for features in pool:
        features["dense_gap"] = features["dense"] - top_dense


def cue_features(passage: Passage, vectors: PassageVectors, query: Query) -> Features:
    """The best sentence's answer-type cue and bigram match."""
    asked = set(query.weights())
    texts = [passage.text[s:e] for s, e in vectors.spans] or [passage.text]
    return {
        "sent_type_match": max(type_match(t, query.answer_type, asked) for t in texts),
        "sent_bigram": max(bigram_match(query.stems, sentence_terms(t)) for t in texts),
    }


def sentence_stems(text: str, spans: Sequence[tuple[int, int]]) -> list[set[str]]:
    """The stem set of each sentence of a passage."""
    return [set(sentence_terms(text[s:e])) for s, e in spans]
