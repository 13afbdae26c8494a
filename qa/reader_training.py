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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from qa.reader_windows import Packed, ReaderSettings, encode, pack

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

    epochs: float = 1.0
    batch_size: int = 16
    learning_rate: float = 1e-4
    warmup: float = 0.1
    weight_decay: float = 0.01
    seed: int = 0
    lengths: tuple[int, ...] = (128, 160, 192)  # each batch is packed to one of these (tokens)
    save_every: int = 100
    stop_after: int | None = None  # end after this many steps (resume later); None: run to the end
    windows: int = 1  # contexts per question; above 1, scores are normalised over all of them together
    bf16: bool = False  # matrix products in bfloat16 (autocast; the weights and the optimiser stay fp32)


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
    checkpoint: Path | None = None,
    resume: bool = False,
    fresh_head: bool = True,
) -> dict[str, float]:
    """Fine-tune ``model`` in place; the word embeddings stay frozen.

    ``fresh_head`` draws the answer head from the seed (the model is the base); without it the
    model's own head is kept (a further stage over a trained reader).

    Each batch is packed to one of ``train_settings.lengths`` tokens (seeded), so the reader
    learns short and full contexts. With ``checkpoint``, the model, optimiser, schedule and
    step are saved there every ``train_settings.save_every`` steps; ``resume`` continues from
    the last one (the batch order is a function of the seed, so the run is the same run).
    """
    import torch

    torch.manual_seed(train_settings.seed)
    if fresh_head:
        model._init_weights(model.qa_outputs)  # the new head starts from the seed too (the rest is the base model)
    rng = random.Random(train_settings.seed)
    for name, parameter in model.named_parameters():
        parameter.requires_grad = name != "bert.embeddings.word_embeddings.weight"
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim > 1]
    flat = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim <= 1]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": train_settings.weight_decay}, {"params": flat, "weight_decay": 0.0}],
        lr=train_settings.learning_rate,
    )
    batches = _batches(len(examples), train_settings, rng)
    lengths = [rng.choice(train_settings.lengths) for _ in batches]
    total = len(batches)
    warm = max(1, int(total * train_settings.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warm, max(0.0, (total - step) / max(1, total - warm)))
    )
    first, running, spent = 0, 0.0, 0.0
    if resume and checkpoint is not None and (checkpoint / _STATE).exists():
        state = torch.load(checkpoint / _STATE, weights_only=False)
        model.load_state_dict(state["model"], strict=False)
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        first, running, spent = int(state["step"]), float(state["loss"]), float(state["seconds"])
        if "rng" in state:
            torch.set_rng_state(state["rng"])  # dropout continues as if never interrupted
        log(f"resumed at step {first}/{total} ({spent / 60:.1f} min already spent)")
    model.train()
    device = next(model.parameters()).device
    started = time.perf_counter() - spent
    last = total if train_settings.stop_after is None else min(total, train_settings.stop_after)
    for step in range(first, last):
        chosen = [examples[i] for i in batches[step]]
        read_as = replace(settings, max_length=lengths[step])
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=train_settings.bf16):
            if train_settings.windows > 1:
                loss = _shared_step(model, tokenizer, chosen, read_as, train_settings.windows)
            else:
                loss = _step(model, tokenizer, chosen, read_as)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        running = 0.98 * running + 0.02 * loss if step else loss
        done = step + 1
        if checkpoint is not None and (done % train_settings.save_every == 0 or done in (total, last)):
            _save(checkpoint, model, optimizer, schedule, done, running, time.perf_counter() - started)
        if step % 50 == 0 or done == total:
            elapsed = time.perf_counter() - started
            eta = (elapsed - spent) / max(1, done - first) * (total - done)
            log(f"step {done}/{total}  loss {running:.3f}  {elapsed / 60:.1f} min, about {eta / 60:.1f} min left")
    model.eval()
    return {"steps": float(last), "loss": running, "minutes": (time.perf_counter() - started) / 60}


_STATE = "training-state.pt"


def _batches(count: int, train_settings: TrainSettings, rng: random.Random) -> list[list[int]]:
    order = list(range(count))
    batches: list[list[int]] = []
    for epoch in range(math.ceil(train_settings.epochs)):
        rng.shuffle(order)
        share = min(1.0, train_settings.epochs - epoch)
        chunk = order[: int(len(order) * share)]
        batches += [chunk[i : i + train_settings.batch_size] for i in range(0, len(chunk), train_settings.batch_size)]
    return batches


