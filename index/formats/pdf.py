"""PDF (``.pdf``): the text layer with pypdf, one article per file, its page starts kept.

Running headers, footers and page numbers are dropped from the pages' edges (``pdf_margins``);
lines are joined into paragraphs and words broken at a line end are mended (``develop-`` +
``ment`` -> ``development``), across a page break too; the article text is that mended text, and
``Fields.pages`` holds the offset in it where each page starts, so a citation knows its page. A
PDF without a text layer (a scan) is reported with what to do. pypdf was chosen (BSD, pure
Python): it extracts text in the order the page draws it, which keeps a two-column page's columns
apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

from index.article import normalize_text
from index.formats.base import Fields, Format, Problem, ReadOptions, megabytes
from index.formats.pdf_margins import drop_margins

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
    text, pages = article_text(raw)
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


def article_text(raw: Sequence[str]) -> tuple[str, tuple[int, ...]]:
    """The article text of a PDF's extracted pages, and the offset of each page's start in it.

    Each page loses its running header, footer and page number, its lines become paragraphs,
    and the pages are joined (``join_pages``).
    """
    return join_pages([page_text(page) for page in drop_margins(raw)])


def page_text(raw: str) -> str:
    """One page's extracted lines as paragraphs, with words broken at a line end mended.

    A soft hyphen at a line's end becomes a hyphen (on the page's last line too, whose word may
    go on over the page) and is dropped elsewhere.
    """
    lines = [_soft_hyphens(line.strip()) for line in raw.splitlines()]
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


def _soft_hyphens(line: str) -> str:
    return line[:-1].replace("\u00ad", "") + "-" if line.endswith("\u00ad") else line.replace("\u00ad", "")


def mend(before: str, line: str) -> str:
    """``before`` continued by ``line``: a word broken by a hyphen at the line end is joined."""
    if not before:
        return line
    if _BROKEN_WORD.search(before) and line[:1].islower():
        return before[:-1] + line
    return before + " " + line


def join_pages(texts: Sequence[str]) -> tuple[str, tuple[int, ...]]:
    """The pages' texts as one article text, and the offset of each page's start in it.

    Pages are apart by a blank line, but a page that goes on with the sentence the one before
    left open (``continues``) is joined to it as lines are within a page: by a space, or, for a
    word broken across the page break, mended (the word belongs to the page it starts on). A
    blank page starts where the next one does.
    """
    parts: list[str] = []
    starts: list[int | None] = []
    at = 0
    for text in texts:
        gap = "\n\n"
        if parts and text and continues(parts[-1], text):
            gap = " "
            if _BROKEN_WORD.search(parts[-1]):
                head = text.split(maxsplit=1)[0]
                parts[-1] = parts[-1][:-1] + head
                at += len(head) - 1
                text = text[len(head) :].lstrip()
        if not text:
            starts.append(None)
            continue
        at += len(gap) if parts else 0
        starts.append(at)
        parts.append((gap if parts else "") + text)
        at += len(text)
    filled: list[int] = []
    for start in reversed(starts):
        filled.append(start if start is not None else (filled[-1] if filled else at))
    return "".join(parts), tuple(reversed(filled))


def continues(before: str, text: str) -> bool:
    """Whether ``text``, a page's, goes on with the sentence that ``before`` ends with.

    A word broken at the end of ``before`` and going on in lower case, or ``before`` not ending a
    sentence and ``text`` starting in lower case or with a digit ("operating costs to" +
    "26.2 million euros"). A page that starts with a capital starts a paragraph of its own, as before.
    """
    if _BROKEN_WORD.search(before):
        return text[:1].islower()
    return not before.endswith(_SENTENCE_END) and (text[:1].islower() or text[:1].isdigit())


PDF = Format("pdf", (".pdf",), read_pdf, whole=False)
