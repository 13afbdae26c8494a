"""Shared fixtures: the real packaged model (loaded once), real Chroma in tmp_path."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from index.config import IndexConfig
from index.embedding import SentenceTransformerEmbedder
from index.live import LiveIndex
from lab.chroma_server import free_port, start_chroma, stop_process

if TYPE_CHECKING:
    from tests.site import Site

# Under pytest-xdist every worker (and every server a test starts) runs torch at once: with
# torch's default of one thread per core they oversubscribe the cores, and OpenMP's threads wait
# on each other (measured: the 300 seed refusals of test_quality took 119 s with 2 threads beside
# another busy process, 40 s with 1). One thread each keeps the cores busy with useful work.
# (torch is first imported later, by index.embedding's model load, and reads it then.)
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SLICE = REPO / "tests" / "data" / "squad-slice.json"  # the quality gate's SQuAD slice


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


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server on loopback for the whole run."""
    port = free_port()
    process = start_chroma(tmp_path_factory.mktemp("chroma-server") / "data", port)
    yield f"http://127.0.0.1:{port}"
    stop_process(process)


@pytest.fixture
def backend() -> str | None:
    """Where vectors live: None for embedded Chroma. Test modules override this to add the server."""
    return None


def both_backends(request: pytest.FixtureRequest) -> str | None:
    """For a parametrized ``backend`` override: embedded, or the Chroma server."""
    return None if request.param == "embedded" else str(request.getfixturevalue("chroma_server"))


@pytest.fixture
def make_live(tmp_path: Path, embedder: SentenceTransformerEmbedder, backend: str | None) -> Iterator[LiveFactory]:
    """Open (and later close) LiveIndex objects on an index folder in tmp_path (and the backend)."""
    opened: list[LiveIndex] = []
    prefix = f"t{uuid.uuid4().hex[:12]}"  # this test's own collections on a shared server

    def factory(index_dir: Path | None = None, **config: object) -> LiveIndex:
        folder = index_dir or tmp_path / "index"
        options = {"chroma_url": backend, "collection": prefix, **config} if backend else config
        live = LiveIndex(IndexConfig(index_dir=folder, **options), embedder=embedder)  # type: ignore[arg-type]
        opened.append(live)
        return live

    yield factory
    for live in opened:
        live.close()


def indexed_once(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder, corpus: Path, name: str
) -> Iterator[LiveIndex]:
    """``corpus`` indexed into a fresh folder, open until the fixture that yields from this ends."""
    from index.reindex import Reindexer

    live = LiveIndex(IndexConfig(index_dir=tmp_path_factory.mktemp(name)), embedder=embedder)
    Reindexer(live).run([corpus])
    yield live
    live.close()


@pytest.fixture(scope="module")
def seeds_live(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Iterator[LiveIndex]:
    """The seeds indexed once per test module (read-only use)."""
    yield from indexed_once(tmp_path_factory, embedder, SEEDS, "seeds-index")


@pytest.fixture
def site() -> Iterator[Site]:
    """A small news site on 127.0.0.1 (tests/site.py) for the fetching tests."""
    from tests.site import Site

    running = Site().start()
    yield running
    running.stop()
