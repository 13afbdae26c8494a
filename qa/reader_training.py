"""Fine-tuning the reader: examples from the answerer's own ranked sentences, and the training loop.

An example is what the reader sees at answer time (a question and the ranker's candidate
sentences, best first, with their places in the articles) plus where the answer is: a
candidate and a character span inside it, or nowhere (no-answer, at ``[CLS]``). During
training the gold sentence is put among the candidates for most answerable questions (as if
retrieval had found it); the rest stay as retrieval left them, so the reader also learns to
say "not here" when the answer is missing. Torch is imported lazily.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qa.reader import Packed, ReaderSettings, encode, pack

Order = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Example:
    """One question as the reader reads it, with its answer (candidate, start, end) or None."""

    question: str
    texts: tuple[str, ...]
    order: tuple[Order, ...]
    answer: tuple[int, int, int] | None


@dataclass(frozen=True, slots=True)
class TrainSettings:
    """The training run's knobs (defaults are the shipped run's)."""

    epochs: float = 1.5
    batch_size: int = 16
    learning_rate: float = 1e-4
    warmup: float = 0.1
    weight_decay: float = 0.01
    seed: int = 0


def with_gold(
    question: str,
    texts: Sequence[str],
    order: Sequence[Order],
    gold: tuple[str, int, int, Order] | None,
    gold_at: int | None,
    force: bool,
    rng: random.Random,
    settings: ReaderSettings,
) -> Example:
    """An example from the ranker's candidates; ``gold`` is (sentence, start, end, order), ``gold_at`` its index."""
    texts = list(texts[: settings.candidates])
    order = list(order[: settings.candidates])
    if gold is None:
        return Example(question, tuple(texts), tuple(order), None)
    sentence, start, end, place = gold
    if gold_at is not None and gold_at < len(texts):
        return Example(question, tuple(texts), tuple(order), (gold_at, start, end))
    if not force:
        return Example(question, tuple(texts), tuple(order), None)
    at = rng.randrange(0, min(len(texts), 4) + 1)  # among the best few, so it is packed
    texts.insert(at, sentence)
    order.insert(at, place)
    return Example(question, tuple(texts[: settings.candidates]), tuple(order[: settings.candidates]), (at, start, end))


def token_labels(
    packed: Packed, answer: tuple[int, int, int] | None, offsets: Any, context_mask: Any
) -> tuple[int, int]:
    """The answer's first and last token in the encoded pair, or (0, 0) for no answer."""
    if answer is None or answer[0] not in packed.chosen:
        return 0, 0
    piece = packed.chosen.index(answer[0])
    base = packed.pieces[piece][0]
    start, end = base + answer[1], base + answer[2]
    first = last = None
    for t in np.flatnonzero(context_mask):
        a, b = int(offsets[t][0]), int(offsets[t][1])
        if b <= a:
            continue
        if first is None and b > start:
            first = t
        if a < end:
            last = t
    if first is None or last is None or last < first or int(offsets[first][0]) > start + 1:
        return 0, 0  # the answer was cut off by truncation
    return int(first), int(last)


def train(
    model: Any,
    tokenizer: Any,
    examples: Sequence[Example],
    settings: ReaderSettings,
    train_settings: TrainSettings,
    log: Callable[[str], None] = print,
) -> dict[str, float]:
    """Fine-tune ``model`` in place; the word embeddings stay frozen."""
    import torch

    torch.manual_seed(train_settings.seed)
    rng = random.Random(train_settings.seed)
    for name, parameter in model.named_parameters():
        parameter.requires_grad = name != "bert.embeddings.word_embeddings.weight"
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim > 1]
    flat = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim <= 1]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": train_settings.weight_decay}, {"params": flat, "weight_decay": 0.0}],
        lr=train_settings.learning_rate,
    )
    order = list(range(len(examples)))
    batches: list[list[int]] = []
    for epoch in range(math.ceil(train_settings.epochs)):
        rng.shuffle(order)
        share = min(1.0, train_settings.epochs - epoch)
        chunk = order[: int(len(order) * share)]
        batches += [chunk[i : i + train_settings.batch_size] for i in range(0, len(chunk), train_settings.batch_size)]
    total = len(batches)
    warm = max(1, int(total * train_settings.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warm, max(0.0, (total - step) / max(1, total - warm)))
    )
    model.train()
    started = time.perf_counter()
    running = 0.0
    for step, batch in enumerate(batches):
        chosen = [examples[i] for i in batch]
        packs = [pack(tokenizer, e.question, e.texts, e.order, settings) for e in chosen]
        encoded = encode(tokenizer, packs, settings)
        tokens = encoded["batch"]
        labels = [
            token_labels(p, e.answer, tokens["offset_mapping"][i], encoded["context_mask"][i])
            for i, (p, e) in enumerate(zip(packs, chosen, strict=True))
        ]
        out = model(
            input_ids=torch.as_tensor(tokens["input_ids"]),
            attention_mask=torch.as_tensor(tokens["attention_mask"]),
            token_type_ids=torch.as_tensor(tokens["token_type_ids"]),
            start_positions=torch.tensor([a for a, _ in labels]),
            end_positions=torch.tensor([b for _, b in labels]),
        )
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        loss = float(out.loss.item())
        running = 0.98 * running + 0.02 * loss if step else loss
        if step % 50 == 0 or step == total - 1:
            elapsed = time.perf_counter() - started
            eta = elapsed / (step + 1) * (total - step - 1)
            log(f"step {step + 1}/{total}  loss {running:.3f}  {elapsed / 60:.1f} min, about {eta / 60:.1f} min left")
    model.eval()
    return {"steps": float(total), "loss": running, "minutes": (time.perf_counter() - started) / 60}
