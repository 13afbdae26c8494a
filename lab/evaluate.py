"""``verbatim eval squad``: index a SQuAD file with the product's pipeline, ask every question.

Every question goes through ``Answerer.run``, the code path of the chat's ``ask``. A passage
hit means the passage contains a gold answer's character span in the article; the cited
sentence is right when the first excerpt (or, for a refusal, the first closest match)
contains one. Beside these strict measures, open-domain ones (DPR-style) count a gold answer
string anywhere: in any of the top passages, of any article. A question's ``asked_on`` (news
sets carry it) is its as-of day, which "this week" counts back from.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from index.article import make_article
from index.config import IndexConfig
from index.embedding import Embedder, SentenceTransformerEmbedder
from index.live import LiveIndex
from index.reindex import Progress, Reindexer
from index.sentences import sentences
from lab.embedding_cache import CachedEmbedder
from lab.judging import EvalRun, holds, judge, summarize
from qa.answering import Answerer, AnswerSettings, Result
from qa.models import Models
from qa.reader import Reader
from qa.squad import GoldQuestion, SquadSet, load_squad, sample, split_articles, write_corpus


def cached_embedder(device: str = "auto") -> CachedEmbedder:
    """The evaluations' shared vector cache: a rebuilt index re-encodes no passage it has seen."""
    return CachedEmbedder(SentenceTransformerEmbedder(device=device), Path(".verbatim-eval") / "embeddings.sqlite")


def open_corpus(
    squad: SquadSet,
    corpus_file: Path,
    index_dir: Path,
    against: Path | None,
    embedder: Embedder | None = None,
    indexing: Progress | None = None,
    device: str = "auto",
) -> tuple[LiveIndex, float]:
    """Index the SQuAD articles (or, in foreign mode, another corpus) and open the index.

    ``indexing``: told (phase, done, total) as files are read and passages embedded, as ``verbatim index``
    shows it. ``device``: where the encoder runs when no ``embedder`` is given (and the default reader).
    """
    if against is None:
        check_corpus(squad)  # before indexing: a mismatch must not cost half an hour first
    live = LiveIndex(IndexConfig(index_dir=index_dir, device=device), embedder=embedder)
    if against is None:
        write_corpus(squad, corpus_file)
        report = Reindexer(live).run([corpus_file], progress=indexing)
        _check_texts(live, squad)
    else:
        report = Reindexer(live).run([against], progress=indexing)
    return live, report.seconds


def check_corpus(squad: SquadSet) -> None:
    """Everything that can be checked before indexing: unique ids, texts the index keeps as they are, gold spans."""
    ids = [a.id for a in squad.articles]
    if len(set(ids)) != len(ids):
        raise RuntimeError("two SQuAD articles map to one article id; gold offsets would be ambiguous")
    texts = {a.id: a.text for a in squad.articles}
    for article in squad.articles:
        if make_article(id=article.id, text=article.text).text != article.text:
            raise RuntimeError(f"the index would change the text of {article.id}; gold offsets would be wrong")
    for question in squad.questions:
        text = texts[question.article_id]
        for (start, end), wanted in zip(question.answers, question.answer_texts, strict=True):
            if text[start:end] != wanted:
                raise RuntimeError(f"gold answer of question {question.id} does not map into its article")


def _check_texts(live: LiveIndex, squad: SquadSet) -> None:
    with live.reading() as snapshot:
        for article in squad.articles:
            record = snapshot.article(article.id)
            if record is None or record.article.text != article.text:
                raise RuntimeError(
                    f"indexed text of {article.id} differs from the SQuAD text; gold offsets would be wrong"
                )


def run_questions(
    answerer: Answerer,
    questions: Sequence[GoldQuestion],
    foreign: bool = False,
    progress: Callable[[int], None] | None = None,
    gold_forced: bool = True,
) -> EvalRun:
    """Ask every question and judge the result against its gold spans (``gold_forced``: also read each
    answerable question with its gold sentence put in, for ``reader_cited_gold_forced``)."""
    run = EvalRun(foreign=foreign)
    texts: dict[str, str] = {}
    for question in questions:
        started = time.perf_counter()
        result = answerer.run(question.question, as_of=question.asked_on)
        seconds = time.perf_counter() - started
        run.results.append(result)
        outcome = judge(question, result, seconds, foreign)
        if gold_forced and result.reading is not None and not foreign and not question.impossible:
            outcome = replace(outcome, cited_gold_forced=_gold_forced(answerer, question, result, texts))
        run.outcomes.append(outcome)
        if progress is not None:
            progress(1)
    return run


