"""The index as questions see it: the active generation in Chroma plus its local replica.

Other processes may write the store (a Chroma server shared by several apps); ``refresh``
notices a new generation number and brings the replica up to date, article by article.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from index.catalog import Catalog
from index.config import IndexConfig
from index.embedding import (
    DEFAULT_MODEL,
    Embedder,
    SentenceTransformerEmbedder,
    model_name,
)
from index.errors import EmptyIndexError, ReadOnlyIndexError, SettingsMismatchError, VerbatimIndexError
from index.filters import Filters
from index.generation import DenseHit, Generation
from index.lease import StoreLease
from index.localstate import LocalState
from index.lock import WriterLock
from index.remote_catalog import RemoteCatalog
from index.snapshot import Snapshot
from index.store import PASSAGE_LAYOUT, ChromaStore, IndexSettings, StoreState
from index.vectors import Vectors

_RETIRE_SECONDS = 60.0  # a replaced replica stays open this long for answers that began on it
_STALE_SECONDS = 600.0  # a replica no process has touched for this long is deleted


@dataclass(frozen=True, slots=True)
class IndexStatus:
    """What the status panel and ``/api/status`` show."""

    location: str
    articles: int
    passages: int
    settings: IndexSettings | None
    generation: int
    writing: bool
    last_report: dict[str, object] | None


class LiveIndex:
    """Opens the store and the replica; cheap to construct, nothing loads until used.

    Args:
        config: where the index is and what it should be built with.
        embedder: a ready embedder (tests share one); by default the index's own model.
        refresh_interval: at most this often (seconds) a reader checks for others' writes.
    """

    def __init__(self, config: IndexConfig, embedder: Embedder | None = None, refresh_interval: float = 1.0) -> None:
        self.config = config
        chroma_dir = None if config.chroma_url else config.index_dir / "chroma"
        self.store = ChromaStore(chroma_dir, config.chroma_url, config.collection)
        self.local = LocalState(config.index_dir / "local.sqlite")
        self._embedder = embedder
        self._refresh_interval = refresh_interval
        self._state = StoreState()
        self._catalog: Catalog | None = None
        self._generation: Generation | None = None
        self._checked = float("-inf")
        self._sync_lock = threading.Lock()
        self._retired: list[tuple[float, Catalog]] = []  # replaced replicas, closed after a grace period
        self.writing = False  # an in-process writer applies its own changes to the replica
        self.write_mutex = threading.Lock()  # one reindex at a time within this process
        self.writer_lock = WriterLock(config.index_dir / "writer.lock", "reindex")
        self.lease = StoreLease(self.store) if config.chroma_url else None  # across machines
        if config.catalog_url and not config.chroma_url:
            raise VerbatimIndexError(
                "--catalog-url reads the keyword index of another app on the same Chroma server: give --chroma-url too"
            )
        self.remote = RemoteCatalog(config.catalog_url, token=config.catalog_token) if config.catalog_url else None

    @property
    def state(self) -> StoreState:
        """The pointer record as last read."""
        return self._state

    def wanted_settings(self, dimension: int | None = None) -> IndexSettings:
        """The settings a new or rebuilt index gets: explicit options, else current, else defaults."""
        current = self._state.settings
        model = model_name(self.config.model) if self.config.model else (current.model if current else DEFAULT_MODEL)
        return IndexSettings(
            model=model,
            dimension=dimension or (current.dimension if current and current.model == model else 0),
            chunk_words=self.config.chunk_words or (current.chunk_words if current else 150),
            chunk_overlap=self.config.chunk_overlap
            if self.config.chunk_overlap is not None
            else (current.chunk_overlap if current else 1),
            layout=PASSAGE_LAYOUT,
        )

    def check_settings(self) -> None:
        """Refuse an index built with another model or chunking than the one asked for."""
        current = self._state.settings
        if current is None:
            return
        wanted = self.wanted_settings()
        differences = [
            f"{name} {getattr(current, name)!r} (asked for {getattr(wanted, name)!r})"
            for name in ("model", "chunk_words", "chunk_overlap", "layout")
            if getattr(current, name) != getattr(wanted, name)
        ]
        if differences:
            raise SettingsMismatchError(
                f"the index at {self.store.location} was built with "
                + ", ".join(differences)
                + ". Run `verbatim index --full` with the new settings to rebuild it, or drop those options"
            )

    def embedder(self) -> Embedder:
        """The index's embedding model (created on first use, loaded on first embed)."""
        if self._embedder is None:
            name = self._state.settings.model if self._state.settings else self.wanted_settings().model
            self._embedder = SentenceTransformerEmbedder(
                name, batch_size=self.config.batch_size, device=self.config.device
            )
        return self._embedder

    def refresh(self, force: bool = False) -> None:
        """Catch up with writes by other processes (throttled unless ``force``)."""
        now = time.monotonic()
        if self.writing or (not force and now - self._checked < self._refresh_interval):
            return
        self._checked = now
        state = self.store.state()
        with self._sync_lock:
            self._state = state
            if state.token is None:
                return
            if self._generation is None or self._generation.token != state.token:
                self._attach(state.token)
            self._sync(state)

    def resync(self) -> None:
        """Bring the replica in line with the store now, even during a write."""
        state = self.store.state()
        with self._sync_lock:
            self._state = state
            if state.token is not None:
                if self._generation is None or self._generation.token != state.token:
                    self._attach(state.token)
                self._sync(state)

    def _attach(self, token: str) -> None:
        generation = self.store.generation(token)
        if self.remote is not None:  # no replica here: the catalog's process keeps it
            self._generation = generation
            return
        catalog = Catalog(self.catalog_path(token))
        old = self._catalog
        self._generation, self._catalog = generation, catalog
        self._retire(old)

    def _retire(self, old: Catalog | None) -> None:
        """Close a replaced replica only after answers that began on it have finished."""
        now = time.monotonic()
        keep: list[tuple[float, Catalog]] = []
        for since, catalog in self._retired:
            if now - since > _RETIRE_SECONDS:
                catalog.close()
                for path in catalog.path.parent.glob(catalog.path.name + "*"):
                    path.unlink(missing_ok=True)
            else:
                keep.append((since, catalog))
        self._retired = keep + ([(now, old)] if old is not None else [])
        # replicas left by other or earlier processes, long unused: every reader has moved on by now
        in_use = {c.path.name for _, c in self._retired} | ({self._catalog.path.name} if self._catalog else set())
        for path in self.config.index_dir.glob("catalog-*.sqlite*"):
            name = path.name.split("-wal")[0].split("-shm")[0].split("-journal")[0]
            try:
                stale = name not in in_use and time.time() - path.stat().st_mtime > _STALE_SECONDS
            except FileNotFoundError:
                continue
            if stale:
                path.unlink(missing_ok=True)

    def catalog_path(self, token: str) -> Path:
        """The replica file of a generation."""
        return self.config.index_dir / f"catalog-{token}.sqlite"

    def _sync(self, state: StoreState) -> None:
        if self.remote is not None:
            return
        catalog, generation = self.catalog, self.generation
        if catalog.get_meta("generation") == str(state.generation):
            return
        manifest = generation.manifest()
        local = catalog.checksums()
        for article_id in local.keys() - manifest.keys():
            catalog.remove(article_id)
        changed = [i for i, entry in manifest.items() if local.get(i) != entry.checksum]
        complete = True
        for first in range(0, len(changed), 100):
            for record in generation.articles(changed[first : first + 100]):
                pairs = generation.passages_of(record.article.id, record.article.version)
                if len(pairs) != record.n_passages:
                    complete = False  # the writer moved on meanwhile; the next refresh catches up
                    continue
                catalog.apply(record, [p for p, _ in pairs], [v for _, v in pairs])
        if complete:
            catalog.regroup()
            catalog.set_meta("generation", str(state.generation))

    def adopt(self, state: StoreState, generation: Generation, catalog: Catalog) -> None:
        """Serve a generation the in-process writer has just built or moved on."""
        with self._sync_lock:
            old = self._catalog if self._catalog is not catalog else None
            self._state, self._generation, self._catalog = state, generation, catalog
            catalog.set_meta("generation", str(state.generation))
            self._retire(old)

    @property
    def catalog(self) -> Catalog:
        """The replica of the active generation."""
        if self.remote is not None:
            raise ReadOnlyIndexError(
                f"this app reads the keyword index of {self.remote.url} and keeps none of its own, so it does not "
                "write the index: reindex, upload or delete through that app (its page, its API, or `verbatim "
                "index` on its --index-dir)"
            )
        if self._catalog is None:
            raise EmptyIndexError(f"nothing is indexed at {self.store.location} yet; run `verbatim index PATH`")
        return self._catalog

    @property
    def generation(self) -> Generation:
        """The collections of the active generation."""
        if self._generation is None:
            raise EmptyIndexError(f"nothing is indexed at {self.store.location} yet; run `verbatim index PATH`")
        return self._generation

    @contextmanager
    def reading(self) -> Iterator[Snapshot]:
        """One consistent view of the replica, after catching up with other writers."""
        self.refresh()
        if self.remote is not None:
            self.generation  # noqa: B018 - nothing indexed yet: say so, as a local replica would
            with self.remote.snapshot() as remote:
                yield remote
            return
        with self.catalog.snapshot() as snapshot:
            yield snapshot

    def dense(self, vector: Vectors, k: int, filters: Filters | None = None) -> list[DenseHit]:
        """Nearest passages in the vector store (may include versions not yet or no longer live)."""
        return self.generation.query(vector, k, filters)

    def status(self) -> IndexStatus:
        """Counts, settings and the last reindex report."""
        self.refresh()
        if self.remote is not None:
            stats = self.remote.stats() if self._generation is not None else None
        else:
            stats = self._catalog.stats() if self._catalog is not None else None
        return IndexStatus(
            location=self.store.location,
            articles=stats.articles if stats else 0,
            passages=stats.passages if stats else 0,
            settings=self._state.settings,
            generation=self._state.generation,
            writing=self.writing,
            last_report=self.local.last_report(),
        )

    def close(self) -> None:
        """Release files."""
        if self._catalog is not None:
            self._catalog.close()
        for _, catalog in self._retired:
            catalog.close()
        if self.remote is not None:
            self.remote.close()
        self.local.close()
