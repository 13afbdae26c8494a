"""CSV and TSV (``.csv``, ``.tsv``): one article per row, streamed with the standard ``csv`` module.

Columns are found by their usual names (``COLUMN_FIELDS``, any case) or mapped by the user
(``--columns text=body,date=pub_date``). A row's id is ``FILE#ID`` from the id column, else
``FILE#LINE`` (the line the row starts on). A row that cannot be read is a problem on its line;
the other rows are read as usual.
"""

from __future__ import annotations

import _csv
import codecs
import csv
import datetime as dt
import email.utils
import io
import itertools
import re
from collections.abc import Iterator
from typing import BinaryIO

from index.article import parse_date
from index.formats.base import Columns, Fields, Format, Problem, ReadOptions, megabytes

COLUMN_FIELDS: dict[str, tuple[str, ...]] = {  # compared in lower case, spaces and hyphens as "_"
    "id": ("id", "article_id", "story_id", "guid", "uuid"),
    "title": ("title", "headline", "heading"),
    "text": ("text", "body", "content", "story", "article", "article_text", "full_text", "fulltext", "body_text"),
    "date": ("date", "published", "pub_date", "pubdate", "published_at", "publish_date", "date_published"),
    "source": ("source", "outlet", "publication", "publisher", "site"),
    "url": ("url", "link", "permalink"),
}
_DATE_FORMATS = ("%Y/%m/%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%b. %d, %Y")
_CHUNK = 1 << 20


def parse_columns(spec: str) -> Columns:
    """``"text=body,date=pub_date"`` as (field, column) pairs; ``ValueError`` says what is wrong."""
    pairs: list[tuple[str, str]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, sep, column = (s.strip() for s in part.partition("="))
        if not sep or not column:
            raise ValueError(f"{part!r} is not FIELD=COLUMN; write e.g. --columns text=body,date=pub_date")
        if name.lower() not in COLUMN_FIELDS:
            raise ValueError(f"{name!r} is not a field; map one of {', '.join(COLUMN_FIELDS)} to a column")
        pairs.append((name.lower(), column))
    return tuple(pairs)


def read_csv(stream: BinaryIO, options: ReadOptions) -> Iterator[Fields | Problem]:
    """Each row of a CSV file (comma or semicolon separated, as its header line shows)."""
    yield from _read_table(stream, options, None)


def read_tsv(stream: BinaryIO, options: ReadOptions) -> Iterator[Fields | Problem]:
    """Each row of a tab-separated file."""
    yield from _read_table(stream, options, "\t")


def _read_table(stream: BinaryIO, options: ReadOptions, delimiter: str | None) -> Iterator[Fields | Problem]:
    try:
        encoding, warning = _encoding(stream)
    except ValueError as exc:
        yield Problem(str(exc))
        return
    if warning:
        yield Problem(warning, "warning")
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    try:
        yield from _table(text, options, delimiter)
    finally:
        text.detach()  # the caller closes its stream; a collected wrapper would close it again


def _table(text: io.TextIOWrapper, options: ReadOptions, delimiter: str | None) -> Iterator[Fields | Problem]:
    first = text.readline()
    if not first.strip():
        yield Problem("has no header line; put the column names (e.g. title,date,text) on its first line")
        return
    delimiter = delimiter or max(",;\t", key=first.count)
    # The limit is the process's own: only ever raised here, and each row is checked against ours below.
    csv.field_size_limit(max(csv.field_size_limit(), options.max_bytes))
    rows = csv.reader(itertools.chain([first], text), delimiter=delimiter)
    header = [cell.strip().lstrip("\ufeff") for cell in next(rows)]
    found = _columns(header, options.columns)
    if isinstance(found, Problem):
        yield found
        return
    yield from _rows(rows, header, found, options)


def _rows(
    rows: _csv.Reader, header: list[str], found: dict[str, int], options: ReadOptions
) -> Iterator[Fields | Problem]:
    line_before = 1
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Problem(_csv_error(exc, options.max_bytes), line=line_before + 1)
            line_before = rows.line_num
            continue
        start, line_before = line_before + 1, rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        yield _row(row, start, header, found, options)


def _row(row: list[str], line: int, header: list[str], found: dict[str, int], options: ReadOptions) -> Fields | Problem:
    if sum(len(cell) for cell in row) > options.max_bytes:
        return Problem(_too_long(options.max_bytes), line=line)
    if len(row) != len(header):
        return Problem(
            f"has {len(row)} fields where the header has {len(header)}; put a field that holds the "
            "separator, a quote or a line break in double quotes",
            line=line,
        )
    values = {name: row[index].strip() for name, index in found.items()}
    if not values["text"]:
        return Problem(f"has no text in column {header[found['text']]!r}; fill it in or remove the row", line=line)
    try:
        date = table_date(values.get("date", ""))
    except ValueError:
        column = header[found["date"]]
        return Problem(
            f"its date {values['date']!r} (column {column!r}) is not a date like 2023-11-10; fix it or leave it empty",
            line=line,
        )
    if "id" in found and not values["id"]:
        return Problem(f"has no id in column {header[found['id']]!r}; give every row an id", line=line)
    return Fields(
        text=row[found["text"]],
        title=values.get("title") or None,
        date=date,
        source=values.get("source") or None,
        url=values.get("url") or None,
        id=f"{options.name}#{values['id'] if 'id' in found else line}",
        line=line,
    )


def table_date(value: str) -> dt.date | None:
    """A date as tables write them: ISO, ``2023/11/10``, ``10 November 2023``, ``Nov 10, 2023`` or
    an e-mail date; ``ValueError`` for anything else (``11/10/2023`` is ambiguous, so refused)."""
    value = value.strip()
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        pass
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"not a date: {value!r}") from None


