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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.live import LiveIndex
from lab.evaluate import cached_embedder, open_corpus, run_questions
from lab.judging import judge, summarize
from qa.answering import Answerer, AnswerSettings, Result
from qa.decision import confidence_features
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
from qa.metrics import contains_answer
from qa.models import Features, Models, load_models, save_models
from qa.reader import Reader
from qa.sentence_ranking import Sentence
from qa.squad import GoldQuestion, SquadSet, load_squad, sample, sample_articles, split_articles

Progress = Callable[[str], Callable[[int, int], Callable[[int], None]]]
_FOREIGN_QUESTIONS = 2000


def _contains(question: GoldQuestion, article_id: str, start: int, end: int) -> bool:
    return article_id == question.article_id and any(start <= s and e <= end for s, e in question.answers)


@dataclass(frozen=True, slots=True)
class News:
    """A news file whose questions asked up to ``until`` join the fit (the later ones stay held out).

    A news question counts a candidate right when it holds a gold answer string anywhere (the
    open-domain rule its measures use), since a news answer is often in several articles.
    """

    file: Path
    until: dt.date


def _ask(
    models: Models,
    live: LiveIndex,
    questions: Sequence[GoldQuestion],
    label: str,
    progress: Progress | None,
    read: bool = False,
) -> list[Result]:
    """Ask at threshold 0; the rankers' features do not depend on the reader, so it reads only when asked to."""
    reader = Reader(enabled=read, device=live.config.device)
    answerer = Answerer(live, AnswerSettings(threshold=0.0, relative_dates="boost"), models, reader)
    tick = progress(label)(len(questions), 0) if progress else None
    return run_questions(answerer, questions, progress=tick).results


@dataclass
class _Source:
    """One body of training questions over its own index; ``open_rule``: any gold string counts."""

    questions: list[GoldQuestion]
    live: LiveIndex
    open_rule: bool
    repeat: int = 1

    def right(self, question: GoldQuestion, article_id: str, start: int, end: int, text: str) -> bool:
        if self.open_rule:
            return contains_answer(text, question.answer_texts)
        return _contains(question, article_id, start, end)

    def passage_groups(self, results: Sequence[Result]) -> list[Group]:
        groups = [
            Group(
                [h.features for h in r.hits],
                [self.right(q, h.passage.article_id, h.passage.start, h.passage.end, h.passage.text) for h in r.hits],
            )
            for q, r in zip(self.questions, results, strict=True)
        ]
        return groups * self.repeat

    def sentence_groups(self, results: Sequence[Result]) -> list[Group]:
        groups = [
            Group(
                [s.features for s in r.ranked],
                [self.right(q, s.hit.passage.article_id, s.start, s.end, s.text) for s in r.ranked],
            )
            for q, r in zip(self.questions, results, strict=True)
        ]
        return groups * self.repeat

    def confidence_rows(self, results: Sequence[Result]) -> tuple[list[Features], list[bool]]:
        rows: list[Features] = []
        labels: list[bool] = []
        for question, result in zip(self.questions, results, strict=True):
            if result.ranked:
                shown = result.ranked[0]  # the excerpt the user sees first (the reader's pick)
                rows.append(confidence_features(_by_rankers(result.ranked)))  # what serving computes it from
                labels.append(self.right(question, shown.hit.passage.article_id, shown.start, shown.end, shown.text))
        return rows * self.repeat, labels * self.repeat


def _by_rankers(ranked: Sequence[Sentence]) -> list[Sentence]:
    """The sentences in the rankers' own order (the reader moves its pick first)."""
    return sorted(ranked, key=lambda s: s.score, reverse=True)


def _news_sources(news: Sequence[News], weight: float, squad_questions: int, device: str) -> list[_Source]:
    sources = []
    for item in news:
        squad = load_squad(item.file)
        questions = [q for q in squad.questions if q.asked_on is not None and q.asked_on <= item.until]
        live, _ = open_corpus(
            squad,
            Path(".verbatim-eval") / item.file.stem / "corpus" / f"{item.file.stem}.jsonl",
            Path(".verbatim-eval") / item.file.stem,
            None,
            embedder=cached_embedder(device),
            device=device,
        )
        repeat = max(1, round(weight * squad_questions / max(1, len(questions)) / max(1, len(news))))
        sources.append(_Source(questions, live, open_rule=True, repeat=repeat))
    return sources


