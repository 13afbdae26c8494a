"""How one result is judged against its gold spans, and a run of them summarised.

The strict rule: a passage hit means the passage contains a gold answer's character span in
the article; the cited sentence is right when the first excerpt (or, for a refusal, the first
closest match) contains one. Beside it, the open-domain rule (DPR-style) counts a gold answer
string anywhere: in any of the top passages, of any article.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from qa.answering import Result
from qa.dates import find_dates
from qa.metrics import (
    auroc,
    contains_answer,
    exact_match,
    expected_calibration_error,
    f1,
    hit_rate,
    percentile,
    reciprocal_rank,
    reliability,
)
from qa.squad import GoldQuestion


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one question."""

    question: GoldQuestion
    passage_rank: int | None
    cited: bool
    answered: bool
    confidence: float
    prediction: str
    seconds: float
    answer_rank: int | None = None  # first of the top 10 passages holding a gold string (open-domain rule)
    excerpt_has_answer: bool = False  # the first citation (excerpt or closest match) holds a gold string
    cited_gold_forced: bool | None = None  # the reader's pick with the gold sentence among its candidates
    unsure: bool = False  # a refusal that offers its closest passages as ones that may answer


@dataclass
class EvalRun:
    """A finished run: outcomes and the results behind them (kept for fitting)."""

    outcomes: list[Outcome] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    index_seconds: float = 0.0
    foreign: bool = False


def holds(question: GoldQuestion, article_id: str, start: int, end: int) -> bool:
    """Whether the span ``start:end`` of ``article_id`` holds one of the question's gold spans."""
    return article_id == question.article_id and any(start <= s and e <= end for s, e in question.answers)


def judge(question: GoldQuestion, result: Result, seconds: float, foreign: bool = False) -> Outcome:
    """Score one result against the gold spans (none count in foreign mode)."""
    spans = () if foreign else question.answers
    rank = next(
        (
            i
            for i, hit in enumerate(result.hits[:10], start=1)
            if hit.passage.article_id == question.article_id
            and any(hit.passage.start <= s and e <= hit.passage.end for s, e in spans)
        ),
        None,
    )
    first = result.ranked[0] if result.ranked else None
    cited = first is not None and any(
        first.hit.passage.article_id == question.article_id and first.start <= s and e <= first.end for s, e in spans
    )
    answer = result.answer
    prediction = ""
    if answer.answered and answer.citations:
        citation = answer.citations[0]
        if citation.highlight:
            offset = citation.start
            prediction = citation.excerpt[citation.highlight[0] - offset : citation.highlight[1] - offset]
        else:
            prediction = citation.excerpt
    outcome = Outcome(
        question, rank, cited, answer.answered, answer.confidence, prediction, seconds, unsure=answer.unsure
    )
    return open_domain_judgement(outcome, result, () if foreign else question.answer_texts)


def open_domain_judgement(outcome: Outcome, result: Result, golds: Sequence[str]) -> Outcome:
    """Add the open-domain judgements: a gold answer string anywhere in a passage or excerpt counts."""
    rank = next(
        (i for i, hit in enumerate(result.hits[:10], start=1) if contains_answer(hit.passage.text, golds)), None
    )
    shown = result.answer.citations or result.answer.closest  # a refusal's closest passage counts, as before
    first = shown[0].excerpt if shown else ""
    return replace(outcome, answer_rank=rank, excerpt_has_answer=contains_answer(first, golds))


def open_domain_measures(answerable: Sequence[Outcome]) -> dict[str, float]:
    """The measures that count an answer wherever it stands (DPR-style), beside the strict ones."""
    ranks = [o.answer_rank for o in answerable]
    return {
        "answer_in_top1": hit_rate(ranks, 1),
        "answer_in_top5": hit_rate(ranks, 5),
        "answer_in_top10": hit_rate(ranks, 10),
        "first_excerpt_has_answer": _share([o.excerpt_has_answer for o in answerable]),
        "right_when_answered": _share([o.excerpt_has_answer for o in answerable if o.answered]),
    }


_ANSWERABLE_ONLY = (
    "hit@1", "hit@5", "hit@10", "mrr@10", "cited_sentence_accuracy", "exact_match", "f1", "f1_when_answered",
    "cited_accuracy_when_answered", "reader_cited_gold_forced", "answer_in_top1", "answer_in_top5", "answer_in_top10",
    "first_excerpt_has_answer", "right_when_answered",
)  # fmt: skip


