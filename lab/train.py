"""``verbatim train reader``: fine-tune the reader on half of SQuAD, fit its confidence, ship both.

The article split is ``eval fit``'s (seed 13): the held-out half stays unseen. Inside the
training half, a fifth of the articles (seeded) are kept out of fine-tuning: the confidence
and its threshold are fitted on them, so they see the reader as it behaves on new text.
Examples come from the answerer's own ranked sentences (the rankers alone), so the reader
learns on what it will read. SQuAD 2.0's unanswerable questions and SQuAD questions asked of
``seeds/`` teach it to say "not here". The news sets are never used.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from index.live import LiveIndex
from index.sentences import sentences
from lab.evaluate import _holds, open_corpus, run_questions
from qa.answering import Answerer, AnswerSettings, Result
from qa.fitting import Group, choose_threshold, fit_logistic, fit_ranker
from qa.models import Features, load_models
from qa.reader import (
    CONFIDENCE_FEATURES,
    WEIGHTS_FILE,
    ReaderConfig,
    ReaderSettings,
    base_model_folder,
    build_model,
    load_tokenizer,
    read_batch,
    save_config,
    save_weights,
)
from qa.reader_examples import ArticleSentences, Mix, build_examples
from qa.reader_training import Example, TrainSettings, train, with_gold
from qa.reading import reader_features
from qa.squad import GoldQuestion, SquadSet, load_squad, sample, sample_articles, split_articles

Progress = Callable[[str], Callable[[int, int], Callable[[int], None]]]
_FOREIGN_QUESTIONS = 1000
_FORCE_GOLD = 0.85  # share of answerable questions whose gold sentence is put among the candidates


@dataclasses.dataclass(frozen=True, slots=True)
class Labelled:
    """A question's ranked sentences and which candidate (if any) holds its answer."""

    example: Example
    result: Result
    gold_at: int | None
    right: frozenset[int] = frozenset()  # every candidate that holds a gold span


def _ask(live: LiveIndex, questions: Sequence[GoldQuestion], label: str, progress: Progress | None) -> list[Result]:
    from qa.reader import Reader

    answerer = Answerer(live, AnswerSettings(threshold=0.0), load_models(), reader=Reader(enabled=False))
    tick = progress(label)(len(questions), 0) if progress else None
    return run_questions(answerer, questions, progress=tick).results


def _gold_sentence(text: str, question: GoldQuestion) -> tuple[str, int, int, int] | None:
    """The article sentence holding the first gold span: (sentence, start, end in it, sentence number)."""
    for a, b in question.answers:
        for number, (s, e) in enumerate(sentences(text)):
            if s <= a and b <= e:
                return text[s:e], a - s, b - s, number
    return None


def _labelled(
    live: LiveIndex,
    questions: Sequence[GoldQuestion],
    results: Sequence[Result],
    force: float,
    rng: random.Random,
    settings: ReaderSettings,
    foreign: bool = False,
) -> list[Labelled]:
    out: list[Labelled] = []
    with live.reading() as snapshot:
        for question, result in zip(questions, results, strict=True):
            ranked = result.ranked[: settings.candidates]
            texts = [s.text for s in ranked]
            order = [(s.rank, s.index) for s in ranked]
            gold: tuple[str, int, int, tuple[int, int]] | None = None
            gold_at = None
            right: set[int] = set()
            if not foreign and not question.impossible:
                for i, s in enumerate(result.ranked):
                    inside = [(a, b) for a, b in question.answers if s.start <= a and b <= s.end]
                    if s.hit.passage.article_id == question.article_id and inside:
                        right.add(i)
                        if gold_at is None and i < settings.candidates:
                            gold_at = i
                            gold = (s.text, inside[0][0] - s.start, inside[0][1] - s.start, (s.rank, s.index))
                record = snapshot.article(question.article_id)
                if gold is None and record is not None:
                    found = _gold_sentence(record.article.text, question)
                    if found is not None:
                        gold = (found[0], found[1], found[2], (rng.randrange(5), found[3]))
            example = with_gold(question.question, texts, order, gold, gold_at, rng.random() < force, rng, settings)
            out.append(Labelled(example, result, gold_at, frozenset(right)))
    return out


def _collect(
    squad: SquadSet, name: str, article_ids: set[str], limit: int | None, progress: Progress | None
) -> tuple[LiveIndex, list[GoldQuestion], list[Result]]:
    folder = Path(".verbatim-eval") / name
    live, _ = open_corpus(squad, folder / "corpus" / f"{name}.jsonl", folder, None)
    questions = sample([q for q in squad.questions if q.article_id in article_ids], limit, 0)
    return live, questions, _ask(live, questions, name, progress)


