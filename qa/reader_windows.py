"""The reader's windows: which candidate sentences each reading packs, and each sentence's best
span, read back out of the start and end scores.

A question is read as one or more contexts ("windows", ``ReaderSettings.passes``): the first packs
the rankers' best sentences that fit in ``max_length`` tokens, in article order; each next one the
best that the ones before had no room for. Trained with shared normalisation, the span scores of
separate windows compare, so ``merge`` keeps each sentence's score from the window that read it.
No model here: ``qa.reader`` runs the model on what this module packs.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qa.models import Features


@dataclass(frozen=True, slots=True)
class ReaderSettings:
    """How much the reader reads.

    Attributes:
        max_length: tokens in one pass: [CLS] question [SEP] context [SEP].
        max_question_tokens: longer questions are cut to this many tokens.
        max_answer_tokens: longest short answer, in tokens.
        candidates: how many of the ranker's best sentences may be packed in one pass.
        passes: how many contexts are read per question (in one batch): the second packs the
            best candidates the first had no room for, and so on.
    """

    max_length: int = 192
    max_question_tokens: int = 48
    max_answer_tokens: int = 30
    candidates: int = 12
    passes: int = 1

    @property
    def read_at_most(self) -> int:
        """Candidates considered over all passes."""
        return self.candidates * self.passes


@dataclass(frozen=True, slots=True)
class Packed:
    """The context the reader sees: some of the candidate sentences, in reading order."""

    question: str
    context: str
    pieces: tuple[tuple[int, int], ...]  # each packed sentence's characters in ``context``
    chosen: tuple[int, ...]  # which candidate each piece is


@dataclass(frozen=True, slots=True)
class Reading:
    """What the reader made of one question.

    ``scores[i]`` is candidate ``i``'s best span score (start + end logit), or None when it
    was not packed; ``spans[i]`` that span in the sentence's own characters. ``null`` is the
    no-answer score.
    """

    null: float
    scores: tuple[float | None, ...]
    spans: tuple[tuple[int, int] | None, ...]
    shares: tuple[float | None, ...] = ()  # log share of the context's span mass (and no-answer's) in each candidate

    def best(self) -> int | None:
        """The candidate holding the best span."""
        read = [(s, i) for i, s in enumerate(self.scores) if s is not None]
        return max(read)[1] if read else None

    def features(self, index: int) -> Features:
        """The reader's evidence for candidate ``index``, for the confidence model."""
        score = self.scores[index]
        assert score is not None
        others = [s for i, s in enumerate(self.scores) if s is not None and i != index]
        runner_up = max(others, default=self.null)
        share = self.shares[index] if self.shares else None
        return {
            "r_margin": score - self.null,
            "r_gap": score - max(runner_up, self.null),
            "r_score": score,
            "r_null": self.null,
            "r_share": share if share is not None else 0.0,
        }


def pack(
    tokenizer: Any,
    question: str,
    texts: Sequence[str],
    order: Sequence[tuple[int, int]],
    settings: ReaderSettings,
    skip: frozenset[int] = frozenset(),
) -> Packed:
    """Fill the context with the best candidates that fit (``texts`` come best first), in ``order``.

    ``order`` is each candidate's place in the articles (passage rank, sentence index), so
    neighbouring sentences read as they were written. Candidates in ``skip`` (read in an
    earlier pass) are left out.
    """
    q_tokens = min(len(tokenizer(question, add_special_tokens=False)["input_ids"]), settings.max_question_tokens)
    budget = settings.max_length - q_tokens - 3
    considered = [i for i in range(len(texts)) if i not in skip][: settings.candidates]
    sizes = tokenizer([texts[i] for i in considered], add_special_tokens=False)["input_ids"] if considered else []
    lengths = dict(zip(considered, sizes, strict=True))
    chosen: list[int] = []
    for i in considered:
        size = len(lengths[i])
        if size <= budget:
            chosen.append(i)
            budget -= size
        elif not chosen:
            chosen.append(i)  # a single overlong sentence: read what fits of it
            break
    chosen.sort(key=lambda i: order[i])
    pieces: list[tuple[int, int]] = []
    context = ""
    for i in chosen:
        if context:
            context += " "
        pieces.append((len(context), len(context) + len(texts[i])))
        context += texts[i]
    return Packed(question, context, tuple(pieces), tuple(chosen))


