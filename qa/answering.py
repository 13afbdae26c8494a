"""``Answerer.ask``: a question in, verbatim cited excerpts (or an honest refusal) out.

The question's path, one stage per module, each taking and returning typed values:

1. ``qa.query``: the question's words, answer type and dates, a follow-up's subject (``Query``);
2. ``qa.candidates``: dense and keyword search, the union with its vectors and BM25 (``Candidates``);
3. ``qa.passage_ranking``: every passage feature and the fitted passage model (``Hit``);
4. ``qa.sentence_ranking``: every sentence feature and the fitted sentence model (``Sentence``);
5. ``qa.reading``: the trained reader's pick and short answer (``Reading``); ``qa.timeline``: the
   newest report that answers first, the earlier ones as a timeline (``Story``);
6. ``qa.decision``: the calibrated confidence and the threshold (``Decision``);
7. ``qa.citations``: exact slices of the articles (``Citation``).

This module runs them in order and words the answer (date notes, refusals).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from index.filters import Filters
from index.live import LiveIndex
from index.snapshot import Snapshot
from qa.candidates import RetrievalSettings, find_candidates
from qa.citations import REFUSAL, Citation, cite, closest, quoted, refusal_text
from qa.cues import unmentioned
from qa.dates import DateIntent, as_of_date, day_name, describe, find_dates
from qa.decision import Decision, decide, decide_read
from qa.models import Features, Models, load_models
from qa.passage_ranking import Hit, rank_passages
from qa.query import Query, Turn, build_query
from qa.reader import Reader, ReaderConfig
from qa.reader_windows import Reading
from qa.reading import SpanFinder, choose_read_excerpts, read, reorder, short_answer
from qa.sentence_ranking import Sentence, choose_excerpts, rank_sentences
from qa.timeline import Story, StorySettings, arrange, lead_against_the_rest

__all__ = ["REFUSAL", "Answer", "AnswerSettings", "Answerer", "Citation", "Result"]


@dataclass(frozen=True, slots=True)
class AnswerSettings:
    """Knobs of the answerer.

    Attributes:
        threshold: the least confidence at which an answer is given rather than refused
            (None: the threshold fitted with the weights).
        top_k: how many top-ranked passages an answer may quote from.
        max_excerpts: most excerpts in one answer.
        closest: how many closest matches a refusal offers.
        unsure: a refusal at this confidence or more (and under the threshold) says it is not sure
            and offers its closest matches as passages that may answer, to check, rather than
            saying the articles don't answer, unless they never mention a name or year the
            question names ("Did Blinken meet Putin?"): on SQuAD dev and news evidence the first of them
            holds an answer for 0.62 and 0.54 of such refusals, against 0.40 and 0.39 of the others
            (docs/EVALUATION.md, "The reader's figures").
        relative_dates: what a relative phrase in the question ("this week", "recently") does:
            "filter" searches only the articles of that window; "boost" ranks them first but
            lets a strong answer from outside through (and the answer says so); the default,
            measured on whole news articles (docs/EVALUATION.md): a report of the week often
            quotes the answer from an older article, which the filter would remove. Ranges
            the question names outright ("since November 12") always filter.
    """

    threshold: float | None = None
    top_k: int = 5
    max_excerpts: int = 3
    closest: int = 3
    unsure: float = 0.2
    relative_dates: Literal["filter", "boost"] = "boost"
    story: StorySettings = StorySettings()


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
    timeline: tuple[Citation, ...] = ()  # earlier reports of the same answer, oldest first
    unsure: bool = False  # a refusal whose confidence fell short of the threshold but not far: its closest may answer

    def as_json(self) -> dict[str, Any]:
        """Exactly the keys of ``verbatim ask --json`` and ``POST /api/ask``.

        ``citations`` is what an answer quotes (empty on a refusal); ``closest`` is what a refusal
        offers instead, labelled as not answering, or with ``unsure`` as passages that may answer,
        to check (empty on an answer); ``timeline`` the earlier reports of the same answer in other
        articles, oldest first, each with its article date.
        """
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.text,
            "confidence": round(self.confidence, 4),
            "citations": [c.as_json() for c in self.citations],
            "closest": [c.as_json() for c in self.closest],
            "timeline": [c.as_json() for c in self.timeline],
            "unsure": self.unsure,
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
        reader: the trained reader (default: the shipped one, on the index's device); without it, the rankers
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
        self.reader = reader if reader is not None else Reader(device=live.config.device)
        self.retrieval = RetrievalSettings()
        self.spans = SpanFinder()

    @property
    def threshold(self) -> float:
        """The least confidence that answers, for the confidence that decides (the reader's, when it does)."""
        config = self.reader.config if self.reader.available() else None
        return self._threshold(config.threshold if config is not None and config.decides else self.models.threshold)

    def _threshold(self, fitted: float) -> float:
        """The least confidence that answers: the user's, else the one fitted with the confidence that decides."""
        return self.settings.threshold if self.settings.threshold is not None else fitted

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
            filters = _not_after(filters, as_of)  # after the question's dates: those the user chose win over them
            candidates = find_candidates(self.live, query, snapshot, filters, boost, self.retrieval)
            hits = rank_passages(candidates, query, self.models.passage)
            ranked = rank_sentences(hits, candidates.evidence, self.models, query, top_k or self.settings.top_k)
            decision = decide(ranked, self.models, self._threshold(self.models.threshold)) if ranked else None
            reading = read(self.reader, query, ranked)
            config = self.reader.config if reading is not None else None
            earlier: tuple[Sentence, ...] = ()
            superseded: frozenset[str] = frozenset()
            if reading is not None and config is not None:
                read_order = reorder(ranked, reading, config.combine)
                story, decision = self._follow(read_order, config, intent, decision)
                ranked, earlier = list(story.ranked), story.earlier
                superseded = frozenset(s.hit.passage.article_id for s in story.superseded)
            answer = self._compose(
                query, ranked, snapshot, note, decision, read_=config is not None, earlier=earlier,
                prefer=filters.sources, superseded=superseded,
            )  # fmt: skip
            answer = _say_outside(answer, note, intent, boost)
        return Result(answer, tuple(hits), tuple(ranked), reading)

    def _follow(
        self, read_order: list[Sentence], config: ReaderConfig, intent: DateIntent | None, decision: Decision | None
    ) -> tuple[Story, Decision | None]:
        """The newest answering report leads (``qa.timeline``), and the reader's decision on that lead.

        When the newest report is not sure enough to answer and the reader's own pick is, the
        pick leads and only reports older than it make the timeline.
        """
        until = intent.until if intent is not None else None
        story = lead_against_the_rest(arrange(read_order, self.settings.story, until))
        if not (config.decides and "r_score" in story.ranked[0].features):
            return story, decision
        threshold = self._threshold(config.threshold)
        decision = decide_read(list(story.ranked), config.confidence, threshold)
        if decision.answered or story.ranked[0] is read_order[0]:
            return story, decision
        kept = arrange(read_order, self.settings.story, until, move=False)
        held = decide_read(list(kept.ranked), config.confidence, threshold)
        return (kept, held) if held.answered else (story, decision)

    def _compose(
        self,
        query: Query,
        ranked: list[Sentence],
        snapshot: Snapshot,
        note: str,
        decision: Decision | None,
        read_: bool,
        earlier: Sequence[Sentence] = (),
        prefer: Sequence[str] = (),
        superseded: frozenset[str] = frozenset(),
    ) -> Answer:
        """The answer's words and citations; ``read_``: the reader reordered ``ranked`` (its pick first).

        An article that only reports the lead's fact earlier (``superseded``) is never quoted beside
        it: it belongs to the timeline, where it is dated as the older report it is.
        """
        if not ranked or decision is None:
            return Answer(query.question, False, _join(note, REFUSAL), 0.0)
        features = ranked[0].features if read_ else decision.features
        confidence = decision.confidence
        if not decision.answered:
            near = closest(ranked, self.settings.closest)
            nearest = cite(near, snapshot, None)
            unsure = (
                bool(nearest)
                and confidence >= self.settings.unsure
                and not unmentioned(query.question, [s.hit.passage.text for s in near])
            )
            text = _join(note, refusal_text(nearest, unsure))
            return Answer(query.question, False, text, confidence, features=features, closest=nearest, unsure=unsure)
        if "r_score" in ranked[0].features:
            lead = ranked[0].hit.passage.article_id
            kept = [s for s in ranked if s.hit.passage.article_id == lead or s.hit.passage.article_id not in superseded]
            excerpts = choose_read_excerpts(kept, self.models, self.settings.max_excerpts)
            span = short_answer(ranked[0])
        else:
            excerpts = choose_excerpts(ranked, self.models, self.settings.max_excerpts)
            span = self.spans.find(excerpts[0].text, query)
        citations = cite(excerpts, snapshot, span, prefer)
        if not citations:
            return Answer(query.question, False, _join(note, REFUSAL), confidence, (), features)
        body = "\n\n".join(f"{quoted(c.excerpt)} [{c.n}]" for c in citations)
        timeline = _timeline(earlier, excerpts, snapshot, len(citations))
        return Answer(query.question, True, _join(note, body), confidence, citations, features, timeline=timeline)


def _not_after(filters: Filters, as_of: dt.date | None) -> Filters:
    """A question asked as of a day never hears of later reports."""
    if as_of is None or (filters.until is not None and filters.until <= as_of):
        return filters
    return replace(filters, until=as_of)


def _timeline(
    earlier: Sequence[Sentence], excerpts: Sequence[Sentence], snapshot: Snapshot, after: int
) -> tuple[Citation, ...]:
    """The earlier reports from articles the excerpts do not already quote, numbered after the excerpts."""
    quoted_ = {s.hit.passage.article_id for s in excerpts}
    fresh = [s for s in earlier if s.hit.passage.article_id not in quoted_]
    return tuple(replace(c, n=c.n + after) for c in cite(fresh, snapshot, None))


def _apply_intent(
    filters: Filters, intent: DateIntent | None, relative_dates: Literal["filter", "boost"] = "boost"
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


def _join(note: str, body: str) -> str:
    return f"{note}\n\n{body}" if note else body
