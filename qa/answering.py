"""``Answerer.ask``: a question in, verbatim cited excerpts (or an honest refusal) out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from index.catalog import Snapshot
from index.filters import Filters
from index.live import LiveIndex
from qa.dates import DateIntent, as_of_date, day_name, describe, find_dates
from qa.extraction import Sentence, SpanFinder, choose_excerpts, rank_sentences, repeats
from qa.models import Features, Linear, Models, load_models
from qa.query import Query, Turn, build_query
from qa.reader import Reader, Reading
from qa.retrieval import Hit, RetrievalSettings, Retriever

REFUSAL = "The indexed articles don't answer this."


@dataclass(frozen=True, slots=True)
class AnswerSettings:
    """Knobs of the answerer.

    Attributes:
        threshold: the least confidence at which an answer is given rather than refused
            (None: the threshold fitted with the weights).
        top_k: how many top-ranked passages an answer may quote from.
        max_excerpts: most excerpts in one answer.
        closest: how many closest matches a refusal offers.
        relative_dates: what a relative phrase in the question ("this week", "recently") does:
            "filter" searches only the articles of that window; "boost" ranks them first but
            lets a strong answer from outside through (and the answer says so). Ranges the
            question names outright ("since November 12") always filter.
    """

    threshold: float | None = None
    top_k: int = 5
    max_excerpts: int = 3
    closest: int = 3
    relative_dates: Literal["filter", "boost"] = "filter"


@dataclass(frozen=True, slots=True)
class Citation:
    """Where an excerpt comes from: ``article.text[start:end] == excerpt``, always."""

    n: int
    article_id: str
    title: str
    date: dt.date | None
    source: str | None
    url: str | None
    passage_id: str
    start: int
    end: int
    excerpt: str
    highlight: tuple[int, int] | None = None

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        return {
            "n": self.n,
            "article_id": self.article_id,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source,
            "url": self.url,
            "passage_id": self.passage_id,
            "start": self.start,
            "end": self.end,
            "excerpt": self.excerpt,
            "highlight": {"start": self.highlight[0], "end": self.highlight[1]} if self.highlight else None,
        }


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer (excerpts with ``[n]`` markers) or a refusal (with closest matches)."""

    question: str
    answered: bool
    text: str
    confidence: float
    citations: tuple[Citation, ...] = ()  # what the answer quotes; always empty on a refusal
    features: Features | None = None  # of the first excerpt, for evaluation and calibration
    closest: tuple[Citation, ...] = ()  # a refusal's closest passages, which do not answer it

    def as_json(self) -> dict[str, Any]:
        """Exactly the keys of ``verbatim ask --json`` and ``POST /api/ask``.

        ``citations`` is what an answer quotes (empty on a refusal); ``closest`` is what a refusal
        offers instead, labelled as not answering (empty on an answer).
        """
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.text,
            "confidence": round(self.confidence, 4),
            "citations": [c.as_json() for c in self.citations],
            "closest": [c.as_json() for c in self.closest],
        }


@dataclass(frozen=True, slots=True)
class Result:
    """An answer with the ranking behind it."""

    answer: Answer
    hits: tuple[Hit, ...]
    ranked: tuple[Sentence, ...]  # the reader's order when it read them (its choice first)
    reading: Reading | None = None