def encode(tokenizer: Any, packs: Sequence[Packed], settings: ReaderSettings) -> dict[str, Any]:
    """Tokenise question/context pairs, with offsets and which tokens are context."""
    questions = [_cut_question(tokenizer, p.question, settings) for p in packs]
    batch = tokenizer(
        questions,
        [p.context for p in packs],
        truncation="only_second",
        max_length=settings.max_length,
        padding=True,
        return_offsets_mapping=True,
        return_tensors="np",
    )
    context_mask = np.array(
        [[sid == 1 for sid in batch.sequence_ids(i)] for i in range(len(packs))],
        dtype=bool,
    )
    return {"batch": batch, "context_mask": context_mask}


def _cut_question(tokenizer: Any, question: str, settings: ReaderSettings) -> str:
    ids = tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
    if len(ids["input_ids"]) <= settings.max_question_tokens:
        return question
    return question[: ids["offset_mapping"][settings.max_question_tokens - 1][1]]


def spans_of(
    packed: Packed,
    start: np.ndarray[Any, Any],
    end: np.ndarray[Any, Any],
    offsets: np.ndarray[Any, Any],
    context_mask: np.ndarray[Any, Any],
    candidates: int,
    max_answer_tokens: int,
) -> Reading:
    """Each packed sentence's best span from one sequence's start and end scores."""
    scores: list[float | None] = [None] * candidates
    spans: list[tuple[int, int] | None] = [None] * candidates
    masses: list[float | None] = [None] * candidates
    starts = [a for a, _ in packed.pieces]
    owner = np.full(len(start), -1)
    for t in np.flatnonzero(context_mask):
        a, b = offsets[t]
        if b > a:
            piece = bisect.bisect_right(starts, int(a)) - 1
            if piece >= 0 and a < packed.pieces[piece][1]:
                owner[t] = piece
    for piece, (a, _) in enumerate(packed.pieces):
        tokens = np.flatnonzero(owner == piece)
        if len(tokens) == 0:
            continue
        s, e = start[tokens], end[tokens]
        grid = s[:, None] + e[None, :]
        gap = np.arange(len(tokens))[None, :] - np.arange(len(tokens))[:, None]
        mask = (gap >= 0) & (gap < max_answer_tokens)
        grid = np.where(mask, grid, -np.inf)
        i, j = np.unravel_index(int(np.argmax(grid)), grid.shape)
        candidate = packed.chosen[piece]
        scores[candidate] = float(grid[i, j])
        spans[candidate] = (int(offsets[tokens[i]][0]) - a, int(offsets[tokens[j]][1]) - a)
        masses[candidate] = float(np.logaddexp.reduce(grid[mask]))
    null = float(start[0] + end[0])
    total = float(np.logaddexp.reduce([null, *(m for m in masses if m is not None)]))
    shares = tuple(m - total if m is not None else None for m in masses)
    return Reading(null, tuple(scores), tuple(spans), shares)


def merge(readings: Sequence[Reading]) -> Reading:
    """One reading of several passes: each candidate's scores from the pass that read it; the no-answer
    score is the passes' together (log-sum-exp), as the shared normalisation trains it."""
    first = readings[0]
    scores, spans, shares = list(first.scores), list(first.spans), list(first.shares)
    for more in readings[1:]:
        for i, score in enumerate(more.scores):
            if score is not None and scores[i] is None:
                scores[i], spans[i], shares[i] = score, more.spans[i], more.shares[i]
    null = float(np.logaddexp.reduce([r.null for r in readings]))
    return Reading(null, tuple(scores), tuple(spans), tuple(shares))