def fit(
    file: Path,
    squad2: Path | None,
    foreign: Path,
    seed: int,
    answer_rate: float,
    out: Path,
    progress: Progress | None = None,
    articles: int | None = None,
    news: Sequence[News] = (),
    news_weight: float = 1.0,
    device: str = "auto",
) -> dict[str, Any]:
    """Fit, save to ``out``, and return held-out measures (encoding and reading on ``device``).

    ``articles``: fit on a seeded sample of this many of the file's articles (SQuAD train has 442);
    ``news``: news questions that join the fit, weighted so that all of them together count
    ``news_weight`` times as much as the SQuAD questions.
    """
    squad = load_squad(file)
    if articles is not None:
        squad = sample_articles(squad, articles, seed)
    train_ids, test_ids = split_articles(squad, seed)
    train = [q for q in squad.questions if q.article_id in train_ids]
    test = [q for q in squad.questions if q.article_id in test_ids]
    name = file.stem if articles is None else f"{file.stem}-{articles}-{seed}"
    live, _ = open_corpus(
        squad,
        Path(".verbatim-eval") / name / "corpus" / f"{name}.jsonl",
        Path(".verbatim-eval") / name,
        None,
        embedder=cached_embedder(device),
        device=device,
    )
    sources = [_Source(train, live, open_rule=False), *_news_sources(news, news_weight, len(train), device)]
    models = load_models()
    results = [_ask(models, s.live, s.questions, "passages", progress) for s in sources]
    passage_groups = [g for s, r in zip(sources, results, strict=True) for g in s.passage_groups(r)]
    models = dataclasses.replace(models, passage=with_date_boost(fit_ranker(passage_groups, PASSAGE_FEATURES)))
    results = [_ask(models, s.live, s.questions, "sentences", progress) for s in sources]
    sentence_groups = [g for s, r in zip(sources, results, strict=True) for g in s.sentence_groups(r)]
    models = dataclasses.replace(models, sentence=fit_ranker(sentence_groups, SENTENCE_FEATURES))
    rows: list[Features] = []
    labels: list[bool] = []
    for source in sources:
        more_rows, more_labels = source.confidence_rows(
            _ask(models, source.live, source.questions, "confidence", progress, read=True)
        )
        rows += more_rows
        labels += more_labels
    answerable_rows = len(rows)
    foreign_questions = sample(train, _FOREIGN_QUESTIONS, seed)
    foreign_live, _ = open_corpus(
        squad, Path("unused"), Path(".verbatim-eval") / f"foreign-{foreign.resolve().name}", foreign, device=device
    )
    foreign_results = _ask(models, foreign_live, foreign_questions, "foreign", progress)
    rows += [confidence_features(r.ranked) for r in foreign_results if r.ranked]
    labels += [False] * (len(rows) - len(labels))
    if squad2 is not None:
        extra_rows, extra_labels = _squad2_rows(load_squad(squad2), seed, models, progress, device)
        rows += extra_rows
        labels += extra_labels
    confidence = fit_logistic(rows, labels, CONFIDENCE_FEATURES)
    confidences = [confidence.probability(r) for r in rows[:answerable_rows]]
    threshold = choose_threshold(confidences, [True] * answerable_rows, answer_rate)
    sample_note = f" (a seeded sample of {articles})" if articles is not None else ""
    news_note = "".join(f", plus {n.file.name} questions asked until {n.until.isoformat()}" for n in news)
    note = (
        f"fitted {dt.date.today().isoformat()} by `verbatim eval fit {file.name}` on {len(train_ids)} of "
        f"{len(squad.articles)} articles{sample_note} (split seed {seed}){news_note}; threshold answers "
        f"{answer_rate:.0%} of their questions"
    )
    models = dataclasses.replace(models, confidence=confidence, threshold=threshold, note=note)
    save_models(models, out)
    report = _held_out(models, live, foreign_live, test, seed, progress)
    for source in sources:
        source.live.close()
    foreign_live.close()
    return {
        "weights": str(out),
        "threshold": threshold,
        "train_articles": len(train_ids),
        "test_articles": len(test_ids),
        **report,
    }


def _squad2_rows(
    squad2: SquadSet, seed: int, models: Models, progress: Progress | None, device: str
) -> tuple[list[Features], list[bool]]:
    train_ids, _ = split_articles(squad2, seed)
    questions = [q for q in squad2.questions if q.article_id in train_ids]
    name = "squad2"
    corpus = Path(".verbatim-eval") / name / "corpus" / f"{name}.jsonl"
    live, _ = open_corpus(squad2, corpus, Path(".verbatim-eval") / name, None, device=device)
    try:
        source = _Source(questions, live, open_rule=False)
        return source.confidence_rows(_ask(models, live, questions, "squad2", progress, read=True))
    finally:
        live.close()


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
