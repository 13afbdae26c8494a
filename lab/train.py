"""``verbatim train reader``: fine-tune the reader on SQuAD train, calibrate it, ship it.

The examples come from the SQuAD files directly (``qa.reader_examples``): SQuAD v1.1 train's
articles except 48 calibration articles (those ``eval fit --articles 48`` samples), and the
SQuAD 2.0 file's training half except its seeded fifth; the held-out half of that file and the
whole SQuAD v1.1 dev file are never seen. The news sets are never used. After fine-tuning, the
combination, confidence and threshold are fitted on the calibration articles
(``lab.reader_calibration``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from index.device import gpu_name, resolve_device
from lab.fit import News
from lab.reader_split import reader_split
from qa.reader import WEIGHTS_FILE, base_model_folder, build_model, load_tokenizer, save_weights
from qa.reader_examples import ArticleSentences, Mix, build_examples
from qa.reader_training import Example, TrainSettings, train
from qa.reader_windows import ReaderSettings
from qa.squad import GoldQuestion, load_squad, sample

Progress = Callable[[str], Callable[[int, int], Callable[[int], None]]]


def training_examples(
    file: Path,
    squad2: Path,
    count: int | None,
    seed: int,
    split_seed: int = 13,
    mix: Mix | None = None,
    after: Sequence[tuple[int, int]] = (),
) -> list[Example]:
    """The seeded examples: ``count`` SQuAD train questions of the training articles, and every
    question of the SQuAD 2.0 file's training articles (its unanswerable ones among them).

    With ``after`` (the earlier stages' ``(count, seed)``, in order), the SQuAD train questions are
    drawn from those the earlier stages' samples did not pick, so a further stage reads new questions.
    """
    squad, second = load_squad(file), load_squad(squad2)
    train_ids, _, train2, _ = reader_split(squad, second, split_seed)
    rng = random.Random(seed)
    examples: list[Example] = []
    for data, ids, limit in ((squad, train_ids, count), (second, train2, None)):
        articles = {a.id: ArticleSentences(a) for a in data.articles if a.id in ids}
        pool = [q for q in data.questions if q.article_id in ids]
        questions = sample(unseen(pool, after) if data is squad else pool, limit, seed)
        examples += build_examples(articles, questions, rng, mix)
    rng.shuffle(examples)
    return [e for e in examples if e.texts]


def unseen(pool: Sequence[GoldQuestion], stages: Sequence[tuple[int, int]]) -> list[GoldQuestion]:
    """The questions of ``pool`` that earlier stages did not pick: each stage ``(count, seed)`` drew
    its seeded sample of ``count`` from what the stages before it had left."""
    left = list(pool)
    for count, seed in stages:
        if count:
            seen = {q.id for q in sample(left, count, seed)}
            left = [q for q in left if q.id not in seen]
    return left


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
    news: Sequence[News] = (),
    init: Path | None = None,
    after: Sequence[tuple[int, int]] = (),
    mix: Mix | None = None,
    news_weight: float = 1.0,
    device: str = "auto",
    calibrate: bool = True,
) -> dict[str, Any]:
    """Build the examples from the SQuAD files, fine-tune (checkpointed), write the weights to
    ``out``, then fit the reader's combination, confidence and threshold on the calibration articles.

    ``init`` starts from a trained reader's folder instead of the base model (a further stage);
    ``after`` names the earlier stages' samples ``(count, seed)``, whose questions are then left out;
    ``mix`` says how the examples are drawn (``Mix()``'s shares by default); ``device``: where it trains
    and the calibration reads (``auto``: the GPU when torch finds one); without ``calibrate`` only the weights
    are written (a stage that a later one continues with ``init``)."""
    import time

    train_settings = train_settings or TrainSettings()
    settings = settings or ReaderSettings()
    checkpoint = checkpoint or Path(".verbatim-train") / "reader"
    started = time.perf_counter()
    built = training_examples(file, squad2, examples, train_settings.seed, split_seed, mix=mix, after=after)
    log(
        f"{len(built)} training examples ({sum(e.answer is not None for e in built)} with an answer) "
        f"in {time.perf_counter() - started:.0f} s; training on {_hardware(device)}"
    )
    base = base_model_folder()
    tokenizer = load_tokenizer(base)
    model = build_model(base, init / WEIGHTS_FILE if init is not None else None)
    model = model.to(resolve_device(device))
    run = train(model, tokenizer, built, settings, train_settings, log, checkpoint, resume, fresh_head=init is None)
    model = model.to("cpu")
    out.mkdir(parents=True, exist_ok=True)
    save_weights(model, out / WEIGHTS_FILE)
    earlier = " then ".join(f"{count} (seed {seed})" for count, seed in after)
    stage = (
        f", from {init}" + (f" over the questions left by the samples of {earlier}" if after else "") if init else ""
    )
    if mix is not None and mix != Mix():
        stage += f", example mix {mix}"
    if train_settings.windows > 1:
        stage += f", {train_settings.windows} contexts per question with shared normalisation"
    if train_settings.bf16:
        stage += ", bfloat16 autocast"
    note = (
        f"trained {dt.date.today().isoformat()} by `verbatim train reader` on {file.name} and {squad2.name} "
        f"({len(built)} examples, article split seed {split_seed}, training seed {train_settings.seed}{stage}) "
        f"on {_hardware(device)}"
    )
    measures = {**run, "examples": len(built), "examples_with_answer": sum(e.answer is not None for e in built)}
    if not calibrate:
        log(f"weights written to {out / WEIGHTS_FILE}; not calibrated (continue with --init {out})")
        return {"out": str(out), "note": note, **measures}
    from lab.reader_calibration import calibrate_reader  # imported late: the last step of a long run

    passes = train_settings.windows if train_settings.windows > 1 else None  # read as it was trained

    report = calibrate_reader(file, squad2, out, split_seed, answer_rate, progress, note=note, news=news,
                              news_weight=news_weight, passes=passes, device=device, measures=measures)  # fmt: skip
    return {"out": str(out), **report}


def _hardware(device: str) -> str:
    import os

    import torch

    name = gpu_name(resolve_device(device))
    if name is not None:
        return f"GPU {name}"
    return f"CPU, {torch.get_num_threads()} threads of {os.cpu_count()} cores"
