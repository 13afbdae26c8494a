"""Plain text (``.txt``): optional YAML front matter, and the seed format of ``seeds/``.

The seed format is `` date YYYY-MM-DD <body>`` with a closing ``Sources: ...`` line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, BinaryIO

import yaml

from index.formats.base import Fields, Format, Problem, ReadOptions, date_or_warn, decode

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_SEED_DATE = re.compile(r"\A\s*date[ \t]+(\S*\d\S*)[ \t]+")
_SOURCES_LINE = re.compile(r"\n[ \t]*Sources?[ \t]*:[ \t]*(\S[^\n]*?)[ \t]*\Z")


def parse_text(raw: str) -> Fields:
    """Parse plain text with optional YAML front matter and the seed format's date and sources."""
    warnings: list[str] = []
    meta, body = _split_front_matter(raw, warnings)
    fields = _apply_meta(Fields(text=body), meta, warnings)
    seed = _SEED_DATE.match(body)
    if seed:
        body = body[seed.end() :]
        if fields.date is None:
            fields = replace(fields, date=date_or_warn(seed.group(1), warnings))
    sources = _SOURCES_LINE.search("\n" + body.rstrip())
    if sources:
        body = ("\n" + body.rstrip())[: sources.start()]
        if fields.source is None:
            fields = replace(fields, source=sources.group(1))
    return replace(fields, text=body, warnings=tuple(warnings))


def read_text(stream: BinaryIO, options: ReadOptions) -> Iterator[Fields | Problem]:
    """The one article of a text file."""
    yield from read_whole(stream, parse_text)


def read_whole(stream: BinaryIO, parse: Callable[[str], Fields]) -> Iterator[Fields | Problem]:
    """Decode a whole file and parse it into its one article (a ``ValueError`` is the problem)."""
    try:
        text, warning = decode(stream.read())
        fields = parse(text)
    except ValueError as exc:
        yield Problem(str(exc))
        return
    if warning:
        yield Problem(warning, "warning")
    yield fields


def _split_front_matter(raw: str, warnings: list[str]) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(raw)
    if not match:
        return {}, raw
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        problem = str(exc).splitlines()[0]
        warnings.append(f"front matter is not valid YAML ({problem}); its fields were ignored")
        return {}, raw[match.end() :]
    if not isinstance(meta, dict):
        warnings.append("front matter is not a mapping of fields; it was ignored")
        return {}, raw[match.end() :]
    return meta, raw[match.end() :]


def _apply_meta(fields: Fields, meta: dict[str, Any], warnings: list[str]) -> Fields:
    values: dict[str, Any] = {}
    for key in ("title", "source", "url"):
        value = meta.get(key)
        if value is not None:
            values[key] = str(value)
    if "date" in meta:
        values["date"] = date_or_warn(meta["date"], warnings)
    return replace(fields, **values)


TEXT = Format("text", (".txt", ".text"), read_text)