class Answerer:
    """Answers questions from a live index.

    Args:
        live: the index (kept up to date by whoever writes it).
        settings: threshold and sizes.
        models: ranking and confidence weights (default: the shipped ones).
        reader: the trained reader (default: the shipped one); without it, the rankers
            choose the sentence and spaCy's NER marks the short answer.
    """

    def __init__(
        self,
        live: LiveIndex,
        settings: AnswerSettings | None = None,
        models: Models | None = None,
        reader: Reader | None = None,
    ) -> None:
        self.live = live
        self.settings = settings or AnswerSettings()
        self.models = models or load_models()
        self.reader = reader if reader is not None else Reader()
        self.retriever = Retriever(live, self.models, RetrievalSettings())
        self.spans = SpanFinder()

    @property
    def threshold(self) -> float:
        """The least confidence that answers: the user's, else the one fitted with the rankers' confidence."""
        return self.settings.threshold if self.settings.threshold is not None else self.models.threshold

    def warm_up(self) -> None:
        """Load the models now, so the first question is as fast as the rest."""
        self.live.embedder().embed_query("warm up")
        if not self.reader.available():
            self.spans.warm_up()

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        top_k: int | None = None,
        as_of: dt.date | None = None,
    ) -> Answer:
        """Answer ``question``; raises ``QuestionError`` or ``EmptyIndexError`` with a message to show.

        ``as_of`` is the day the question is asked, which relative phrases ("this week") count
        back from (default: today, or the newest article's date if that is older).
        """
        return self.run(question, history, filters, top_k, as_of).answer

    def run(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        top_k: int | None = None,
        as_of: dt.date | None = None,
    ) -> Result:
        """``ask``, keeping the ranked passages and sentences (for evaluation and fitting)."""
        query = build_query(question, history)
        with self.live.reading() as snapshot:
            intent = find_dates(query.question, as_of_date(as_of, snapshot.newest_date()))
            filters, note, boost = _apply_intent(filters or Filters(), intent, self.settings.relative_dates)
            hits, found = self.retriever.retrieve(query, snapshot, filters, boost)
            ranked = rank_sentences(hits, found, self.models, query, top_k or self.settings.top_k)
            reading = self._read(query, ranked)
            config = self.reader.config if reading is not None else None
            if reading is not None and config is not None:
                confidence = self.models.confidence.probability(confidence_features(ranked))
                ranked = reorder(ranked, reading, config.combine)
            else:
                confidence = None
            answer = _say_outside(self._compose(query, ranked, snapshot, note, confidence), note, intent, boost)
        return Result(answer, tuple(hits), tuple(ranked), reading)

    def _read(self, query: Query, ranked: list[Sentence]) -> Reading | None:
        if not ranked or not self.reader.available():
            return None
        config = self.reader.config
        assert config is not None
        candidates = ranked[: config.settings.candidates]
        return self.reader.read(
            query.reading_text, [s.text for s in candidates], [(s.rank, s.index) for s in candidates]
        )

    def _compose(
        self, query: Query, ranked: list[Sentence], snapshot: Snapshot, note: str, confidence: float | None
    ) -> Answer:
        """``confidence``: the rankers' confidence when the reader reordered ``ranked`` (None: compute it here)."""
        if not ranked:
            return Answer(query.question, False, _join(note, REFUSAL), 0.0)
        features = ranked[0].features
        if confidence is None:
            features = confidence_features(ranked)
            confidence = self.models.confidence.probability(features)
        if confidence < self.threshold:
            closest = _closest(ranked, self.settings.closest)
            nearest = _citations(closest, snapshot, None)
            text = _join(note, _refusal(nearest))
            return Answer(query.question, False, text, confidence, features=features, closest=nearest)
        if "r_score" in ranked[0].features:
            excerpts = choose_read_excerpts(ranked, self.models, self.settings.max_excerpts)
            span = _span(ranked[0])
        else:
            excerpts = choose_excerpts(ranked, self.models, self.settings.max_excerpts)
            span = self.spans.find(excerpts[0].text, query)
        citations = _citations(excerpts, snapshot, span)
        if not citations:
            return Answer(query.question, False, _join(note, REFUSAL), confidence, (), features)
        body = "\n\n".join(f"{quoted(c.excerpt)} [{c.n}]" for c in citations)
        return Answer(query.question, True, _join(note, body), confidence, citations, features)


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
    read = [replace(ranked[i], features=reader_features(reading, i, ranked[i])) for i, score in
            enumerate(reading.scores) if score is not None]  # fmt: skip
    for sentence in read:
        sentence.features["r_combined"] = combine.score(sentence.features) if combine else sentence.features["r_score"]
    read.sort(key=lambda s: s.features["r_combined"], reverse=True)
    done = {(s.hit.passage.id, s.index) for s in read}
    return read + [s for s in ranked if (s.hit.passage.id, s.index) not in done]


def choose_read_excerpts(ranked: Sequence[Sentence], models: Models, limit: int) -> list[Sentence]:
    """The sentence read as the answer, then the rankers' further excerpts from other articles."""
    best = ranked[0]
    chosen = [best]
    by_rankers = sorted(ranked[1:], key=lambda s: s.score, reverse=True)
    for sentence in choose_excerpts([best, *by_rankers], models, limit)[1:]:
        if sentence.hit.passage.article_id != best.hit.passage.article_id and not repeats(sentence, chosen):
            chosen.append(sentence)
    return chosen[:limit]


