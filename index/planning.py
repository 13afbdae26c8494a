"""Compare the files on disk with the manifest: what to add, update, keep and remove."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.article import Article, SourceProblem
from index.generation import ManifestEntry
from index.localstate import FileEntry, LocalState
from index.sources import discover, read_source

Target = tuple[Path, Path]  # (path to scan, corpus root that ids are relative to)


@dataclass
class Plan:
    """The work a reindex will do; ``unchanged`` and ``removed`` are article ids."""

    added: list[Article] = field(default_factory=list)
    updated: list[Article] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[SourceProblem] = field(default_factory=list)
    fingerprints: dict[str, FileEntry] = field(default_factory=dict)  # clean files, to record
    gone_files: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[Article]:
        """Articles whose passages must be (re)written."""
        return self.added + self.updated


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
) -> Plan:
    """Read what changed (files whose size and mtime match the last run are not even opened)."""
    plan = Plan()
    files, problems = discover(targets)
    plan.problems.extend(problems)
    owners: dict[str, str] = {}  # article id -> the file that claims it
    for source in files:
        name = str(source.path)
        known = local.file(name)
        if (
            known
            and (known.mtime_ns, known.size) == (source.mtime_ns, source.size)
            and all(manifest.get(i) is not None and manifest[i].checksum == c for i, c in known.checksums.items())
        ):
            for article_id in known.checksums:
                if _claim(plan, owners, article_id, name):
                    plan.unchanged.append(article_id)
            plan.fingerprints[name] = known
            continue
        result = read_source(source, max_file_mb)
        plan.problems.extend(result.problems)
        kept = _place(plan, owners, result.articles, manifest, targets)
        if not any(p.level == "error" for p in result.problems) and kept == len(result.articles):
            checksums = {a.id: a.checksum for a in result.articles}
            plan.fingerprints[name] = FileEntry(source.mtime_ns, source.size, checksums)
    plan.problems = [corpus_relative(p, targets) for p in plan.problems]
    seen = set(owners)
    plan.removed = sorted(i for i, e in manifest.items() if i not in seen and in_scope(e.path, targets))
    plan.gone_files = sorted({manifest[i].path for i in plan.removed} - {str(f.path) for f in files})
    return plan


def _place(
    plan: Plan,
    owners: dict[str, str],
    articles: Sequence[Article],
    manifest: dict[str, ManifestEntry],
    targets: Sequence[Target],
) -> int:
    kept = 0
    for article in articles:
        entry = manifest.get(article.id)
        if entry is not None and entry.path != article.path and _still_claimed(entry.path, targets):
            plan.problems.append(_duplicate(article.id, entry.path, article.path))
            continue
        if not _claim(plan, owners, article.id, article.path):
            continue
        kept += 1
        if entry is None:
            plan.added.append(article)
        elif entry.checksum != article.checksum or entry.path != article.path:
            plan.updated.append(article)
        else:
            plan.unchanged.append(article.id)
    return kept


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
