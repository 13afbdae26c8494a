"""The article: the unit a user adds, changes and removes, and the text citations point into."""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from index.sentences import sentences

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_MANY_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


@dataclass(frozen=True, slots=True)
class Article:
    """One article, as indexed.

    ``text`` is normalised once, when the article is read; every character offset in the
    product (passages, citations, highlights) refers to this string.
    """

    id: str
    title: str
    text: str
    date: dt.date | None = None
    source: str | None = None
    url: str | None = None
    path: str = ""
    checksum: str = field(default="", compare=False)
    pages: tuple[int, ...] = ()  # where each page starts in ``text`` (a PDF's); empty: no pages

    @property
    def version(self) -> str:
        """A short token for this exact content: changes whenever text or metadata change."""
        return self.checksum[:16]

    def page_at(self, offset: int) -> int | None:
        """The page (1-based) holding the character at ``offset``; None for an article without pages."""
        if not self.pages:
            return None
        return max(1, bisect.bisect_right(self.pages, offset))


@dataclass(frozen=True, slots=True)
class SourceProblem:
    """Something wrong with one input file, or one line of it."""

    path: str
    message: str
    level: Literal["warning", "error"] = "error"
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{self.level}: {where}: {self.message}"


def normalize_text(text: str) -> str:
    """Return the canonical form of an article body.

    NFC, ``\\n`` line ends, no control characters, no trailing blanks on a line, at most one
    blank line between paragraphs, no surrounding white space.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = text.replace("\t", " ")
    text = _CONTROL.sub("", text)
    text = _TRAILING_SPACE.sub("\n", text)
    text = _MANY_BLANKS.sub("\n\n", text)
    return text.strip()


def make_article(
    *,
    id: str,
    text: str,
    title: str | None = None,
    date: dt.date | None = None,
    source: str | None = None,
    url: str | None = None,
    path: str = "",
    pages: tuple[int, ...] = (),
) -> Article:
    """Build an article with normalised text, a derived title if none, and its checksum.

    ``pages`` (page start offsets) are kept only for a ``text`` normalised already: offsets into
    a text that normalising would change would point at the wrong characters.
    """
    body = normalize_text(text)
    pages = pages if body == text else ()
    clean_title = " ".join((title or "").split()) or derive_title(body) or id
    clean_source = " ".join((source or "").split()) or None
    clean_url = (url or "").strip() or None
    fields: list[object] = [clean_title, date.isoformat() if date else None, clean_source, clean_url, body]
    payload = json.dumps(fields + ([list(pages)] if pages else []), ensure_ascii=False)
    checksum = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    return Article(
        id=id,
        title=clean_title,
        text=body,
        date=date,
        source=clean_source,
        url=clean_url,
        path=path,
        checksum=checksum,
        pages=pages,
    )


_CLAUSE_BREAK = re.compile(r",\s|;\s|\s[—–-]\s|:\s")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][0-9:.+\-Z ]*)?$")
_WEAK_ENDINGS = frozenset(
    "a an the of and or but to in on at by for with from over has have had is are was were "
    "be been its their his her that which who as".split()
)


def derive_title(text: str, limit: int = 90) -> str:
    """Make a recognisable title from the article's opening sentence.

    The files in ``seeds/`` carry no title, so the first sentence stands in: whole if short,
    else cut at the last clause break that leaves at least 40 characters, else at a word
    boundary (never on a function word) with an ellipsis.
    """
    spans = sentences(text)
    if not spans:
        return ""
    sentence = " ".join(text[spans[0][0] : spans[0][1]].split()).rstrip(".!?").strip()
    if len(sentence) <= limit:
        return sentence
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(sentence) if 40 <= m.start() <= limit]
    if breaks:
        return sentence[: breaks[-1]].strip()
    words = sentence[: limit - 10].rsplit(" ", 1)[0].split()
    while len(words) > 3 and words[-1].lower().strip(",;:") in _WEAK_ENDINGS:
        words.pop()
    return " ".join(words).rstrip(",;:") + "…"


def parse_date(value: object) -> dt.date | None:
    """Read a date from front matter, JSON or the seed prefix; ``ValueError`` if malformed."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a date like 2023-11-10, got {value!r}")
    text = value.strip()
    if _ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            pass
    raise ValueError(f"expected a date like 2023-11-10, got {text!r}")