def _step(model: Any, tokenizer: Any, chosen: Sequence[Example], settings: ReaderSettings) -> float:
    """One forward and backward pass over a batch; returns its loss."""
    import torch

    packs = [pack(tokenizer, e.question, e.texts, e.order, settings) for e in chosen]
    encoded = encode(tokenizer, packs, settings)
    tokens = encoded["batch"]
    labels = [
        token_labels(p, e.answer, tokens["offset_mapping"][i], encoded["context_mask"][i])
        for i, (p, e) in enumerate(zip(packs, chosen, strict=True))
    ]
    device = next(model.parameters()).device
    out = model(
        input_ids=torch.as_tensor(tokens["input_ids"], device=device),
        attention_mask=torch.as_tensor(tokens["attention_mask"], device=device),
        token_type_ids=torch.as_tensor(tokens["token_type_ids"], device=device),
        start_positions=torch.tensor([a for a, _ in labels], device=device),
        end_positions=torch.tensor([b for _, b in labels], device=device),
    )
    out.loss.backward()
    return float(out.loss.item())


def windows_of(tokenizer: Any, example: Example, settings: ReaderSettings, windows: int) -> list[Packed]:
    """The contexts one question is read as: the first packs the best candidates that fit, each next one
    the best that the ones before it had no room for (as ``qa.reader.read_batch`` reads with passes)."""
    packs: list[Packed] = []
    done: frozenset[int] = frozenset()
    for _ in range(windows):
        packed = pack(tokenizer, example.question, example.texts, example.order, settings, done)
        if not packed.chosen:
            break
        packs.append(packed)
        done |= frozenset(packed.chosen)
    return packs


def _shared_step(
    model: Any, tokenizer: Any, chosen: Sequence[Example], settings: ReaderSettings, windows: int
) -> float:
    """Shared normalisation (Clark and Gardner, 2018): each question is read as several contexts, and
    its start and end softmaxes run over the context tokens of all of them together, with the
    no-answer option as the mass at their ``[CLS]`` tokens. A span score then means the same in every
    context, so spans read in separate contexts compare at answer time."""
    import torch

    packs: list[Packed] = []
    owners: list[int] = []
    for number, example in enumerate(chosen):
        for packed in windows_of(tokenizer, example, settings, windows):
            packs.append(packed)
            owners.append(number)
    encoded = encode(tokenizer, packs, settings)
    tokens = encoded["batch"]
    labels = [
        token_labels(p, chosen[owners[i]].answer, tokens["offset_mapping"][i], encoded["context_mask"][i])
        for i, p in enumerate(packs)
    ]
    device = next(model.parameters()).device
    out = model(
        input_ids=torch.as_tensor(tokens["input_ids"], device=device),
        attention_mask=torch.as_tensor(tokens["attention_mask"], device=device),
        token_type_ids=torch.as_tensor(tokens["token_type_ids"], device=device),
    )
    allowed = torch.as_tensor(encoded["context_mask"], device=device)
    allowed[:, 0] = True  # [CLS]: the no-answer option
    starts = out.start_logits.masked_fill(~allowed, float("-inf"))
    ends = out.end_logits.masked_fill(~allowed, float("-inf"))
    width = starts.shape[1]
    losses = []
    for number in range(len(chosen)):
        rows = [i for i, owner in enumerate(owners) if owner == number]
        s = torch.log_softmax(starts[rows].reshape(-1), dim=0)
        e = torch.log_softmax(ends[rows].reshape(-1), dim=0)
        gold = [(k, labels[i]) for k, i in enumerate(rows) if labels[i] != (0, 0)]
        if gold:
            k, (a, b) = gold[0]
            losses.append(-(s[k * width + a] + e[k * width + b]) / 2)
        else:
            nulls = torch.tensor([k * width for k in range(len(rows))], device=device)
            losses.append(-(torch.logsumexp(s[nulls], 0) + torch.logsumexp(e[nulls], 0)) / 2)
    loss = torch.stack(losses).mean()
    loss.backward()  # type: ignore[no-untyped-call]
    return float(loss.item())


def _save(folder: Path, model: Any, optimizer: Any, schedule: Any, step: int, loss: float, seconds: float) -> None:
    """The training state, written whole before it replaces the last one (an interrupted save loses nothing)."""
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    trainable = {k: v for k, v in model.state_dict().items() if k != "bert.embeddings.word_embeddings.weight"}
    state = {
        "model": trainable, "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
        "step": step, "loss": loss, "seconds": seconds, "rng": torch.get_rng_state(),
    }  # fmt: skip
    partial = folder / (_STATE + ".partial")
    torch.save(state, partial)
    partial.replace(folder / _STATE)
