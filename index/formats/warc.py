"""Web archives (``.warc``, ``.warc.gz``): each archived HTML page is an article, read with warcio.

A page goes through the same extraction as a page fetched by URL (``html.parse_page``). Its id
is ``FILE#URL`` (the record's WARC-Target-URI), its date the page's own, else the capture's
WARC-Date. Of several captures of one URL only the newest is read. Streamed in two passes:
the first reads the records' headers to find each URL's newest capture (by WARC-Record-ID),
the second extracts those pages, one at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, BinaryIO

from index.formats.base import Fields, Format, Problem, ReadOptions, megabytes
from index.formats.html import parse_page

_PAGE_TYPES = ("text/html", "application/xhtml+xml")


def read_warc(stream: BinaryIO, options: ReadOptions) -> Iterator[Fields | Problem]:
    """The newest capture of each HTML page in a WARC file (gzipped or not)."""
    from warcio.exceptions import ArchiveLoadFailed  # only paid when a WARC is read

    newest: dict[str, tuple[dt.datetime, str]] = {}
    try:
        if not _newest_captures(stream, newest):
            yield Problem("holds no WARC record; is it a WARC file, and whole? Fetch or export it again")
            return
        stream.seek(0)
        yield from _pages(stream, newest, options)
    except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
        yield Problem(f"cannot be read as a WARC file ({exc}); is it damaged or cut short?")
        return
    if not newest:
        yield Problem("holds no archived HTML page (no response record with status 200 and text/html)", "warning")


def _newest_captures(stream: BinaryIO, newest: dict[str, tuple[dt.datetime, str]]) -> int:
    """Fill ``newest`` with each page URL's newest capture (its WARC-Date and the record's key);
    return how many records there are."""
    from warcio.archiveiterator import ArchiveIterator

    count = 0
    for record in ArchiveIterator(stream):
        count += str(record.format).startswith("warc")  # garbage reads as an old ARC record
        if not _is_page(record):
            continue
        url, when = _target(record), _capture_date(record)
        if url and (url not in newest or when >= newest[url][0]):
            newest[url] = (when, _key(record))
    return count


def _pages(
    stream: BinaryIO, newest: dict[str, tuple[dt.datetime, str]], options: ReadOptions
) -> Iterator[Fields | Problem]:
    from warcio.archiveiterator import ArchiveIterator

    wanted = {key: url for url, (_, key) in newest.items()}
    for number, record in enumerate(ArchiveIterator(stream), start=1):
        url = wanted.pop(_key(record), None) if _is_page(record) else None
        if url is None or _target(record) != url:
            continue
        body = _read_upto(record.content_stream(), options.max_bytes + 1)
        if len(body) > options.max_bytes:
            yield Problem(
                f"the capture of {url} is over the {megabytes(options.max_bytes)} MB limit; it is not indexed",
                line=number,
            )
            continue
        try:
            fields = parse_page(body, url, record.http_headers.get_header("Content-Type") or "")
        except ValueError as exc:
            yield Problem(f"{url}: {exc}", "warning", number)
            continue
        date = fields.date or newest[url][0].date()
        yield replace(fields, id=f"{options.name}#{url}", url=url, date=date, line=number)


def _read_upto(stream: Any, limit: int) -> bytes:
    """Up to ``limit`` bytes: warcio's streams return a block per read, not all that was asked for."""
    parts: list[bytes] = []
    left = limit
    while left > 0:
        block = stream.read(min(left, 1 << 16))
        if not block:
            break
        parts.append(block)
        left -= len(block)
    return b"".join(parts)


def _is_page(record: Any) -> bool:
    if not str(record.format).startswith("warc") or record.rec_type != "response" or record.http_headers is None:
        return False
    kind = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    return str(record.http_headers.get_statuscode()) == "200" and kind in _PAGE_TYPES


def _key(record: Any) -> str:
    """What tells one capture from another: its WARC-Record-ID (else its URL and date)."""
    found = record.rec_headers.get_header("WARC-Record-ID")
    return str(found) if found else f"{_target(record)} {record.rec_headers.get_header('WARC-Date')}"


def _target(record: Any) -> str:
    return str(record.rec_headers.get_header("WARC-Target-URI") or "").strip()


def _capture_date(record: Any) -> dt.datetime:
    value = str(record.rec_headers.get_header("WARC-Date") or "")
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


WARC = Format("warc", (".warc", ".warc.gz"), read_warc, whole=False)