def _gold_forced(answerer: Answerer, question: GoldQuestion, result: Result, texts: dict[str, str]) -> bool:
    """Does the reader pick a right sentence when the gold one is among what it reads?

    Tells the reader's errors from retrieval's: when retrieval found the answer's sentence,
    this is the run's own pick; else the gold sentence is put first among the candidates.
    """
    config = answerer.reader.config
    assert config is not None
    limit = config.settings.candidates
    candidates = [s for s in result.ranked if "r_score" in s.features] or list(result.ranked[:limit])
    if any(holds(question, s.hit.passage.article_id, s.start, s.end) for s in candidates):
        first = result.ranked[0]
        return holds(question, first.hit.passage.article_id, first.start, first.end)
    if question.article_id not in texts:
        with answerer.live.reading() as snapshot:
            record = snapshot.article(question.article_id)
            texts[question.article_id] = record.article.text if record else ""
    text = texts[question.article_id]
    gold = next(((s, e) for s, e in sentences(text) for a, b in question.answers if s <= a and b <= e), None)
    if gold is None:
        return False
    ranked = list(result.ranked[: limit - 1])
    items = [text[gold[0] : gold[1]], *(s.text for s in ranked)]
    order = [(len(result.hits), 0), *((s.rank, s.index) for s in ranked)]
    reading = answerer.reader.read(question.question, items, order)
    return reading is not None and reading.best() == 0


def _asked_within(questions: list[GoldQuestion], asked: tuple[dt.date | None, dt.date | None]) -> list[GoldQuestion]:
    """The questions asked within the given days (a question without ``asked_on`` only when no bound is set)."""
    since, until = asked
    if since is None and until is None:
        return questions
    return [
        q
        for q in questions
        if q.asked_on is not None and (since is None or q.asked_on >= since) and (until is None or q.asked_on <= until)
    ]


def _half(squad: SquadSet, articles: str, split_seed: int) -> list[GoldQuestion]:
    if articles == "all":
        return list(squad.questions)
    train_ids, test_ids = split_articles(squad, split_seed)
    keep = test_ids if articles == "held-out" else train_ids
    return [q for q in squad.questions if q.article_id in keep]


def evaluate(
    file: Path,
    index_dir: Path,
    limit: int | None = None,
    seed: int = 0,
    against: Path | None = None,
    models: Models | None = None,
    settings: AnswerSettings | None = None,
    progress: Callable[[int, int], Callable[[int], None]] | None = None,
    embedder: Embedder | None = None,
    reader: Reader | None = None,
    articles: str = "all",
    split_seed: int = 13,
    indexing: Progress | None = None,
    asked: tuple[dt.date | None, dt.date | None] = (None, None),
    swap_names: bool = False,
    device: str = "auto",
) -> tuple[dict[str, Any], EvalRun]:
    """The whole evaluation: index, ask, measure.

    ``swap_names``: each question gets one of its names (or years) swapped for one the whole file
    never mentions ("Did Blinken meet Putin?" of articles that never name Putin), so none can be
    answered; questions with nothing to swap are left out. The refusal rate is the measure.

    ``articles``: "all", or "held-out" / "train" for the halves of ``eval fit``'s split
    (``split_seed``), so the held-out figures are measured on articles nothing was fitted on.
    """
    squad = load_squad(file)
    corpus_file = index_dir / "corpus" / f"{file.stem}.jsonl"
    live, index_seconds = open_corpus(squad, corpus_file, index_dir, against, embedder, indexing, device)
    try:
        answerer = Answerer(live, settings, models, reader)
        answerer.warm_up()
        questions = sample(_asked_within(_half(squad, articles, split_seed), asked), limit, seed)
        if swap_names:
            questions = swapped(squad, questions, seed)
        tick = progress(len(questions), 0) if progress else None
        run = run_questions(answerer, questions, against is not None, tick)
        run.index_seconds = index_seconds
    finally:
        live.close()
    return summarize(run), run


def swapped(squad: SquadSet, questions: Sequence[GoldQuestion], seed: int) -> list[GoldQuestion]:
    """``questions`` made unanswerable by a name or year the whole file never mentions (seeded);
    those with nothing to swap are left out."""
    import random

    from qa.reader_examples import name_pool, swap_name

    rng = random.Random(seed)
    texts = {a.id: a.text for a in squad.articles}
    nowhere = "\n".join(texts.values()).casefold()
    names = name_pool(squad.questions)
    out = []
    for q in questions:
        changed = swap_name(q.question, texts[q.article_id], names, rng, nowhere)
        if changed is not None:
            out.append(replace(q, question=changed, answers=(), answer_texts=(), impossible=True))
    return out
