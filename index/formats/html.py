"""HTML (``.html``): the page's main text, title, date and address, extracted with trafilatura.

The same extraction serves saved pages, pages fetched by URL and the pages inside a WARC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from index.formats.base import Fields, Format, Problem, ReadOptions, date_or_warn, decode
from index.formats.text import read_whole

_MIN_WORDS = 8


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
    date = date_or_warn(getattr(doc, "date", None), warnings)
    return Fields(
        text="\n\n".join(lines),
        title=title,
        date=date,
        source=getattr(doc, "sitename", None) or None,
        url=getattr(doc, "url", None) or None,
        warnings=tuple(warnings),
    )


def parse_page(body: bytes, url: str, content_type: str) -> Fields:
    """A page fetched from ``url`` (or archived from it): decoded by its charset, then extracted.

    ``ValueError`` when it is not an HTML page or holds too few words to be an article.
    """
    kind = content_type.split(";")[0].strip().lower()
    if kind and kind not in ("text/html", "application/xhtml+xml", "text/plain"):
        raise ValueError(f"is {kind}, not an HTML page; only article pages and RSS or Atom feeds can be added")
    charset = re.search(r"charset=([\w-]+)", content_type)
    try:
        text = body.decode(charset.group(1)) if charset else decode(body)[0]
    except (LookupError, UnicodeDecodeError):
        text = decode(body)[0]
    fields = parse_html(text, url=url)
    if len(fields.text.split()) < _MIN_WORDS:  # a menu or a sign-in box, left when nothing else is
        raise ValueError(f"no article text found in this HTML page (only “{fields.text[:60]}”); is it an article?")
    return fields


def read_html(stream: BinaryIO, options: ReadOptions) -> Iterator[Fields | Problem]:
    """The one article of a saved HTML page."""
    yield from read_whole(stream, parse_html)


HTML = Format("html", (".html", ".htm"), read_html)
