"""Parsers from raw file content to article fields, one per supported format.

Each parser returns ``Fields`` and a list of warnings (strings); a fatal problem is a
``ValueError`` whose message says what is wrong with the input.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from index.article import parse_date


@dataclass(frozen=True, slots=True)
class Fields:
    """What a file says about one article, before normalisation."""

    text: str
    title: str | None = None
    date: dt.date | None = None
    source: str | None = None
    url: str | None = None
    id: str | None = None
    warnings: tuple[str, ...] = field(default=())


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_SEED_DATE = re.compile(r"\A\s*date[ \t]+(\S*\d\S*)[ \t]+")
_SOURCES_LINE = re.compile(r"\n[ \t]*Sources?[ \t]*:[ \t]*(\S[^\n]*?)[ \t]*\Z")
_MD_HEADING = re.compile(r"\A[ \t]*#[ \t]+([^\n]+?)[ \t#]*(?:\n|\Z)")


def parse_text(raw: str, *, markdown: bool) -> Fields:
    """Parse plain text or Markdown, with optional YAML front matter and the seed format.

    The seed format is `` date YYYY-MM-DD <body>`` with a closing ``Sources: ...`` line.
    """
    warnings: list[str] = []
    meta, body = _split_front_matter(raw, warnings)
    fields = Fields(text=body)
    fields = _apply_meta(fields, meta, warnings)
    seed = _SEED_DATE.match(body)
    if seed:
        body = body[seed.end() :]
        if fields.date is None:
            fields = replace(fields, date=_date_or_warn(seed.group(1), warnings))
    sources = _SOURCES_LINE.search("\n" + body.rstrip())
    if sources:
        body = ("\n" + body.rstrip())[: sources.start()]
        if fields.source is None:
            fields = replace(fields, source=sources.group(1))
    if markdown:
        heading = _MD_HEADING.match(body.lstrip("\n"))
        if heading:
            body = body.lstrip("\n")[heading.end() :]
            if fields.title is None:
                fields = replace(fields, title=_markdown_inline(heading.group(1)))
        body = markdown_to_text(body)
    return replace(fields, text=body, warnings=tuple(warnings))


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
        values["date"] = _date_or_warn(meta["date"], warnings)
    return replace(fields, **values)


def _date_or_warn(value: object, warnings: list[str]) -> dt.date | None:
    try:
        return parse_date(value)
    except ValueError as exc:
        warnings.append(f"malformed date: {exc}; indexed without a date")
        return None


_MD_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"<!--.*?-->", re.DOTALL), ""),
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.MULTILINE), r"\1"),
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.MULTILINE), ""),
    (re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$", re.MULTILINE), ""),
    (re.compile(r"^[ \t]*```[^\n]*$", re.MULTILINE), ""),
)
_MD_INLINE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"`([^`\n]+)`"), r"\1"),
)


def markdown_to_text(body: str) -> str:
    """Reduce Markdown to the plain text a reader sees: no markup left to quote."""
    for pattern, replacement in _MD_RULES:
        body = pattern.sub(replacement, body)
    return _markdown_inline(body)


def _markdown_inline(text: str) -> str:
    for pattern, replacement in _MD_INLINE:
        text = pattern.sub(replacement, text)
    return text


def parse_html(raw: str, url: str | None = None) -> Fields:
    """Extract title, main text, date and address from an HTML page with trafilatura.

    ``url`` is where a fetched page came from: the address when it names no canonical one, and
    its date is then read only from the page's metadata (a copyright year is not a date).
    """
    import trafilatura  # heavy-ish (lxml); only paid when an HTML file is read

    dates = {"extensive_search": False, "original_date": True} if url else None
    doc = trafilatura.bare_extraction(
        raw, url=url, with_metadata=True, include_comments=False, include_tables=True, favor_precision=True,
        date_extraction_params=dates,
    )  # fmt: skip
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        raise ValueError("no article text found in this HTML page; is it an article?")
    title = getattr(doc, "title", None) or None
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if title and lines and lines[0] == title.strip():
        lines = lines[1:]
    warnings: list[str] = []
    date = _date_or_warn(getattr(doc, "date", None), warnings)
    return Fields(
        text="\n\n".join(lines),
        title=title,
        date=date,
        source=getattr(doc, "sitename", None) or None,
        url=getattr(doc, "url", None) or None,
        warnings=tuple(warnings),
    )


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
        date=_date_or_warn(record.get("date"), warnings),
        source=record.get("source"),
        url=record.get("url"),
        warnings=tuple(warnings),
    )
