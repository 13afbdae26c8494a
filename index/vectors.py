"""Vectors of a passage and of its sentences, and their compact stored forms.

Sentence vectors come from the same forward pass as the passage vector (the passage's token
embeddings, mean-pooled over each sentence's tokens), so they cost no extra model time.
They are stored as int8 with the passage: a sentence is scored without touching the model.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from index.sentences import Span, paragraphs, sentences

Vectors = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True, eq=False)
class PassageVectors:
    """A passage's unit vector and one unit vector per sentence (spans relative to the passage).

    A sentence whose tokens fell beyond the model's input limit has a zero vector.
    """

    passage: Vectors
    spans: tuple[Span, ...]
    sentences: Vectors


def passage_sentences(text: str) -> list[Span]:
    """Sentence spans of a passage (which may hold several short paragraphs)."""
    return [span for start, end in paragraphs(text) for span in sentences(text, start, end)]


def encode_sentences(vectors: PassageVectors) -> str:
    """The sentence spans and int8 vectors as one compact string (Chroma metadata)."""
    quantized = np.clip(np.round(vectors.sentences * 127.0), -127, 127).astype(np.int8)
    payload = {"spans": [list(s) for s in vectors.spans], "v": base64.b64encode(quantized.tobytes()).decode()}
    return json.dumps(payload, separators=(",", ":"))


def decode_sentences(encoded: str, dimension: int) -> tuple[tuple[Span, ...], Vectors]:
    """Inverse of ``encode_sentences``."""
    payload = json.loads(encoded)
    spans = tuple((int(s), int(e)) for s, e in payload["spans"])
    raw = np.frombuffer(base64.b64decode(payload["v"]), dtype=np.int8).astype(np.float32) / 127.0
    matrix = raw.reshape(len(spans), dimension) if spans else np.zeros((0, dimension), np.float32)
    return spans, _unit_rows(matrix)


def _unit_rows(matrix: Vectors) -> Vectors:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.where(norms > 0, matrix / np.maximum(norms, 1e-12), 0.0).astype(np.float32)


def to_blob(vector: Vectors) -> bytes:
    """A passage vector as float16 bytes for the replica."""
    return vector.astype(np.float16).tobytes()


def from_blob(blob: bytes) -> Vectors:
    """Inverse of ``to_blob``."""
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)