def reader_split(squad: SquadSet, squad2: SquadSet, seed: int = 13) -> tuple[set[str], set[str], set[str], set[str]]:
    """(SQuAD train articles to fine-tune on, SQuAD train calibration articles, the same two for SQuAD 2.0).

    The calibration articles are never fine-tuned on: on SQuAD train, the 48 that ``eval fit
    --articles 48`` samples (seeded); in the SQuAD 2.0 file, the seeded fifth of ``eval fit``'s
    training half. That file's held-out half is never touched.
    """
    calibration = {a.id for a in sample_articles(squad, CALIBRATION_ARTICLES, seed).articles}
    train_ids = {a.id for a in squad.articles} - calibration
    train2, cal2 = _calibration_split(squad2, seed)
    return train_ids, calibration, train2 - cal2, cal2


CALIBRATION_ARTICLES = 48


def training_examples(
    file: Path, squad2: Path, count: int | None, seed: int, split_seed: int = 13, mix: Mix | None = None
) -> list[Example]:
    """The seeded examples: ``count`` SQuAD train questions of the training articles, and every
    question of the SQuAD 2.0 file's training articles (its unanswerable ones among them)."""
    squad, second = load_squad(file), load_squad(squad2)
    train_ids, _, train2, _ = reader_split(squad, second, split_seed)
    rng = random.Random(seed)
    examples: list[Example] = []
    for data, ids, limit in ((squad, train_ids, count), (second, train2, None)):
        articles = {a.id: ArticleSentences(a) for a in data.articles if a.id in ids}
        questions = sample([q for q in data.questions if q.article_id in ids], limit, seed)
        examples += build_examples(articles, questions, rng, mix)
    rng.shuffle(examples)
    return [e for e in examples if e.texts]


def train_reader(
    file: Path,
    squad2: Path,
    out: Path,
    examples: int | None = None,
    split_seed: int = 13,
    answer_rate: float = 0.9,
    train_settings: TrainSettings | None = None,
    settings: ReaderSettings | None = None,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
    resume: bool = False,
    checkpoint: Path | None = None,
) -> dict[str, Any]:
    """Build the examples from the SQuAD files, fine-tune (checkpointed), write the weights to
    ``out``, then fit the reader's combination, confidence and threshold on the calibration articles."""
    import time

    import torch

    train_settings = train_settings or TrainSettings()
    settings = settings or ReaderSettings()
    checkpoint = checkpoint or Path(".verbatim-train") / "reader"
    started = time.perf_counter()
    built = training_examples(file, squad2, examples, train_settings.seed, split_seed)
    log(
        f"{len(built)} training examples ({sum(e.answer is not None for e in built)} with an answer) "
        f"in {time.perf_counter() - started:.0f} s; torch sees {_hardware()}"
    )
    base = base_model_folder()
    tokenizer = load_tokenizer(base)
    model = build_model(base)
    if torch.cuda.is_available():
        model = model.to("cuda")
    run = train(model, tokenizer, built, settings, train_settings, log, checkpoint, resume)
    model = model.to("cpu")
    out.mkdir(parents=True, exist_ok=True)
    save_weights(model, out / WEIGHTS_FILE)
    note = (
        f"trained {dt.date.today().isoformat()} by `verbatim train reader` on {file.name} and {squad2.name} "
        f"({len(built)} examples, article split seed {split_seed}, training seed {train_settings.seed}) on {_hardware()}"
    )
    from lab.reader_calibration import calibrate_reader  # imported late: the last step of a long run

    report = calibrate_reader(file, squad2, out, split_seed, answer_rate, progress, note=note, measures={
        **run, "examples": len(built), "examples_with_answer": sum(e.answer is not None for e in built),
    })  # fmt: skip
    return {"out": str(out), **report}


def _hardware() -> str:
    import os

    import torch

    if torch.cuda.is_available():
        return f"GPU {torch.cuda.get_device_name(0)}"
    return f"CPU, {torch.get_num_threads()} threads of {os.cpu_count()} cores"


def _as_retrieved(row: Labelled) -> Example:
    """Calibration reads what retrieval found, never a forced-in gold sentence."""
    e = row.example
    texts = tuple(s.text for s in row.result.ranked)
    order = tuple((s.rank, s.index) for s in row.result.ranked)
    return Example(e.question, texts, order, None)


