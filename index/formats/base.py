"""What every format reader shares: the fields it reads, the problems it reports, its options.

A reader is a generator: given a binary stream and ``ReadOptions`` it yields ``Fields`` (one per
article) and ``Problem`` values (one per thing wrong, with the line, record or page where it is
and what to do), never raising for bad input, and holding at most one article in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Literal

from index.article import parse_date

Columns = tuple[tuple[str, str], ...]  # (field, column name) pairs a user mapped, e.g. (("text", "body"),)


@dataclass(frozen=True, slots=True)
class Fields:
    """What a file says about one article, before normalisation.

    ``pages`` are the offsets in ``text`` where each page starts (a PDF's; empty otherwise): the
    text is then already normalised, so the offsets stay true in the article.
    """

    text: str
    title: str | None = None
    date: dt.date | None = None
    source: str | None = None
    url: str | None = None
    id: str | None = None
    warnings: tuple[str, ...] = field(default=())
    line: int | None = None  # where in the file it starts: a line, a record or a page
    pages: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a file, or with one line or record of it; the message says what to do."""

    message: str
    level: Literal["warning", "error"] = "error"
    line: int | None = None


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read one file.

    Args:
        name: the file's path relative to its corpus root: the id of a one-article file and
            the ``FILE`` of ``FILE#ID`` ids.
        max_bytes: the most bytes of one article (a whole file, a line, a row or a record).
        columns: a table's columns mapped by the user, as (field, column name) pairs.
    """

    name: str
    max_bytes: int
    columns: Columns = ()


Read = Callable[[BinaryIO, ReadOptions], Iterator["Fields | Problem"]]


@dataclass(frozen=True, slots=True)
class Format:
    """One supported format: its name, file suffixes and reader.

    ``whole`` formats hold one article in the whole file, which is read into memory (up to
    ``max_bytes``); the others stream their articles one at a time.
    """

    kind: str
    suffixes: tuple[str, ...]
    read: Read
    whole: bool = True


def megabytes(limit: int) -> str:
    """A byte limit as the MB figure the user gave (``--max-file-mb 0.1`` -> ``0.1``)."""
    return f"{round(limit / 2**20, 2):g}"


def date_or_warn(value: object, warnings: list[str]) -> dt.date | None:
    """The date, or None with a warning saying it was malformed."""
    try:
        return parse_date(value)
    except ValueError as exc:
        warnings.append(f"malformed date: {exc}; indexed without a date")
        return None


def decode(data: bytes, what: str = "text") -> tuple[str, str | None]:
    """Decode file bytes as UTF-8 (or UTF-16 with a BOM), else Windows-1252 with a warning."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), None
    head = data[:8192]
    if b"\x00" in head or _mostly_control(head):
        from index.formats import SUPPORTED  # the registry imports this module

        raise ValueError(f"looks like a binary file, not {what}; the types indexed are {SUPPORTED}")
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


def bounded_lines(handle: BinaryIO, limit: int) -> Iterator[bytes | None]:
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
