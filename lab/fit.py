"""``verbatim eval fit``: fit the answerer's weights on half of SQuAD, measure on the other half.

Three stages, each on the same training questions: the passage ranker (its features do not
depend on any weights), then the sentence ranker (whose features include the passage
score), then the confidence (on the best sentence those two pick), with SQuAD questions
asked of a foreign corpus and SQuAD 2.0's unanswerable questions as negatives. The
threshold answers ``answer_rate`` of the answerable training questions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from index.live import LiveIndex
from lab.evaluate import judge, open_corpus, run_questions, summarize
from qa.answering import Answerer, AnswerSettings, Result, confidence_features
from qa.fitting import (
    CONFIDENCE_FEATURES,
    PASSAGE_FEATURES,
    SENTENCE_FEATURES,
    Group,
    choose_threshold,
    fit_logistic,
    fit_ranker,
    with_date_boost,
)
from qa.models import Features, Models, load_models, save_models
from qa.squad import GoldQuestion, SquadSet, load_squad, sample, split_articles

Progress = Callable[[str], Callable[[int, int], Callable[[int], None]]]
_FOREIGN_QUESTIONS = 2000


def _contains(question: GoldQuestion, article_id: str, start: int, end: int) -> bool:
    return article_id == question.article_id and any(start <= s and e <= end for s, e in question.answers)


def _ask(
    models: Models, live: LiveIndex, questions: Sequence[GoldQuestion], label: str, progress: Progress | None
) -> list[Result]:
    answerer = Answerer(live, AnswerSettings(threshold=0.0), models)
    tick = progress(label)(len(questions), 0) if progress else None
    return run_questions(answerer, questions, progress=tick).results


def fit(
    file: Path,
    squad2: Path | None,
    foreign: Path,
    seed: int,
    answer_rate: float,
    out: Path,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Fit, save to ``out``, and return held-out measures."""
    squad = load_squad(file)
    train_ids, test_ids = split_articles(squad, seed)
    train = [q for q in squad.questions if q.article_id in train_ids]
    test = [q for q in squad.questions if q.article_id in test_ids]
    live, _ = open_corpus(
        squad,
        Path(".verbatim-eval") / file.stem / "corpus" / f"{file.stem}.jsonl",
        Path(".verbatim-eval") / file.stem,
        None,
    )
    models = load_models()
    results = _ask(models, live, train, "passages", progress)
    passage_groups = [
        Group(
            [h.features for h in r.hits],
            [_contains(q, h.passage.article_id, h.passage.start, h.passage.end) for h in r.hits],
        )
        for q, r in zip(train, results, strict=True)
    ]
    models = dataclasses.replace(models, passage=with_date_boost(fit_ranker(passage_groups, PASSAGE_FEATURES)))
    results = _ask(models, live, train, "sentences", progress)
    sentence_groups = [
        Group(
            [s.features for s in r.ranked], [_contains(q, s.hit.passage.article_id, s.start, s.end) for s in r.ranked]
        )
        for q, r in zip(train, results, strict=True)
    ]
    models = dataclasses.replace(models, sentence=fit_ranker(sentence_groups, SENTENCE_FEATURES))
    results = _ask(models, live, train, "confidence", progress)
    rows, labels = _confidence_rows(train, results)
    answerable_rows = len(rows)
    foreign_questions = sample(train, _FOREIGN_QUESTIONS, seed)
    foreign_live, _ = open_corpus(
        squad, Path("unused"), Path(".verbatim-eval") / f"foreign-{foreign.resolve().name}", foreign
    )
    foreign_results = _ask(models, foreign_live, foreign_questions, "foreign", progress)
    rows += [confidence_features(r.ranked) for r in foreign_results if r.ranked]
    labels += [False] * (len(rows) - len(labels))
    if squad2 is not None:
        extra_rows, extra_labels = _squad2_rows(load_squad(squad2), seed, models, progress)
        rows += extra_rows
        labels += extra_labels
    confidence = fit_logistic(rows, labels, CONFIDENCE_FEATURES)
    confidences = [confidence.probability(r) for r in rows[:answerable_rows]]
    threshold = choose_threshold(confidences, [True] * answerable_rows, answer_rate)
    note = (
        f"fitted {dt.date.today().isoformat()} by `verbatim eval fit {file.name}` on {len(train_ids)} of "
        f"{len(squad.articles)} articles (split seed {seed}); threshold answers {answer_rate:.0%} of their questions"
    )
    models = dataclasses.replace(models, confidence=confidence, threshold=threshold, note=note)
    save_models(models, out)
    report = _held_out(models, live, foreign_live, test, seed, progress)
    live.close()
    foreign_live.close()
    return {
        "weights": str(out),
        "threshold": threshold,
        "train_articles": len(train_ids),
        "test_articles": len(test_ids),
        **report,
    }


def _confidence_rows(questions: Sequence[GoldQuestion], results: Sequence[Result]) -> tuple[list[Features], list[bool]]:
    rows: list[Features] = []
    labels: list[bool] = []
    for question, result in zip(questions, results, strict=True):
        if result.ranked:
            first = result.ranked[0]
            rows.append(confidence_features(result.ranked))
            labels.append(_contains(question, first.hit.passage.article_id, first.start, first.end))
    return rows, labels


def _squad2_rows(
    squad2: SquadSet, seed: int, models: Models, progress: Progress | None
) -> tuple[list[Features], list[bool]]:
    train_ids, _ = split_articles(squad2, seed)
    questions = [q for q in squad2.questions if q.article_id in train_ids]
    name = "squad2"
    live, _ = open_corpus(
        squad2, Path(".verbatim-eval") / name / "corpus" / f"{name}.jsonl", Path(".verbatim-eval") / name, None
    )
    try:
        results = _ask(models, live, questions, "squad2", progress)
    finally:
        live.close()
    return _confidence_rows(questions, results)


def _held_out(
    models: Models,
    live: LiveIndex,
    foreign_live: LiveIndex,
    test: Sequence[GoldQuestion],
    seed: int,
    progress: Progress | None,
) -> dict[str, Any]:
    settings = AnswerSettings(threshold=models.threshold)
    answerer = Answerer(live, settings, models)
    tick = progress("held out")(len(test), 0) if progress else None
    summary = summarize(run_questions(answerer, test, progress=tick))
    foreign_questions = sample(test, _FOREIGN_QUESTIONS, seed)
    foreign_answerer = Answerer(foreign_live, settings, models)
    foreign_runs = [judge(q, foreign_answerer.run(q.question), 0.0, True) for q in foreign_questions]
    summary["foreign_refused_rate"] = sum(not o.answered for o in foreign_runs) / max(1, len(foreign_runs))
    return {f"held_out_{k}": v for k, v in summary.items()}