def _calibrate(
    model: Any, tokenizer: Any, rows: Sequence[tuple[Labelled, bool]], settings: ReaderSettings, answer_rate: float
) -> tuple[ReaderConfig, dict[str, float]]:
    features: list[Features] = []
    labels: list[bool] = []
    answerable: list[bool] = []
    usable = [(r, a) for r, a in rows if r.result.ranked]
    for i in range(0, len(usable), 16):
        chunk = usable[i : i + 16]
        items = [(r.example.question, r.example.texts, r.example.order) for r, _ in chunk]
        for (row, is_answerable), reading in zip(chunk, read_batch(model, tokenizer, items, settings), strict=True):
            best = reading.best()
            if best is None:
                continue
            features.append(reader_features(reading, best, row.result.ranked[best]))
            labels.append(is_answerable and best in row.right)
            answerable.append(is_answerable)
    confidence = fit_logistic(features, labels, CONFIDENCE_FEATURES)
    scores = [confidence.probability(f) for f in features]
    threshold = choose_threshold(scores, answerable, answer_rate)
    answered = [s >= threshold for s in scores]
    right = [lab for lab, a, ans in zip(labels, answered, answerable, strict=True) if a and ans]
    measures = {
        "calibration_questions": float(len(features)),
        "calibration_cited_sentence": sum(lab for lab, a in zip(labels, answerable, strict=True) if a)
        / max(1, sum(answerable)),
        "calibration_right_when_answered": sum(right) / max(1, len(right)),
        "calibration_unanswerable_refused": sum(
            not x for x, a in zip(answered, answerable, strict=True) if not a
        ) / max(1, sum(not a for a in answerable)),
    }  # fmt: skip
    return ReaderConfig(settings, confidence, threshold), measures


def fit_combination(
    file: Path, squad2: Path, out: Path, seed: int = 13, progress: Progress | None = None
) -> dict[str, Any]:
    """Fit how the rankers' and the reader's scores choose the sentence, on the calibration articles.

    A conditional logit over each question's read sentences (is it one holding a gold span?),
    on the fifth of the training articles that fine-tuning did not see; written into ``out``'s
    ``reader.json``.
    """
    from qa.reader import COMBINE_FEATURES, Reader, load_config

    reader = Reader(out)
    if not reader.available():
        raise RuntimeError(reader.status())
    groups: list[Group] = []
    for path in (file, squad2):
        squad = load_squad(path)
        _, cal_ids = _calibration_split(squad, seed)
        folder = Path(".verbatim-eval") / path.stem
        live, _ = open_corpus(squad, folder / "corpus" / f"{path.stem}.jsonl", folder, None)
        questions = [q for q in squad.questions if q.article_id in cal_ids and not q.impossible]
        answerer = Answerer(live, AnswerSettings(threshold=0.0), load_models(), reader)
        tick = progress(f"{path.stem} (combination)")(len(questions), 0) if progress else None
        for question, result in zip(questions, run_questions(answerer, questions, progress=tick).results, strict=True):
            read = [s for s in result.ranked if "r_score" in s.features]
            labels = [_holds(question, s.hit.passage.article_id, s.start, s.end) for s in read]
            groups.append(Group([s.features for s in read], labels))
        live.close()
    combine = fit_ranker(groups, COMBINE_FEATURES)
    config = dataclasses.replace(load_config(out), combine=combine)
    usable = [g for g in groups if any(g.labels)]
    picked = [g.labels[max(range(len(g.labels)), key=lambda i: combine.score(g.features[i]))] for g in usable]
    reader_only = [g.labels[max(range(len(g.labels)), key=lambda i: g.features[i]["r_score"])] for g in usable]
    measures = {
        "combination_questions": len(groups),
        "combination_right_when_read": sum(picked) / max(1, len(usable)),
        "reader_alone_right_when_read": sum(reader_only) / max(1, len(usable)),
    }
    config = dataclasses.replace(config, measures={**config.measures, **measures})
    save_config(config, out)
    return {**measures, "weights": combine.weights}


def _calibration_split(squad: SquadSet, seed: int) -> tuple[set[str], set[str]]:
    """``eval fit``'s training half, and the seeded fifth of it kept out of fine-tuning."""
    train_ids, _ = split_articles(squad, seed)
    ordered = sorted(train_ids)
    random.Random(seed).shuffle(ordered)
    return train_ids, set(ordered[: max(1, len(ordered) // 5)])
