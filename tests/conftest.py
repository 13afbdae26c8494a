"""Shared fixtures: the real packaged model (loaded once), real Chroma in tmp_path."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from index.config import IndexConfig
from index.embedding import SentenceTransformerEmbedder
from index.live import LiveIndex

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The packaged MiniLM, loaded once for the whole run."""
    model = SentenceTransformerEmbedder()
    model.warm_up()
    return model


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A private copy of seeds/ that a test may edit."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


LiveFactory = Callable[..., LiveIndex]


@pytest.fixture
def make_live(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> Iterator[LiveFactory]:
    """Open (and later close) LiveIndex objects on an index folder in tmp_path."""
    opened: list[LiveIndex] = []

    def factory(index_dir: Path | None = None, **config: object) -> LiveIndex:
        folder = index_dir or tmp_path / "index"
        live = LiveIndex(IndexConfig(index_dir=folder, **config), embedder=embedder)  # type: ignore[arg-type]
        opened.append(live)
        return live

    yield factory
    for live in opened:
        live.close()


@pytest.fixture(scope="module")
def seeds_live(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Iterator[LiveIndex]:
    """The seeds indexed once per test module (read-only use)."""
    from index.reindex import Reindexer

    live = LiveIndex(IndexConfig(index_dir=tmp_path_factory.mktemp("seeds-index")), embedder=embedder)
    Reindexer(live).run([SEEDS])
    yield live
    live.close()
