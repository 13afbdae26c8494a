"""Find article files under the corpus paths and read them into ``Article`` values.

Reading never raises for a bad file: every problem becomes a ``SourceProblem`` naming the
file (and line) and what to do, and the other files are read as usual.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.article import Article, SourceProblem, make_article
from index.formats import BY_KIND, KINDS, SUPPORTED, Columns, Fields, Problem, ReadOptions, decode, format_of

__all__ = ["DEFAULT_MAX_FILE_MB", "KINDS", "SUPPORTED", "ReadResult", "SourceFile", "decode", "discover", "read_source"]
DEFAULT_MAX_FILE_MB = 10.0


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A supported file found under a corpus root."""

    path: Path
    root: Path
    kind: str
    mtime_ns: int
    size: int
    columns: Columns = ()  # a table's columns as the user mapped them (--columns)

    @property
    def rel(self) -> str:
        """The path relative to its corpus root: the article id of a non-JSONL file."""
        return self.path.relative_to(self.root).as_posix()


@dataclass(frozen=True, slots=True)
class ReadResult:
    """The articles one file holds, and what was wrong with it."""

    articles: tuple[Article, ...]
    problems: tuple[SourceProblem, ...]


def discover(
    targets: Sequence[tuple[Path, Path]],
) -> tuple[list[SourceFile], list[SourceProblem]]:
    """List the supported files under each ``(path, root)`` target, recursively, sorted."""
    files: dict[Path, SourceFile] = {}
    problems: list[SourceProblem] = []
    for path, root in targets:
        if not path.exists():
            problems.append(SourceProblem(str(path), "no such file or folder; check the path"))
            continue
        for candidate in _walk(path):
            found = format_of(candidate.name)
            if found is None:
                if candidate == path:  # named explicitly; inside a folder it is just skipped
                    message = f"not a supported type; supported: {SUPPORTED}"
                    problems.append(SourceProblem(str(candidate), message, "warning"))
                continue
            try:
                stat = candidate.stat()
            except OSError as exc:
                problems.append(SourceProblem(str(candidate), f"cannot read it: {exc.strerror}"))
                continue
            files[candidate] = SourceFile(candidate, root, found.kind, stat.st_mtime_ns, stat.st_size)
    return sorted(files.values(), key=lambda f: f.path), problems


def _walk(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def read_source(source: SourceFile, max_file_mb: float = DEFAULT_MAX_FILE_MB) -> ReadResult:
    """Read one file into articles; problems are returned, never raised."""
    items = list(iter_source(source, max_file_mb))
    articles = tuple(i for i in items if isinstance(i, Article))
    return ReadResult(articles, tuple(i for i in items if isinstance(i, SourceProblem)))


def iter_source(
    source: SourceFile, max_file_mb: float = DEFAULT_MAX_FILE_MB, consumed: Callable[[int], None] | None = None
) -> Iterator[Article | SourceProblem]:
    """A file's articles and problems one at a time: a file of many articles is never held whole.

    ``consumed`` is told, after each item of a streamed file, how many of its bytes have been read
    so far (for a progress bar through a big CSV, JSON Lines or WARC file)."""
    name = str(source.path)
    limit = int(max_file_mb * 1024 * 1024)
    reader = BY_KIND[source.kind]
    options = ReadOptions(source.rel, limit, source.columns)
    seen: dict[str, int | None] = {}
    try:
        if reader.whole:
            if source.size > limit:
                yield SourceProblem(name, _too_big(source.size, max_file_mb))
                return
            items = reader.read(io.BytesIO(source.path.read_bytes()), options)
            yield from _articles(items, source, seen)
            return
        with source.path.open("rb") as handle:
            for item in _articles(reader.read(handle, options), source, seen):
                yield item
                if consumed is not None:
                    consumed(_position(handle))
    except OSError as exc:
        yield _unreadable(name, exc)


def _articles(
    items: Iterator[Fields | Problem], source: SourceFile, seen: dict[str, int | None]
) -> Iterator[Article | SourceProblem]:
    name = str(source.path)
    for item in items:
        if isinstance(item, Problem):
            yield SourceProblem(name, item.message, item.level, item.line)
            continue
        yield from (SourceProblem(name, w, "warning", item.line) for w in item.warnings)
        article = _article(item, source.rel, name)
        if not article.text:
            yield SourceProblem(name, "is empty; add the article's text or remove the file", "warning", item.line)
        elif article.id in seen:
            where = f"line {seen[article.id]}" if seen[article.id] is not None else "earlier in the file"
            message = f"id {article.id!r} is also on {where}; ids must be unique"
            yield SourceProblem(name, message, line=item.line)
        else:
            seen[article.id] = item.line
            yield article


def _position(handle: io.BufferedReader) -> int:
    """Bytes read so far (a gzipped WARC's compressed ones); 0 once a reader closed the file early."""
    try:
        return handle.tell()
    except (OSError, ValueError):
        return 0


def _too_big(size: int, max_file_mb: float) -> str:
    return (
        f"is {size / 1024 / 1024:.1f} MB, over the {max_file_mb:g} MB limit for one article; "
        "split it into smaller files or raise --max-file-mb"
    )


def _article(fields: Fields, default_id: str, path: str) -> Article:
    return make_article(
        id=fields.id or default_id,
        text=fields.text,
        title=fields.title,
        date=fields.date,
        source=fields.source,
        url=fields.url,
        path=path,
        pages=fields.pages,
    )


def _unreadable(name: str, exc: OSError) -> SourceProblem:
    reason = exc.strerror or str(exc)
    return SourceProblem(name, f"cannot read it ({reason}); check that the file is readable (chmod +r)")
