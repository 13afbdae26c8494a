"""Stage 7, citations: the chosen sentences as citations, each a true slice of its article.

A citation is checked against the snapshot's article text character for character before it
is given; a sentence that is not (an article changed meanwhile) is dropped rather than cited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from index.generation import ArticleRecord
from index.snapshot import Snapshot
from qa.sentence_ranking import Sentence

REFUSAL = "The indexed articles don't answer this."
UNSURE = "Not sure the indexed articles answer this."


@dataclass(frozen=True, slots=True)
class Mention:
    """Another article that published the same text (a syndicated copy): named, never quoted again."""

    article_id: str
    title: str
    date: dt.date | None
    source: str | None
    url: str | None

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        day = self.date.isoformat() if self.date else None
        return {"article_id": self.article_id, "title": self.title, "source": self.source, "date": day, "url": self.url}


@dataclass(frozen=True, slots=True)
class Citation:
    """Where an excerpt comes from: ``article.text[start:end] == excerpt``, always."""

    n: int
    article_id: str
    title: str
    date: dt.date | None
    source: str | None
    url: str | None
    passage_id: str
    start: int
    end: int
    excerpt: str
    highlight: tuple[int, int] | None = None
    also_in: tuple[Mention, ...] = ()  # the same text published elsewhere
    page: int | None = None  # the page (1-based) the excerpt starts on, for an article with pages (a PDF)

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        return {
            "n": self.n,
            "article_id": self.article_id,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source,
            "url": self.url,
            "passage_id": self.passage_id,
            "start": self.start,
            "end": self.end,
            "excerpt": self.excerpt,
            "highlight": {"start": self.highlight[0], "end": self.highlight[1]} if self.highlight else None,
            "also_in": [m.as_json() for m in self.also_in],
            "page": self.page,
        }


def closest(ranked: Sequence[Sentence], count: int) -> list[Sentence]:
    """The best sentence of each of the top passages."""
    chosen: list[Sentence] = []
    for sentence in ranked:
        if all(s.hit.passage.id != sentence.hit.passage.id for s in chosen):
            chosen.append(sentence)
        if len(chosen) == count:
            break
    return chosen


def cite(
    sentences: Sequence[Sentence],
    snapshot: Snapshot,
    span: tuple[int, int] | None,
    prefer_sources: Sequence[str] = (),
) -> tuple[Citation, ...]:
    """Citations of ``sentences``, numbered from 1; ``span`` (relative to the first) is its short answer.

    Of syndicated copies, one is cited (the earliest, or the first from ``prefer_sources``, when it
    holds the sentence word for word) and the others are named in ``also_in``; a second
    sentence from the same group of copies is left out.
    """
    citations: list[Citation] = []
    groups_cited: set[str] = set()
    for sentence in sentences:
        group = snapshot.copies(sentence.hit.passage.article_id)
        if group and group[0] in groups_cited:
            continue  # never two copies of one text (checked first: a copy's text need not be read)
        record = snapshot.article(sentence.hit.passage.article_id)
        if record is None or record.article.text[sentence.start : sentence.end] != sentence.text:
            continue  # never cite what is not, character for character, in the article
        groups_cited.update(group[:1])
        record, start, passage_id = _canonical(snapshot, group, record, sentence, prefer_sources)
        article = record.article
        highlight = None
        if span is not None and not citations:
            highlight = (start + span[0], start + span[1])
        citations.append(
            Citation(
                len(citations) + 1, article.id, article.title, article.date, article.source, article.url,
                passage_id, start, start + len(sentence.text), sentence.text, highlight,
                _mentions(snapshot, group, article.id), article.page_at(start),
            )
        )  # fmt: skip
    return tuple(citations)


def _canonical(
    snapshot: Snapshot, group: Sequence[str], record: ArticleRecord, sentence: Sentence, prefer: Sequence[str]
) -> tuple[ArticleRecord, int, str]:
    """The copy to cite (the preferred source's, else the earliest) and where the sentence stands in it."""
    here = (record, sentence.start, sentence.hit.passage.id)
    if not group:
        return here
    ordered = list(group)
    if prefer:  # the members' sources in one read, not one call per copy
        headers = snapshot.headers(group)
        ordered = [i for i in group if i in headers and (headers[i].article.source or "") in prefer] + ordered
    for article_id in ordered:
        if article_id == record.article.id:
            return here
        other = snapshot.article(article_id)
        at = other.article.text.find(sentence.text) if other else -1
        if other is not None and at >= 0:
            passage = next((p for p in snapshot.passages_of(article_id) if p.start <= at < p.end), None)
            if passage is not None:
                return other, at, passage.id
    return here


def _mentions(snapshot: Snapshot, group: Sequence[str], cited: str) -> tuple[Mention, ...]:
    others = [i for i in group if i != cited]
    headers = snapshot.headers(others) if others else {}
    found = []
    for article_id in others:
        if article_id in headers:
            a = headers[article_id].article
            found.append(Mention(a.id, a.title, a.date, a.source, a.url))
    return tuple(found)


def refusal_text(closest: Sequence[Citation], unsure: bool = False) -> str:
    """The refusal, offering the closest passages: as not answering, or (``unsure``: the confidence
    fell short of the threshold but not far) as passages that may answer, for the reader to check."""
    if not closest:
        return REFUSAL
    lines = [f"[{c.n}] {quoted(c.excerpt)} ({c.title}{page_label(c.page, ', ')})" for c in closest]
    if unsure:
        return UNSURE + "\n\nClosest matches, which may answer it (check them):\n" + "\n".join(lines)
    return REFUSAL + "\n\nClosest matches, which do not answer it:\n" + "\n".join(lines)


def page_label(page: int | None, before: str = "") -> str:
    """``"p. 3"`` for a citation on page 3 (after ``before``); nothing for an article without pages."""
    return f"{before}p. {page}" if page is not None else ""


def quote_marks(excerpt: str) -> tuple[str, str]:
    """The marks to put around an excerpt: none where its own text already has one (no ``force.””``)."""
    opening = "" if excerpt.startswith(("“", '"')) else "“"
    closing = "" if excerpt.endswith(("”", '"')) else "”"
    return opening, closing


def quoted(excerpt: str) -> str:
    """The excerpt in quotation marks, never doubled."""
    opening, closing = quote_marks(excerpt)
    return f"{opening}{excerpt}{closing}"
