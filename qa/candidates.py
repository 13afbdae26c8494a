"""Stage 2, candidates: the passages worth ranking, found by dense and keyword search.

Rank fusion throws the scores away; a blend of the two scores needs both for every
candidate. So the union of the dense and keyword top k is gathered here with everything
ranking needs: each passage's stored vectors (its exact cosine follows), its exact BM25 (FTS5's
formula on those rows' terms), its article's date, and the question's term weights
and IDF over the live passages (``Evidence``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

from index.chunking import Passage
from index.filters import Filters
from index.keyword import LEMMAS, fts_terms, stem
from index.live import LiveIndex
from index.snapshot import Snapshot
from index.vectors import PassageVectors, Vectors
from qa.query import Query


@dataclass(frozen=True, slots=True)
class RetrievalSettings:
    """How many candidates each search returns before they are ranked together."""

    dense_k: int = 30
    keyword_k: int = 30
    # Words held by more than this many passages are not searched for (they are still scored): it
    # bounds the keyword search's work in a big archive (at a million passages, 2 % of them) and
    # changes nothing in one of under 20,000.
    common: int | None = 20_000


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


@dataclass(frozen=True, slots=True)
class Candidate:
    """A passage live in the snapshot, with its stored vectors, BM25 (0: no word matches) and article date."""

    passage: Passage
    vectors: PassageVectors
    bm25: float
    date: dt.date | None


@dataclass(frozen=True, slots=True)
class Candidates:
    """Every candidate of one question, the evidence to score them with, and the boosted dates."""

    items: tuple[Candidate, ...]
    evidence: Evidence
    boost: tuple[dt.date, dt.date] | None


def evidence(query: Query, vector: Vectors, snapshot: Snapshot) -> Evidence:
    """Term weights and IDF over the live passages."""
    weights = query.weights()
    count = max(snapshot.passage_count(), 1)
    # each stem's count is that of the term FTS5 stores for its word: SQLite's Porter is the
    # revised one, so "technology" is stored as "technolog" where PyStemmer's gives "technologi"
    stored = {stem(w): _stored_term(w) for w in (*query.context_words, *query.words)}
    frequencies = snapshot.document_frequencies(list(set(stored.values())))
    held = {t: frequencies.get(stored.get(t, t), 0) for t in weights}
    idf = {t: math.log(1.0 + (count - held[t] + 0.5) / (held[t] + 0.5)) for t in weights}
    return Evidence(weights, idf, vector)


def find_candidates(
    live: LiveIndex,
    query: Query,
    snapshot: Snapshot,
    filters: Filters | None = None,
    boost: tuple[dt.date, dt.date] | None = None,
    settings: RetrievalSettings | None = None,
) -> Candidates:
    """The union of the dense and keyword top k (both within ``filters``).

    Passages of articles dated within ``boost`` are also searched for on their own, so that a
    boosted article is a candidate however many others outscore it.
    """
    settings = settings or RetrievalSettings()
    vector = live.embedder().embed_query(query.search_text)
    found = evidence(query, vector, snapshot)
    dense = live.dense(vector, settings.dense_k, filters)
    keyword = snapshot.keyword_search(query.all_words, settings.keyword_k, filters, settings.common)
    window = _within(filters, boost)
    if window is not None:
        dense += live.dense(vector, settings.dense_k, window)
        keyword += snapshot.keyword_search(query.all_words, settings.keyword_k, window, settings.common)
    ids = list(dict.fromkeys([h.passage.id for h in dense] + [h.passage.id for h in keyword]))
    passages = snapshot.passages(ids)  # only versions live in this snapshot survive
    vectors = snapshot.vectors(list(passages))
    bm25 = {h.passage.id: h.score for h in keyword}
    unscored = [i for i in passages if i not in bm25]
    bm25.update(snapshot.keyword_scores(query.all_words, unscored))
    dates = snapshot.article_dates([p.article_id for p in passages.values()])
    items = tuple(
        Candidate(passage, vectors[passage_id], bm25.get(passage_id, 0.0), dates.get(passage.article_id))
        for passage_id, passage in passages.items()
    )
    return Candidates(items, found, boost)


def _stored_term(word: str) -> str:
    """The FTS5 term of a word's lemma ("met": "meet"), the word itself if FTS5 splits it."""
    terms = fts_terms(LEMMAS.get(word, word))
    return terms[0] if len(terms) == 1 else word


def _within(filters: Filters | None, boost: tuple[dt.date, dt.date] | None) -> Filters | None:
    """The filters narrowed to the boosted dates (None: nothing boosted, or no day left)."""
    if boost is None:
        return None
    base = filters or Filters()
    since = max(boost[0], base.since) if base.since else boost[0]
    until = min(boost[1], base.until) if base.until else boost[1]
    return replace(base, since=since, until=until) if since <= until else None
