"""Markdown (``.md``): front matter as in text files, the first ``#`` heading as the title, and
the markup removed, so that nothing quoted is markup."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import BinaryIO

from index.formats.base import Fields, Format, Problem, ReadOptions
from index.formats.text import parse_text, read_whole

_MD_HEADING = re.compile(r"\A[ \t]*#[ \t]+([^\n]+?)[ \t#]*(?:\n|\Z)")
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


def parse_markdown(raw: str) -> Fields:
    """Parse Markdown: the text file's fields, then the heading as title and the markup removed."""
    fields = parse_text(raw)
    body = fields.text
    heading = _MD_HEADING.match(body.lstrip("\n"))
    if heading:
        body = body.lstrip("\n")[heading.end() :]
        if fields.title is None:
            fields = replace(fields, title=_markdown_inline(heading.group(1)))
    return replace(fields, text=markdown_to_text(body))


def markdown_to_text(body: str) -> str:
    """Reduce Markdown to the plain text a reader sees: no markup left to quote."""
    for pattern, replacement in _MD_RULES:
        body = pattern.sub(replacement, body)
    return _markdown_inline(body)


def _markdown_inline(text: str) -> str:
    for pattern, replacement in _MD_INLINE:
        text = pattern.sub(replacement, text)
    return text


def read_markdown(stream: BinaryIO, options: ReadOptions) -> Iterator[Fields | Problem]:
    """The one article of a Markdown file."""
    yield from read_whole(stream, parse_markdown)


MARKDOWN = Format("markdown", (".md", ".markdown"), read_markdown)