def summarize(run: EvalRun) -> dict[str, Any]:
    """The measures, as the JSON report holds them."""
    outcomes = run.outcomes
    answerable = [o for o in outcomes if not o.question.impossible and not run.foreign]
    latencies = [o.seconds * 1000 for o in outcomes]
    ranks = [o.passage_rank for o in answerable]
    answered = [o for o in answerable if o.answered]
    summary: dict[str, Any] = {
        "questions": len(outcomes),
        "hit@1": hit_rate(ranks, 1),
        "hit@5": hit_rate(ranks, 5),
        "hit@10": hit_rate(ranks, 10),
        "mrr@10": reciprocal_rank(ranks, 10),
        "cited_sentence_accuracy": _share([o.cited for o in answerable]),
        "exact_match": _mean([exact_match(o.prediction, o.question.answer_texts) for o in answerable]),
        "f1": _mean([f1(o.prediction, o.question.answer_texts) for o in answerable]),
        "f1_when_answered": _mean([f1(o.prediction, o.question.answer_texts) for o in answered]),
        "answered_rate": _share([o.answered for o in outcomes]),
        "cited_accuracy_when_answered": _share([o.cited for o in answered]),
        "reader_cited_gold_forced": _share([bool(o.cited_gold_forced) for o in answerable])
        if any(o.cited_gold_forced is not None for o in answerable)
        else None,
        **({} if run.foreign else open_domain_measures(answerable)),
        "latency_ms": {
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "max": max(latencies, default=0.0),
        },
        "index_seconds": run.index_seconds,
    }
    if run.foreign or not answerable:  # nothing can be answered: only refusing is measured
        for key in _ANSWERABLE_ONLY:
            summary.pop(key, None)
    summary.update(_unsure_measures(outcomes, answerable))
    if run.foreign:
        summary["refused_rate"] = _share([not o.answered for o in outcomes])
    elif any(o.question.impossible for o in outcomes):
        impossible = [o for o in outcomes if o.question.impossible]
        summary["refused_unanswerable"] = _share([not o.answered for o in impossible])
        if answerable:
            summary["refused_answerable"] = _share([not o.answered for o in answerable])
        else:
            summary["mean_confidence"] = _mean([o.confidence for o in outcomes])
    if not run.foreign:
        summary["auroc"] = auroc([o.confidence for o in outcomes], [o.cited for o in outcomes])
        summary.update(calibration_measures(outcomes))
        summary.update(_by_relative_dates(answerable))
    return summary


def _unsure_measures(outcomes: Sequence[Outcome], answerable: Sequence[Outcome]) -> dict[str, Any]:
    """How often a refusal says it is unsure (its closest passages may answer), and, of the answerable
    questions refused, how often the first closest passage holds a gold string when it says so and
    when it does not."""
    refused = [o for o in answerable if not o.answered]
    unsure = [o.excerpt_has_answer for o in refused if o.unsure]
    sure = [o.excerpt_has_answer for o in refused if not o.unsure]
    return {
        "unsure_rate": _share([o.unsure for o in outcomes]),
        "unsure_closest_has_answer": _share(unsure) if unsure else None,
        "sure_refusal_closest_has_answer": _share(sure) if sure else None,
    }


def calibration_measures(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Does the shown confidence mean what it says? Expected calibration error and reliability bins
    (mean confidence, share right, count), against the strict rule (the first excerpt holds the
    question's own gold span) and the open rule (it holds a gold answer string)."""
    scores = [o.confidence for o in outcomes]
    strict = [o.cited for o in outcomes]
    open_ = [o.excerpt_has_answer for o in outcomes]
    return {
        "ece": expected_calibration_error(scores, strict),
        "ece_open": expected_calibration_error(scores, open_),
        "auroc_open": auroc(scores, open_),
        "reliability": [[round(m, 4), round(r, 4), n] for m, r, n in reliability(scores, strict)],
        "reliability_open": [[round(m, 4), round(r, 4), n] for m, r, n in reliability(scores, open_)],
    }


def _by_relative_dates(answerable: Sequence[Outcome]) -> dict[str, Any]:
    """The open-domain measures apart for questions with a relative date ("this week") and the rest."""
    relative = [o for o in answerable if _is_relative(o.question)]
    if not relative:
        return {}
    rest = [o for o in answerable if not _is_relative(o.question)]
    keys = ("answer_in_top1", "answer_in_top10", "first_excerpt_has_answer")
    mine, theirs = open_domain_measures(relative), open_domain_measures(rest)
    return {
        "relative_date_questions": len(relative),
        **{f"relative_{k}": mine[k] for k in keys},
        **{f"other_{k}": theirs[k] for k in keys},
    }


def _is_relative(question: GoldQuestion) -> bool:
    intent = find_dates(question.question, question.asked_on)
    return intent is not None and intent.relative


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
