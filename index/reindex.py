"""Bring the index in line with the files: incremental by default, a fresh build on demand.

Per article the order is: write the new version's passages, commit the manifest record,
swap the replica in one transaction, then delete the old version's passages. The articles of
one commit (about 256 passages) take these steps together: all their passages, then all their
records in one request, then each one's replica and cleanup. A crash at any point leaves at worst
unreferenced passages, which the next run sweeps away.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from index.article import Article
from index.catalog import Catalog
from index.changes import changed_sentences
from index.chunking import ChunkSettings, Passage, chunk
from index.device import batch_size_for, resolve_device
from index.errors import EmptyIndexError
from index.formats import Columns
from index.generation import ArticleRecord, Generation, ManifestEntry
from index.live import LiveIndex
from index.planning import ColumnLookup, Plan, Target, corpus_relative, in_scope, make_plan, resolve_targets
from index.report import Counts, IndexReport, Progress, count_written, make_report
from index.store import IndexSettings, StoreState

__all__ = ["IndexReport", "Progress", "Reindexer", "release_freed_memory"]

_BATCHES_PER_COMMIT = 8  # embedding batches between two published generations


class Reindexer:
    """Runs reindexes against a ``LiveIndex``; one at a time per index, across processes.

    Args:
        live: the index to update; its readers see each article switch atomically.
        on_wait: told who holds the writer lock if this run has to wait for it.
        checkpoint: called with the name of each step of the write protocol as it completes
            ("passages", "commit", "replica", "cleanup", "removed", "publish", "switch"), once per
            article for the first four (a commit's passages and records are written together, so
            their steps complete together); the crash tests use it to kill the process at an exact point.
    """

    def __init__(
        self,
        live: LiveIndex,
        on_wait: Callable[[dict[str, object]], None] | None = None,
        checkpoint: Callable[[str], None] | None = None,
    ) -> None:
        self.live = live
        self._on_wait = on_wait
        self._step = checkpoint or (lambda _: None)

    def targets(self, paths: Sequence[Path] | None) -> list[Target]:
        """The scanned paths: those given, else every corpus root indexed before."""
        roots = self.live.local.roots()
        if not paths:
            if not roots:
                raise EmptyIndexError("nothing to index yet: name the articles' folder, e.g. `verbatim index seeds/`")
            paths = roots
        return resolve_targets(paths, roots)

    def run(
        self,
        paths: Sequence[Path] | None = None,
        *,
        full: bool = False,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> IndexReport:
        """Reindex ``paths`` (default: the known corpus roots)."""
        started = time.perf_counter()
        live = self.live
        if live.remote is not None:
            live.catalog  # noqa: B018 - raises: an app that reads another's catalog does not write
        live.refresh(force=True)
        targets = self.targets(paths)
        if dry_run:
            return self._dry_run(targets, full, started, progress)
        with live.write_mutex:
            lock = live.writer_lock
            owned = not lock.held
            if owned:
                lock.acquire(on_wait=self._on_wait)
            try:
                if live.lease is not None:
                    live.lease.acquire(on_wait=self._on_wait)
                live.refresh(force=True)
                self._record_columns(targets)
                live.writing = True
                report = self._full(targets, progress) if full else self._incremental(targets, progress)
            finally:
                live.writing = False
                if live.lease is not None:
                    live.lease.release()
                if owned:
                    lock.release()
        report = replace(report, seconds=time.perf_counter() - started)
        live.local.set_roots(
            [path for path, _ in targets if path.exists()],
            [path for path, _ in targets if not path.exists()],
        )
        live.local.add_report(time.time(), report.as_json())
        return report

    def _record_columns(self, targets: list[Target]) -> None:
        """Remember ``--columns`` for the paths given, so every later run reads their tables alike;
        a changed mapping has their files read again."""
        given = self.live.config.columns
        for path, _ in targets if given else []:
            if self.live.local.set_columns(path, given):
                self.live.local.forget_files_under(path)

    def _columns(self, file: Path) -> Columns:
        return self.live.local.columns(file)

    def _given_columns(self, targets: list[Target]) -> ColumnLookup:
        """For a dry run, which records nothing: ``--columns`` for the paths given, else those recorded."""
        given = self.live.config.columns
        return lambda file: given if given and in_scope(str(file), targets) else self._columns(file)

    def _fence(self) -> None:
        """Before the pointer moves: stop if another machine's writer has taken the lease over."""
        if self.live.lease is not None:
            self.live.lease.fence()

    def _settings(self) -> IndexSettings:
        return self.live.wanted_settings(dimension=self.live.embedder().dimension)

    def _incremental(self, targets: list[Target], progress: Progress | None) -> IndexReport:
        live = self.live
        state = live.state
        if state.token is None:
            state = self._create(self._settings())
        else:
            live.check_settings()
        generation, catalog = live.generation, live.catalog
        self._drop_leftovers(generation.token)
        if not state.clean:
            self._recover(generation)
        # A clean store whose replica is at its generation: the replica's copy of the manifest
        # is the manifest, and reading it from SQLite is ten times cheaper than from Chroma.
        in_step = state.clean and catalog.get_meta("generation") == str(state.generation)
        manifest = catalog.manifest() if in_step else generation.manifest()
        chunking = _chunking(state.settings)
        plan = make_plan(targets, manifest, live.local, live.config.max_file_mb, chunking, self._columns, progress)
        if plan.changed or plan.removed or not state.clean:
            # A new generation number before the first write: a reader that outlives a crash
            # of this run still sees that something changed, and compares checksums.
            state = replace(state, generation=state.generation + 1, clean=False)
            live.store.set_state(state)
            counts = self._apply(plan, generation, catalog, manifest, state, progress)
            plan.problems = [corpus_relative(p, targets) for p in plan.problems]  # those found while writing
            state = replace(state, generation=state.generation + 1, clean=True)
            self._fence()
            live.store.set_state(state)
            live.adopt(state, generation, catalog)
        else:
            counts = Counts()
        self._remember(plan)
        return make_report(plan, counts)

    def _create(self, settings: IndexSettings) -> StoreState:
        generation = self.live.store.create_generation()
        catalog = Catalog(self.live.catalog_path(generation.token))
        state = StoreState(generation.token, self.live.state.generation + 1, True, settings)
        self.live.store.set_state(state)
        self.live.adopt(state, generation, catalog)
        return state

    def _full(self, targets: list[Target], progress: Progress | None) -> IndexReport:
        live = self.live
        old_state = live.state
        old_ids = set(live.generation.manifest()) if old_state.token else set()
        settings = self._settings()
        generation = live.store.create_generation()
        catalog = Catalog(live.catalog_path(generation.token))
        try:
            live.local.forget_all_files()
            chunking = _chunking(settings)
            plan = make_plan(targets, {}, live.local, live.config.max_file_mb, chunking, self._columns, progress)
            state = StoreState(generation.token, old_state.generation + 1, False, settings)
            counts = self._apply(plan, generation, catalog, {}, state, progress, publish=False)
            plan.problems = [corpus_relative(p, targets) for p in plan.problems]
        except BaseException:
            catalog.close()
            catalog.path.unlink(missing_ok=True)
            live.store.drop_generation(generation.token)
            raise
        state = replace(state, generation=state.generation + 1, clean=True)
        self._step("built")
        self._fence()
        live.store.set_state(state)  # the switch: from here on the new generation serves
        self._step("switch")
        live.adopt(state, generation, catalog)
        self._drop_leftovers(generation.token)
        self._remember(plan)
        new_ids = {a.id for a in plan.added}
        plan.updated = [a for a in plan.added if a.id in old_ids]
        plan.added = [a for a in plan.added if a.id not in old_ids]
        plan.removed = sorted(old_ids - new_ids)
        return replace(make_report(plan, counts), full=True)

    def _apply(
        self,
        plan: Plan,
        generation: Generation,
        catalog: Catalog,
        manifest: dict[str, ManifestEntry],
        state: StoreState,
        progress: Progress | None,
        publish: bool = True,
    ) -> Counts:
        chunking = _chunking(state.settings)
        total = sum(p.passages for p in plan.changed)
        counts = Counts()
        config = self.live.config
        commit_size = batch_size_for(resolve_device(config.device), config.batch_size) * _BATCHES_PER_COMMIT
        batch: list[tuple[Article, tuple[Passage, ...]]] = []

        def flush() -> None:
            nonlocal state
            written = functools.partial(count_written, progress, counts, total=total)
            self._write(batch, generation, catalog, manifest, counts, written)
            batch.clear()
            release_freed_memory()
            if self.live.lease is not None:
                self.live.lease.renew()  # fenced: a writer whose lease was taken over stops here
            if publish:
                state = replace(state, generation=state.generation + 1)
                self.live.store.set_state(state)
                self._step("publish")

        # Streamed: one commit's articles (about 256 passages) are in memory at a time.
        for article in plan.read_changed(self.live.config.max_file_mb):
            batch.append((article, chunk(article, chunking)))
            if sum(len(p) for _, p in batch) >= commit_size:
                flush()
        if batch:
            flush()
        # Removals come last, so a renamed or moved article reuses the vectors it had.
        for article_id in plan.removed:
            generation.delete_article(article_id)
            self._step("removed")
            catalog.remove(article_id)
            generation.delete_article_passages(article_id)
        catalog.regroup()  # syndicated copies, for the changed articles only
        return counts

    def _write(
        self,
        batch: list[tuple[Article, tuple[Passage, ...]]],
        generation: Generation,
        catalog: Catalog,
        manifest: dict[str, ManifestEntry],
        counts: Counts,
        tick: Callable[[int], None],
    ) -> None:
        vectors = generation.embeddings_for([p.text_hash for _, ps in batch for p in ps])
        missing = {p.text_hash: p for _, ps in batch for p in ps if p.text_hash not in vectors}
        tick(sum(len(ps) for _, ps in batch) - len(missing))
        if missing:
            fresh = self.live.embedder().embed_passages(
                [p.text for p in missing.values()], progress=tick, contexts=[p.context for p in missing.values()]
            )
            vectors.update(zip(missing, fresh, strict=True))
        counts.embedded += len(missing)
        counts.reused += sum(len(ps) for _, ps in batch) - len(missing)
        earlier = {r.article.id: r for r in generation.articles([a.id for a, _ in batch if a.id in manifest])}
        chosen = [[vectors[p.text_hash] for p in passages] for _, passages in batch]
        records = [self._record(article, len(passages), earlier.get(article.id)) for article, passages in batch]
        # One request for the commit's passages, one for its manifest records: embedded Chroma takes
        # about 30 ms a request whatever it holds (mostly waiting on the disk, with the GIL held, so a
        # thread cannot hide it). Each step is still reported once per article.
        generation.add_many([(article, passages, v) for (article, passages), v in zip(batch, chosen, strict=True)])
        for _ in batch:
            self._step("passages")
        generation.put_articles(records)  # the commit point of these articles, together
        for (article, passages), article_vectors, record in zip(batch, chosen, records, strict=True):
            self._step("commit")
            catalog.apply(record, passages, article_vectors)
            self._step("replica")
            old = manifest.get(article.id)
            if old is not None and old.version != article.version:
                generation.delete_version_passages(article.id, old.version)
                self._step("cleanup")

    @staticmethod
    def _record(article: Article, n_passages: int, before: ArticleRecord | None) -> ArticleRecord:
        """The manifest record of a new version; an update's says which sentences changed."""
        record = ArticleRecord(article, n_passages, time.time())
        if before is not None and before.article.checksum != article.checksum:
            changed = changed_sentences(before.article.text, article.text)
            record = replace(record, changed=changed, changed_at=time.time())
        return record

    def _recover(self, generation: Generation) -> None:
        """After a crash: drop unreferenced passages and any article missing passages."""
        manifest = generation.manifest()
        keys = generation.passage_keys()
        live_keys = [(a, v) for _, a, v in keys if a in manifest and manifest[a].version == v]
        generation.delete_passages([p for p, a, v in keys if a not in manifest or manifest[a].version != v])
        found = Counter(a for a, _ in live_keys)
        for article_id, entry in manifest.items():
            if found[article_id] != entry.n_passages:
                generation.delete_article(article_id)  # re-added from its file by this run
                generation.delete_article_passages(article_id)
        self.live.catalog.set_meta("generation", "-1")
        self.live.resync()

    def _drop_leftovers(self, active: str) -> None:
        """Collections and replica files of generations no longer active (an interrupted --full)."""
        for token in self.live.store.tokens():
            if token != active:
                self.live.store.drop_generation(token)
        keep = self.live.catalog_path(active).name
        for path in self.live.config.index_dir.glob("catalog-*.sqlite*"):
            if not path.name.startswith(keep):
                path.unlink(missing_ok=True)

    def _dry_run(self, targets: list[Target], full: bool, started: float, progress: Progress | None) -> IndexReport:
        live = self.live
        manifest = live.generation.manifest() if live.state.token and not full else {}
        if live.state.token and not full:
            live.check_settings()
        settings = live.wanted_settings()
        chunking = _chunking(settings)
        columns = self._given_columns(targets)
        plan = make_plan(targets, manifest, live.local, live.config.max_file_mb, columns=columns, progress=progress)
        changed = plan.read_changed(live.config.max_file_mb)
        hashes = [p.text_hash for article in changed for p in chunk(article, chunking)]
        cached = live.generation.embeddings_for(hashes) if manifest else {}
        unique = {h for h in hashes if h not in cached}
        plan.problems = [corpus_relative(p, targets) for p in plan.problems]
        counts = Counts(embedded=len(unique), reused=len(hashes) - len(unique))
        return replace(make_report(plan, counts), dry_run=True, full=full, seconds=time.perf_counter() - started)

    def _remember(self, plan: Plan) -> None:
        for path, entry in plan.fingerprints.items():
            self.live.local.set_file(path, entry)
        self.live.local.forget_files(plan.gone_files)


def release_freed_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``; elsewhere nothing).

    The encoder allocates and frees a batch's tensors at a new sequence length every batch;
    glibc keeps the freed pages, so without this a first index's writer grew by about 19 MB per
    1,000 passages past 10,000 (flat with it: docs/BENCHMARKS.md). A few milliseconds a commit.
    """
    global _TRIM
    if _TRIM is None:
        try:
            import ctypes

            _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM: Any = None


def _chunking(settings: IndexSettings | None) -> ChunkSettings:
    assert settings is not None
    return ChunkSettings(settings.chunk_words, settings.chunk_overlap)
