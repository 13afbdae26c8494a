"""An embedder that remembers: ``verbatim bench`` re-encodes nothing it has encoded before.

The first index of 100,000 passages takes about an hour at the model's encode rate; a rerun
of the benchmark (after a change to the store, the replica or the serving path) should not
pay it again. Entries are keyed by the model's name and the passage text's sha256, so a
different model or a changed passage is encoded afresh, and the vectors are exactly the
ones the model gave (passage vector float32, sentence vectors float16: the index keeps them
as int8 anyway).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.chunking import encoder_input
from index.embedding import Embedder
from index.vectors import PassageVectors, Vectors


class CachedEmbedder:
    """Wraps an ``Embedder``; passages found in the cache file are not encoded again.

    Args:
        inner: the real embedder (its name goes into every key and into the index).
        path: the SQLite cache file (created if missing).
    """

    def __init__(self, inner: Embedder, path: Path) -> None:
        self._inner = inner
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, spans TEXT, passage BLOB, sentences BLOB)"
        )
        self.hits = 0
        self.encoded = 0

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def embed_documents(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        return self._inner.embed_documents(texts, progress)

    def embed_query(self, text: str) -> Vectors:
        return self._inner.embed_query(text)

    def embed_passages(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
        contexts: Sequence[str] | None = None,
    ) -> list[PassageVectors]:
        """Cached vectors where the cache has them; the rest encoded by the model and stored."""
        heads = list(contexts) if contexts is not None else [""] * len(texts)
        keys = [self._key(encoder_input(h, t)) for h, t in zip(heads, texts, strict=True)]
        found = self._lookup(keys)
        if progress is not None and found:
            progress(len([k for k in keys if k in found]))
        missing = [i for i, k in enumerate(keys) if k not in found]
        fresh = (
            self._inner.embed_passages([texts[i] for i in missing], progress, [heads[i] for i in missing])
            if missing
            else []
        )
        for i, vectors in zip(missing, fresh, strict=True):
            found[keys[i]] = vectors
        self._store([(keys[i], v) for i, v in zip(missing, fresh, strict=True)])
        self.hits += len(texts) - len(missing)
        self.encoded += len(missing)
        return [found[k] for k in keys]

    def lookup(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> list[PassageVectors] | None:
        """The cached vectors of every text (with its context, as ``embed_passages`` keys them), or
        None if any is not cached (nothing is encoded)."""
        heads = list(contexts) if contexts is not None else [""] * len(texts)
        keys = [self._key(encoder_input(h, t)) for h, t in zip(heads, texts, strict=True)]
        found = self._lookup(keys)
        return [found[k] for k in keys] if all(k in found for k in keys) else None

    def close(self) -> None:
        """Close the cache file."""
        self._db.close()

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self._inner.name}\n{text}".encode()).hexdigest()

    def _lookup(self, keys: list[str]) -> dict[str, PassageVectors]:
        found: dict[str, PassageVectors] = {}
        unique = list(dict.fromkeys(keys))
        for first in range(0, len(unique), 500):
            part = unique[first : first + 500]
            rows = self._db.execute(
                f"SELECT key, spans, passage, sentences FROM vectors WHERE key IN ({','.join('?' * len(part))})", part
            ).fetchall()
            for key, spans, passage, sentences in rows:
                found[key] = _decode(spans, passage, sentences)
        return found

    def _store(self, entries: list[tuple[str, PassageVectors]]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)",
                [
                    (
                        key,
                        json.dumps([list(s) for s in v.spans]),
                        v.passage.astype(np.float32).tobytes(),
                        v.sentences.astype(np.float16).tobytes(),
                    )
                    for key, v in entries
                ],
            )


def _decode(spans: str, passage: bytes, sentences: bytes) -> PassageVectors:
    parsed = tuple((int(s), int(e)) for s, e in json.loads(spans))
    vector = np.frombuffer(passage, dtype=np.float32).copy()
    matrix = np.frombuffer(sentences, dtype=np.float16).astype(np.float32).reshape(len(parsed), len(vector))
    return PassageVectors(vector, parsed, matrix)
