"""Settings of the index package, gathered in one place; entry points fill them in."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from index.formats import Columns
from index.sources import DEFAULT_MAX_FILE_MB


@dataclass(frozen=True, slots=True)
class IndexConfig:
    """Where the index lives and how it is built.

    ``model``, ``chunk_words`` and ``chunk_overlap`` left as None mean: what the existing
    index was built with, or the defaults for a new one. Given explicitly and different
    from an existing index, they are an error until ``verbatim index --full``.
    """

    index_dir: Path = Path(".verbatim")
    chroma_url: str | None = None
    catalog_url: str | None = None  # read the keyword index of the `verbatim serve` there; keep none here
    catalog_token: str | None = field(default=None, repr=False)  # that server's admin (or read) token
    collection: str = "verbatim"
    model: str | None = None
    chunk_words: int | None = None
    chunk_overlap: int | None = None
    max_file_mb: float = DEFAULT_MAX_FILE_MB
    batch_size: int | None = None  # passages per encoder batch; None: 32 on the CPU, 256 on a GPU
    device: str = "auto"  # where the encoder and the reader run: "auto" (the GPU when there is one), "cpu", "cuda"
    columns: Columns = ()  # a table's columns mapped by the user (``--columns``), recorded for the paths indexed
