"""What a reindex tells its caller: progress as it goes, and the report when it is done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from index.article import SourceProblem
from index.planning import Plan

# (phase, done, total): "reading" counts the bytes of the files read to plan the run, "indexing" the
# passages written (embedded or reused), so a bar can say how fast and how long is left.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What a reindex did (or, with ``dry_run``, would do)."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    passages_embedded: int = 0
    passages_reused: int = 0
    seconds: float = 0.0
    problems: tuple[SourceProblem, ...] = ()
    dry_run: bool = False
    full: bool = False

    def as_json(self) -> dict[str, object]:
        """The report as a JSON-ready dict (the ``--json`` and API form)."""
        return {
            "added": list(self.added),
            "updated": list(self.updated),
            "unchanged": list(self.unchanged),
            "removed": list(self.removed),
            "passages_embedded": self.passages_embedded,
            "passages_reused": self.passages_reused,
            "seconds": round(self.seconds, 3),
            "problems": [
                {"path": p.path, "line": p.line, "level": p.level, "message": p.message} for p in self.problems
            ],
            "dry_run": self.dry_run,
            "full": self.full,
        }


@dataclass
class Counts:
    """Passages embedded and reused so far, and both together (``done``) for the progress."""

    embedded: int = 0
    reused: int = 0
    done: int = 0


def count_written(progress: Progress | None, counts: Counts, n: int, total: int) -> None:
    """Count ``n`` more passages written and tell ``progress``."""
    counts.done += n
    if progress is not None:
        progress("indexing", counts.done, total)


def make_report(plan: Plan, counts: Counts) -> IndexReport:
    """The report of a plan carried out (or, for a dry run, weighed)."""
    return IndexReport(
        added=tuple(a.id for a in plan.added),
        updated=tuple(a.id for a in plan.updated),
        unchanged=tuple(plan.unchanged),
        removed=tuple(plan.removed),
        passages_embedded=counts.embedded,
        passages_reused=counts.reused,
        problems=tuple(plan.problems),
    )