def _columns(header: list[str], mapped: Columns) -> dict[str, int] | Problem:
    """Field -> column index: the user's mapping first, else the usual names."""
    lower = [cell.lower() for cell in header]
    found: dict[str, int] = {}
    for name, column in mapped:
        if column.lower() not in lower:
            listed = ", ".join(repr(c) for c in header)
            return Problem(f"has no column {column!r} (from --columns {name}={column}); its columns are {listed}")
        found[name] = lower.index(column.lower())
    usual = [re.sub(r"[\s-]+", "_", cell.strip().lower()) for cell in header]
    for name, aliases in COLUMN_FIELDS.items():
        if name not in found:
            index = next((usual.index(a) for a in aliases if a in usual), None)
            if index is not None and index not in found.values():
                found[name] = index
    if "text" not in found:
        listed = ", ".join(repr(c) for c in header)
        return Problem(
            f"has no text column (its columns are {listed}); name one 'text', 'body', 'content' or 'story', "
            "or map yours with --columns text=NAME"
        )
    return found


def _encoding(stream: BinaryIO) -> tuple[str, str | None]:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM, else Windows-1252 with a warning; checked
    a megabyte at a time, so a large file is never held whole."""
    head = stream.read(8192)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", None
    if b"\x00" in head:
        raise ValueError("looks like a binary file, not a table of text; save it as CSV (UTF-8)")
    decoder = codecs.getincrementaldecoder("utf-8")()
    chunk, at = head, 0
    while chunk:
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            warning = (
                f"not valid UTF-8 (byte {at + exc.start}); decoded as Windows-1252. "
                "Save it as UTF-8 to be sure every character is right"
            )
            return "cp1252", warning
        at += len(chunk)
        chunk = stream.read(_CHUNK)
    return "utf-8-sig", None


def _too_long(limit: int) -> str:
    return f"is over the {megabytes(limit)} MB limit for one article; split that article or raise --max-file-mb"


def _csv_error(exc: csv.Error, limit: int) -> str:
    if "field limit" in str(exc):
        return _too_long(limit)
    return f"cannot be read as CSV ({exc}); check its quotes"


CSV = Format("csv", (".csv",), read_csv, whole=False)
TSV = Format("tsv", (".tsv", ".tab"), read_tsv, whole=False)
