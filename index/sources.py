"""Find article files under the corpus paths and read them into ``Article`` values.

Reading never raises for a bad file: every problem becomes a ``SourceProblem`` naming the
file (and line) and what to do, and the other files are read as usual.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from index.article import Article, SourceProblem, make_article
from index.formats import Fields, parse_html, parse_jsonl_record, parse_text

KINDS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
SUPPORTED = " ".join(sorted(KINDS))
DEFAULT_MAX_FILE_MB = 10.0


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A supported file found under a corpus root."""

    path: Path
    root: Path
    kind: str
    mtime_ns: int
    size: int

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
            kind = KINDS.get(candidate.suffix.lower())
            if kind is None:
                if candidate == path:  # named explicitly; inside a folder it is just skipped
                    message = f"not a supported type; supported: {SUPPORTED}"
                    problems.append(SourceProblem(str(candidate), message, "warning"))
                continue
            try:
                stat = candidate.stat()
            except OSError as exc:
                problems.append(SourceProblem(str(candidate), f"cannot read it: {exc.strerror}"))
                continue
            files[candidate] = SourceFile(candidate, root, kind, stat.st_mtime_ns, stat.st_size)
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
    name = str(source.path)
    limit = int(max_file_mb * 1024 * 1024)
    if source.kind == "jsonl":
        items = list(iter_source(source, max_file_mb))
        articles = tuple(i for i in items if isinstance(i, Article))
        return ReadResult(articles, tuple(i for i in items if isinstance(i, SourceProblem)))
    try:
        if source.size > limit:
            size_mb = source.size / 1024 / 1024
            message = (
                f"is {size_mb:.1f} MB, over the {max_file_mb:g} MB limit for one article; "
                "split it into smaller files or raise --max-file-mb"
            )
            return ReadResult((), (SourceProblem(name, message),))
        data = source.path.read_bytes()
    except OSError as exc:
        return ReadResult((), (_unreadable(name, exc),))
    try:
        text, warning = decode(data)
        fields = parse_html(text) if source.kind == "html" else parse_text(text, markdown=source.kind == "markdown")
    except ValueError as exc:
        return ReadResult((), (SourceProblem(name, str(exc)),))
    problems = [SourceProblem(name, w, "warning") for w in (warning, *fields.warnings) if w]
    article = _article(fields, source.rel, name)
    if not article.text:
        problems.append(SourceProblem(name, "is empty; add the article's text or remove the file", "warning"))
        return ReadResult((), tuple(problems))
    return ReadResult((article,), tuple(problems))


def decode(data: bytes) -> tuple[str, str | None]:
    """Decode file bytes as UTF-8 (or UTF-16 with a BOM), else Windows-1252 with a warning."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), None
    head = data[:8192]
    if b"\x00" in head or _mostly_control(head):
        raise ValueError(
            f"looks like a binary file, not text; only text, Markdown, HTML and JSON Lines ({SUPPORTED}) are indexed"
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        warning = (
            f"not valid UTF-8 (byte {exc.start}); decoded as Windows-1252. "
            "Save it as UTF-8 to be sure every character is right"
        )
        return data.decode("cp1252", errors="replace"), warning


def _mostly_control(head: bytes) -> bool:
    if not head:
        return False
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return control / len(head) > 0.1


def _article(fields: Fields, default_id: str, path: str) -> Article:
    return make_article(
        id=fields.id or default_id,
        text=fields.text,
        title=fields.title,
        date=fields.date,
        source=fields.source,
        url=fields.url,
        path=path,
    )


def iter_source(source: SourceFile, max_file_mb: float = DEFAULT_MAX_FILE_MB) -> Iterator[Article | SourceProblem]:
    """``read_source`` one article (or problem) at a time: a JSON Lines file is never held whole."""
    if source.kind != "jsonl":
        result = read_source(source, max_file_mb)
        yield from result.problems
        yield from result.articles
        return
    try:
        yield from _iter_jsonl(source, int(max_file_mb * 1024 * 1024))
    except OSError as exc:
        yield _unreadable(str(source.path), exc)


def _unreadable(name: str, exc: OSError) -> SourceProblem:
    reason = exc.strerror or str(exc)
    return SourceProblem(name, f"cannot read it ({reason}); check that the file is readable (chmod +r)")


def _iter_jsonl(source: SourceFile, limit: int) -> Iterator[Article | SourceProblem]:
    """Stream a JSON Lines file: memory stays bounded by one line, whatever the file size."""
    name = str(source.path)
    seen: dict[str, int] = {}
    with source.path.open("rb") as handle:
        for number, raw in enumerate(_bounded_lines(handle, limit), start=1):
            if raw is None:
                message = f"line is over the {limit // 2**20} MB limit; split that article"
                yield SourceProblem(name, message, line=number)
                continue
            if not raw.strip():
                continue
            try:
                text, warning = decode(raw)
                fields = parse_jsonl_record(text)
            except ValueError as exc:
                yield SourceProblem(name, str(exc), line=number)
                continue
            yield from (SourceProblem(name, w, "warning", number) for w in (warning, *fields.warnings) if w)
            article = _article(fields, "", name)
            if article.id in seen:
                message = f"id {article.id!r} is also on line {seen[article.id]}; ids must be unique"
                yield SourceProblem(name, message, line=number)
                continue
            seen[article.id] = number
            yield article


def _bounded_lines(handle: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """Yield lines of at most ``limit`` bytes; ``None`` for a longer line (which is skipped)."""
    readline = handle.readline
    while True:
        line = readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = readline(limit + 1)
            yield None
            continue
        yield line
