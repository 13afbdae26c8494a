"""JSON Lines (``.jsonl``): one article per line, ``{"id", "title", "date", "source", "url", "text"}``.

Streamed: memory stays bounded by one line, whatever the file's size. Ids are the records' own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import BinaryIO

from index.formats.base import Fields, Format, Problem, ReadOptions, bounded_lines, date_or_warn, decode

_JSONL_KEYS = ("id", "title", "date", "source", "url", "text")


def parse_jsonl_record(line: str) -> Fields:
    """Parse one JSON Lines record: ``{"id", "title", "date", "source", "url", "text"}``."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno}); fix or remove the line") from None
    if not isinstance(record, dict):
        raise ValueError('a record must be a JSON object with at least "id" and "text"')
    for key in _JSONL_KEYS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f'"{key}" must be a string, got {type(value).__name__}')
    article_id = (record.get("id") or "").strip()
    if not article_id:
        raise ValueError('has no "id"; give every record a unique, stable id')
    if not (record.get("text") or "").strip():
        raise ValueError(f'record {article_id!r} has no "text"; nothing to index')
    warnings: list[str] = []
    return Fields(
        id=article_id,
        text=record["text"],
        title=record.get("title"),
        date=date_or_warn(record.get("date"), warnings),
        source=record.get("source"),
        url=record.get("url"),
        warnings=tuple(warnings),
    )


def read_jsonl(stream: BinaryIO, options: ReadOptions) -> Iterator[Fields | Problem]:
    """Each record of a JSON Lines file, with the problems of the others."""
    limit = options.max_bytes
    for number, raw in enumerate(bounded_lines(stream, limit), start=1):
        if raw is None:
            yield Problem(f"line is over the {limit // 2**20} MB limit; split that article", line=number)
            continue
        if not raw.strip():
            continue
        try:
            text, warning = decode(raw)
            fields = parse_jsonl_record(text)
        except ValueError as exc:
            yield Problem(str(exc), line=number)
            continue
        if warning:
            yield Problem(warning, "warning", number)
        yield replace(fields, line=number)


JSONL = Format("jsonl", (".jsonl", ".ndjson"), read_jsonl, whole=False)
