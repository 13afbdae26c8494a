"""PDF (``.pdf``): the text layer with pypdf, one article per file, its page starts kept.

Lines are joined into paragraphs and words broken at a line end are mended (``develop-`` +
``ment`` -> ``development``); the article text is that mended text, and ``Fields.pages`` holds
the offset in it where each page starts, so a citation knows its page. A PDF without a text
layer (a scan) is reported with what to do. pypdf was chosen (BSD, pure Python): it extracts
text in the order the page draws it, which keeps a two-column page's columns apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

from index.article import normalize_text
from index.formats.base import Fields, Format, Problem, ReadOptions, megabytes

NO_TEXT = (
    "has no text layer (a scanned document?); run OCR on it, e.g. `ocrmypdf in.pdf out.pdf`, then index the result"
)
_BROKEN_WORD = re.compile(r"[^\W\d_]-$")
# A line ends its paragraph when it is shorter than this share of the page's longest: a sentence's
# end a little short (the last line of a paragraph), or any line much shorter (a heading).
_SENTENCE_LINE, _SHORT_LINE = 0.85, 0.6
_SENTENCE_END = (".", "!", "?", ":", '"', "”", "’", ")")


def read_pdf(stream: BinaryIO, options: ReadOptions) -> Iterator[Fields | Problem]:
    """The one article of a PDF: its pages' text, with where each page starts."""
    try:
        reader = _open(stream)
        raw = [page.extract_text() or "" for page in reader.pages]
        title, date = _metadata(reader)
    except ValueError as exc:
        yield Problem(str(exc))
        return
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds of error on a damaged file
        yield Problem(f"cannot be read as a PDF ({type(exc).__name__}: {exc}); is it damaged? Save it again")
        return
    text, pages = join_pages([page_text(r) for r in raw])
    if not text:
        yield Problem(NO_TEXT)
        return
    if len(text.encode("utf-8")) > options.max_bytes:
        yield Problem(
            f"its text is over the {megabytes(options.max_bytes)} MB limit for one article; "
            "split it or raise --max-file-mb"
        )
        return
    blank = [str(i + 1) for i, r in enumerate(raw) if not r.strip()]
    if blank:
        yield Problem(f"page {', '.join(blank)} has no text layer and is not indexed; {NO_TEXT[4:]}", "warning")
    yield Fields(text=text, title=title, date=date, pages=pages)


def _open(stream: BinaryIO) -> Any:
    from pypdf import PdfReader  # only paid when a PDF is read

    reader = PdfReader(stream)
    if reader.is_encrypted and not reader.decrypt(""):
        raise ValueError("is protected by a password; save an unprotected copy and index that")
    return reader


def _metadata(reader: Any) -> tuple[str | None, Any]:
    meta = reader.metadata
    if meta is None:
        return None, None
    title = (meta.title or "").strip() or None
    try:
        created = meta.creation_date
    except ValueError:  # a malformed /CreationDate: the article is simply undated
        created = None
    return title, created.date() if created is not None else None


def page_text(raw: str) -> str:
    """One page's extracted lines as paragraphs, with words broken at a line end mended."""
    lines = [line.strip() for line in raw.replace("\u00ad\n", "-\n").replace("\u00ad", "").splitlines()]
    widest = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line:
            paragraphs.append(current)
            current = ""
            continue
        current = mend(current, line)
        share = _SENTENCE_LINE if line.endswith(_SENTENCE_END) else _SHORT_LINE
        if len(line) < share * widest and not line.endswith(("-", ",")):
            paragraphs.append(current)
            current = ""
    paragraphs.append(current)
    return normalize_text("\n\n".join(p for p in paragraphs if p))


def mend(before: str, line: str) -> str:
    """``before`` continued by ``line``: a word broken by a hyphen at the line end is joined."""
    if not before:
        return line
    if _BROKEN_WORD.search(before) and line[:1].islower():
        return before[:-1] + line
    return before + " " + line


def join_pages(texts: Sequence[str]) -> tuple[str, tuple[int, ...]]:
    """The pages' texts as one article text, and the offset of each page's start in it.

    A blank page starts where the next one does. A word broken across a page break is mended
    and belongs to the page it starts on.
    """
    parts: list[str] = []
    starts: list[int | None] = []
    at = 0
    for text in texts:
        if parts and _BROKEN_WORD.search(parts[-1]) and text[:1].islower():
            head = text.split(maxsplit=1)[0]
            parts[-1] = parts[-1][:-1] + head
            at += len(head) - 1
            text = text[len(head) :].lstrip()
        if not text:
            starts.append(None)
            continue
        at += 2 if parts else 0  # the blank line between two pages
        starts.append(at)
        parts.append(text)
        at += len(text)
    filled: list[int] = []
    for start in reversed(starts):
        filled.append(start if start is not None else (filled[-1] if filled else at))
    return "\n\n".join(parts), tuple(reversed(filled))


PDF = Format("pdf", (".pdf",), read_pdf, whole=False)
