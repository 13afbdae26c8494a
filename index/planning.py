"""Compare the files on disk with the manifest: what to add, update, keep and remove."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.article import Article, SourceProblem
from index.chunking import ChunkSettings, chunk
from index.formats import Columns
from index.generation import ManifestEntry
from index.localstate import FileEntry, LocalState
from index.sources import SourceFile, discover, iter_source

Target = tuple[Path, Path]  # (path to scan, corpus root that ids are relative to)
ColumnLookup = Callable[[Path], Columns]  # a table file -> the columns the user mapped for it


@dataclass(frozen=True, slots=True)
class Planned:
    """An article to (re)write, without its text: the write reads its file again, so a plan's
    memory does not grow with the corpus (a first index of 100,000 articles holds ids, not texts)."""

    id: str
    checksum: str
    path: str
    source: SourceFile
    passages: int = 0  # how many passages it cuts into (with the plan's chunking), for progress


@dataclass
class Plan:
    """The work a reindex will do; ``unchanged`` and ``removed`` are article ids."""

    added: list[Planned] = field(default_factory=list)
    updated: list[Planned] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[SourceProblem] = field(default_factory=list)
    fingerprints: dict[str, FileEntry] = field(default_factory=dict)  # clean files, to record
    gone_files: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[Planned]:
        """Articles whose passages must be (re)written."""
        return self.added + self.updated

    def read_changed(self, max_file_mb: float) -> Iterator[Article]:
        """The changed articles, read again from their files in plan order, one file's line at a
        time. An article that vanished from its file since the plan was made is left out of the
        plan (with a problem saying so); one that changed again is read as it is now (the next
        run sees its file's new fingerprint and compares again)."""
        wanted: dict[str, Planned] = {p.id: p for p in self.changed}
        files: dict[Path, SourceFile] = {}
        for planned in self.changed:
            files.setdefault(planned.source.path, planned.source)
        found: set[str] = set()
        for source in files.values():
            for item in iter_source(source, max_file_mb):
                if isinstance(item, Article) and item.id not in found:
                    match = wanted.get(item.id)
                    if match is not None and match.source.path == source.path:
                        found.add(item.id)
                        yield item
        lost = [p for p in self.changed if p.id not in found]
        if lost:
            gone = {p.id for p in lost}
            self.added = [p for p in self.added if p.id not in gone]
            self.updated = [p for p in self.updated if p.id not in gone]
            for planned in lost:
                self.fingerprints.pop(planned.path, None)  # read that file afresh next time
                message = (
                    f"article {planned.id!r} was no longer in the file when this reindex came to write it "
                    "(the file changed meanwhile); run the reindex again"
                )
                self.problems.append(SourceProblem(planned.path, message, "warning"))


def resolve_targets(paths: Sequence[Path], roots: Sequence[Path]) -> list[Target]:
    """Pair each path with its corpus root: a known root containing it, else itself or its folder."""
    targets: list[Target] = []
    for given in paths:
        path = given.expanduser().resolve()
        root = next((r for r in roots if r.is_dir() and (path == r or r in path.parents)), None)
        if root is None:
            root = path if path.is_dir() or (not path.exists() and not path.suffix) else path.parent
        targets.append((path, root))
    return targets


def in_scope(path: str, targets: Sequence[Target]) -> bool:
    """Whether an indexed article's file lies under one of the scanned paths."""
    file = Path(path)
    return any(file == t or t in file.parents for t, _ in targets)


def corpus_relative(problem: SourceProblem, targets: Sequence[Target]) -> SourceProblem:
    """The problem with every path under a corpus root shown relative to it: a report never names
    the server's own folders (a path outside every root stays as it was given)."""
    roots = sorted({str(root.resolve()) for _, root in targets} | {str(root) for _, root in targets}, key=len)

    def shown(text: str) -> str:
        for root in reversed(roots):  # the longest root first
            if len(root.rstrip("/")) > 1:
                text = text.replace(root.rstrip("/") + "/", "")
        return text

    return replace(problem, path=shown(problem.path), message=shown(problem.message))


def make_plan(
    targets: Sequence[Target],
    manifest: dict[str, ManifestEntry],
    local: LocalState,
    max_file_mb: float,
    chunking: ChunkSettings | None = None,
    columns: ColumnLookup | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Plan:
    """Read what changed (files whose size and mtime match the last run are not even opened).

    Each file is streamed and only the changed articles' ids and checksums are kept (with their
    passage counts under ``chunking``, for progress): the texts are read again when written.
    ``progress`` is told ("reading", bytes read, bytes to read) over the files opened."""
    plan = Plan()
    files, problems = discover(targets)
    if columns is not None:
        files = [replace(f, columns=columns(f.path)) if f.kind in ("csv", "tsv") else f for f in files]
    plan.problems.extend(problems)
    owners: dict[str, str] = {}  # article id -> the file that claims it
    same = {f.path for f in files if _same_file(local.file(str(f.path)), f, manifest)}
    reading = _Reading(progress, sum(f.size for f in files if f.path not in same))
    for source in files:
        name = str(source.path)
        known = local.file(name)
        if source.path in same and known is not None:
            for article_id in known.checksums:
                if _claim(plan, owners, article_id, name):
                    plan.unchanged.append(article_id)
            plan.fingerprints[name] = known
            continue
        _read_file(plan, owners, source, manifest, targets, chunking, max_file_mb, reading.within)
        reading.finished(source.size)
    plan.problems = [corpus_relative(p, targets) for p in plan.problems]
    seen = set(owners)
    plan.removed = sorted(i for i, e in manifest.items() if i not in seen and in_scope(e.path, targets))
    plan.gone_files = sorted({manifest[i].path for i in plan.removed} - {str(f.path) for f in files})
    return plan


def _same_file(known: FileEntry | None, source: SourceFile, manifest: dict[str, ManifestEntry]) -> bool:
    """A file with the size and mtime of the last run whose articles are all indexed as they were."""
    return (
        known is not None
        and (known.mtime_ns, known.size) == (source.mtime_ns, source.size)
        and all(manifest.get(i) is not None and manifest[i].checksum == c for i, c in known.checksums.items())
    )


def _read_file(
    plan: Plan,
    owners: dict[str, str],
    source: SourceFile,
    manifest: dict[str, ManifestEntry],
    targets: Sequence[Target],
    chunking: ChunkSettings | None,
    max_file_mb: float,
    consumed: Callable[[int], None],
) -> None:
    """Place each article of a changed file; record its fingerprint when all of it was read cleanly."""
    checksums: dict[str, str] = {}
    clean, count = True, 0
    for item in iter_source(source, max_file_mb, consumed):
        if isinstance(item, SourceProblem):
            plan.problems.append(item)
            clean = clean and item.level != "error"
            continue
        count += 1
        checksums[item.id] = item.checksum
        clean = _place(plan, owners, item, source, manifest, targets, chunking) and clean
    if clean and len(checksums) == count:
        plan.fingerprints[str(source.path)] = FileEntry(source.mtime_ns, source.size, checksums)


class _Reading:
    """The bytes read of the files opened, told as the "reading" phase (at most ten times a second
    within a file, and at the end of each)."""

    def __init__(self, progress: Callable[[str, int, int], None] | None, total: int) -> None:
        self._progress = progress if total else None
        self._total = total
        self._before = 0  # bytes of the files read whole
        self._told = 0.0

    def within(self, position: int) -> None:
        now = time.monotonic()
        if self._progress is not None and now - self._told >= 0.1:
            self._told = now
            self._progress("reading", min(self._before + position, self._total), self._total)

    def finished(self, size: int) -> None:
        self._before += size
        if self._progress is not None:
            self._progress("reading", min(self._before, self._total), self._total)


def _place(
    plan: Plan,
    owners: dict[str, str],
    article: Article,
    source: SourceFile,
    manifest: dict[str, ManifestEntry],
    targets: Sequence[Target],
    chunking: ChunkSettings | None,
) -> bool:
    """File one article under added, updated or unchanged; False if another file has its id."""
    entry = manifest.get(article.id)
    if entry is not None and entry.path != article.path and _still_claimed(entry.path, targets):
        plan.problems.append(_duplicate(article.id, entry.path, article.path))
        return False
    if not _claim(plan, owners, article.id, article.path):
        return False
    if entry is not None and entry.checksum == article.checksum and entry.path == article.path:
        plan.unchanged.append(article.id)
        return True
    count = len(chunk(article, chunking)) if chunking is not None else 0
    planned = Planned(article.id, article.checksum, article.path, source, count)
    (plan.added if entry is None else plan.updated).append(planned)
    return True


def _still_claimed(path: str, targets: Sequence[Target]) -> bool:
    """An indexed article's file outside this run's scope that still exists keeps its id."""
    return not in_scope(path, targets) and Path(path).exists()


def _claim(plan: Plan, owners: dict[str, str], article_id: str, path: str) -> bool:
    first = owners.setdefault(article_id, path)
    if first == path:
        return True
    plan.problems.append(_duplicate(article_id, first, path))
    return False


def _duplicate(article_id: str, first: str, second: str) -> SourceProblem:
    message = (
        f"claims the article id {article_id!r}, which {first} already has; "
        "rename one of them (or change its JSON Lines id). Only the first is indexed"
    )
    return SourceProblem(second, message)