def _span(sentence: Sentence) -> tuple[int, int] | None:
    """The reader's short answer in the sentence, trimmed of surrounding blanks and punctuation."""
    start, end = int(sentence.features.get("r_span_start", 0)), int(sentence.features.get("r_span_end", 0))
    text = sentence.text
    while start < end and (text[start].isspace() or text[start] in ",;:"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:."):
        end -= 1
    return (start, end) if end > start else None


def confidence_features(ranked: Sequence[Sentence]) -> Features:
    """What the confidence model sees: the best sentence's evidence and its lead over the next."""
    best = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else best.score - 5.0
    return {**best.features, "margin": best.score - runner_up, "s_score": best.score}


def _apply_intent(
    filters: Filters, intent: DateIntent | None, relative_dates: Literal["filter", "boost"] = "filter"
) -> tuple[Filters, str, tuple[dt.date, dt.date] | None]:
    """The filters, the note that opens the answer, and the date range to boost."""
    if intent is None:
        return filters, "", None
    if not intent.narrow:
        return filters, "", (intent.since, intent.until)
    if filters.since or filters.until:
        return filters, "", None  # dates chosen outright win over the question's words
    why = f"“{intent.phrase}”" + (f", counted from {day_name(intent.counted_from)}" if intent.counted_from else "")
    if intent.relative and relative_dates == "boost":
        return filters, f"Preferred articles dated {describe(intent)} ({why}).", (intent.since, intent.until)
    narrowed = replace(filters, since=None if intent.since == dt.date.min else intent.since, until=intent.until)
    return narrowed, f"Searched only articles dated {describe(intent)} ({why}).", None


def _say_outside(answer: Answer, note: str, intent: DateIntent | None, boost: tuple[dt.date, dt.date] | None) -> Answer:
    """A boosted relative window let excerpts from outside it through: say which, plainly."""
    if not (answer.answered and intent and intent.narrow and boost):
        return answer
    outside = [c for c in answer.citations if c.date is None or not boost[0] <= c.date <= boost[1]]
    if not outside:
        return answer
    markers = " and ".join(", ".join(f"[{c.n}]" for c in outside).rsplit(", ", 1))
    dates = "; ".join(day_name(c.date) if c.date else "undated" for c in outside)
    many = len(outside) > 1
    said = f"Excerpt{'s' * many} {markers} come{'s' * (not many)} from outside those dates ({dates})."
    text = (
        f"{note} {said}{answer.text[len(note) :]}"
        if note and answer.text.startswith(note)
        else f"{said}\n\n{answer.text}"
    )
    return replace(answer, text=text)


def _closest(ranked: Sequence[Sentence], count: int) -> list[Sentence]:
    """The best sentence of each of the top passages."""
    chosen: list[Sentence] = []
    for sentence in ranked:
        if all(s.hit.passage.id != sentence.hit.passage.id for s in chosen):
            chosen.append(sentence)
        if len(chosen) == count:
            break
    return chosen


def _citations(sentences: Sequence[Sentence], snapshot: Snapshot, span: tuple[int, int] | None) -> tuple[Citation, ...]:
    citations: list[Citation] = []
    for sentence in sentences:
        record = snapshot.article(sentence.hit.passage.article_id)
        if record is None or record.article.text[sentence.start : sentence.end] != sentence.text:
            continue  # never cite what is not, character for character, in the article
        article = record.article
        highlight = None
        if span is not None and not citations:
            highlight = (sentence.start + span[0], sentence.start + span[1])
        citations.append(
            Citation(
                len(citations) + 1, article.id, article.title, article.date, article.source, article.url,
                sentence.hit.passage.id, sentence.start, sentence.end, sentence.text, highlight,
            )
        )  # fmt: skip
    return tuple(citations)


def _refusal(closest: Sequence[Citation]) -> str:
    if not closest:
        return REFUSAL
    lines = [f"[{c.n}] {quoted(c.excerpt)} ({c.title})" for c in closest]
    return REFUSAL + "\n\nClosest matches, which do not answer it:\n" + "\n".join(lines)


def quote_marks(excerpt: str) -> tuple[str, str]:
    """The marks to put around an excerpt: none where its own text already has one (no ``force.””``)."""
    opening = "" if excerpt.startswith(("“", '"')) else "“"
    closing = "" if excerpt.endswith(("”", '"')) else "”"
    return opening, closing


def quoted(excerpt: str) -> str:
    """The excerpt in quotation marks, never doubled."""
    opening, closing = quote_marks(excerpt)
    return f"{opening}{excerpt}{closing}"


def _join(note: str, body: str) -> str:
    return f"{note}\n\n{body}" if note else body
