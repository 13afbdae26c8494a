"""Hybrid retrieval: dense and keyword candidates, both scores computed exactly for all.

Rank fusion throws the scores away; a blend of the two scores needs both for every
candidate. So the union of the dense and keyword top-k gets its exact cosine (from the
replica's stored vectors) and its exact BM25 (one FTS5 query restricted to those rows),
plus sentence-level evidence, and one linear model ranks them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from index.catalog import Snapshot
from index.chunking import Passage
from index.filters import Filters
from index.keyword import sentence_terms
from index.live import LiveIndex
from index.vectors import PassageVectors, Vectors
from qa.cues import bigram_match, type_match
from qa.models import Features, Models
from qa.query import Query


@dataclass(frozen=True, slots=True)
class RetrievalSettings:
    """How many candidates each search returns before they are ranked together."""

    dense_k: int = 30
    keyword_k: int = 30


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked passage with the evidence that ranked it."""

    passage: Passage
    vectors: PassageVectors
    features: Features
    score: float
    article_date: dt.date | None


@dataclass(frozen=True, slots=True)
class Evidence:
    """What scoring a text against the question needs: term weights, IDF and the question vector."""

    weights: dict[str, float]
    idf: dict[str, float]
    vector: Vectors

    @property
    def total(self) -> float:
        """The weighted IDF mass of all question terms."""
        return sum(w * self.idf[t] for t, w in self.weights.items())

    def coverage(self, stems: set[str]) -> float:
        """The share of the question's weighted IDF mass found among ``stems``."""
        total = self.total
        if total <= 0:
            return 0.0
        return sum(w * self.idf[t] for t, w in self.weights.items() if t in stems) / total


def evidence(query: Query, vector: Vectors, snapshot: Snapshot) -> Evidence:
    """Term weights and IDF over the live passages."""
    weights = query.weights()
    count = max(snapshot.passage_count(), 1)
    frequencies = snapshot.document_frequencies(list(weights))
    idf = {t: math.log(1.0 + (count - frequencies.get(t, 0) + 0.5) / (frequencies.get(t, 0) + 0.5)) for t in weights}
    return Evidence(weights, idf, vector)


class Retriever:
    """Finds and ranks passages for a query.

    Args:
        live: the index.
        models: the passage ranking model (and the others, unused here).
        settings: candidate depths.
    """

    def __init__(self, live: LiveIndex, models: Models, settings: RetrievalSettings | None = None) -> None:
        self._live = live
        self._models = models
        self._settings = settings or RetrievalSettings()

    def retrieve(
        self,
        query: Query,
        snapshot: Snapshot,
        filters: Filters | None = None,
        boost: tuple[dt.date, dt.date] | None = None,
    ) -> tuple[list[Hit], Evidence]:
        """Ranked passages, best first, and the evidence used to score them.

        Passages of articles dated within ``boost`` score higher; they are also searched for on
        their own, so that a boosted article is a candidate however many others outscore it.
        """
        vector = self._live.embedder().embed_query(query.search_text)
        found = evidence(query, vector, snapshot)
        dense = self._live.dense(vector, self._settings.dense_k, filters)
        keyword = snapshot.keyword_search(query.all_words, self._settings.keyword_k, filters)
        window = _within(filters, boost)
        if window is not None:
            dense += self._live.dense(vector, self._settings.dense_k, window)
            keyword += snapshot.keyword_search(query.all_words, self._settings.keyword_k, window)
        ids = list(dict.fromkeys([h.passage.id for h in dense] + [h.passage.id for h in keyword]))
        passages = snapshot.passages(ids)  # only versions live in this snapshot survive
        vectors = snapshot.vectors(list(passages))
        bm25 = {h.passage.id: h.score for h in keyword}
        unscored = [i for i in passages if i not in bm25]
        bm25.update(snapshot.keyword_scores(query.all_words, unscored))
        dates = snapshot.article_dates([p.article_id for p in passages.values()])
        top_bm25 = max(bm25.values(), default=0.0)
        pool = {
            passage_id: _passage_features(
                passage,
                vectors[passage_id],
                found,
                bm25.get(passage_id, 0.0),
                top_bm25,
                dates.get(passage.article_id),
                boost,
            )
            for passage_id, passage in passages.items()
        }
        _add_rank_features(pool)
        hits = []
        for passage_id, features in pool.items():
            passage = passages[passage_id]
            features.update(_cue_features(passage, vectors[passage_id], query))
            hits.append(
                Hit(
                    passage,
                    vectors[passage_id],
                    features,
                    self._models.passage.score(features),
                    dates.get(passage.article_id),
                )
            )
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits, found


def _add_rank_features(pool: dict[str, Features]) -> None:
    """Each candidate's place among the others by dense and by keyword score, and its gap to the best.

    Ranks mean the same in any collection, where raw scores shift with the domain and its size:
    the rank-fusion peers rely on exactly this.
    """
    if not pool:
        return
    top_dense = max(f["dense"] for f in pool.values())
    for name, key in (("dense_lrank", "dense"), ("bm25_lrank", "bm25")):
        order = sorted(pool, key=lambda i: pool[i][key], reverse=True)
        for rank, passage_id in enumerate(order):
            unscored = key == "bm25" and pool[passage_id][key] <= 0.0
            pool[passage_id][name] = -math.log1p(len(order) if unscored else rank)
    for features in pool.values():
        features["dense_gap"] = features["dense"] - top_dense


def _within(filters: Filters | None, boost: tuple[dt.date, dt.date] | None) -> Filters | None:
    """The filters narrowed to the boosted dates (None: nothing boosted, or no day left)."""
    if boost is None:
        return None
    base = filters or Filters()
    since = max(boost[0], base.since) if base.since else boost[0]
    until = min(boost[1], base.until) if base.until else boost[1]
    return replace(base, since=since, until=until) if since <= until else None


def _cue_features(passage: Passage, vectors: PassageVectors, query: Query) -> Features:
    asked = set(query.weights())
    texts = [passage.text[s:e] for s, e in vectors.spans] or [passage.text]
    return {
        "sent_type_match": max(type_match(t, query.answer_type, asked) for t in texts),
        "sent_bigram": max(bigram_match(query.stems, sentence_terms(t)) for t in texts),
    }


def sentence_stems(text: str, spans: Sequence[tuple[int, int]]) -> list[set[str]]:
    """The stem set of each sentence of a passage."""
    return [set(sentence_terms(text[s:e])) for s, e in spans]


def _passage_features(
    passage: Passage,
    vectors: PassageVectors,
    found: Evidence,
    bm25: float,
    top_bm25: float,
    date: dt.date | None,
    boost: tuple[dt.date, dt.date] | None,
) -> Features:
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
