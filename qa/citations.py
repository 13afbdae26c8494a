"""Stage 7, citations: the chosen sentences as citations, each a true slice of its article.

A citation is checked against the snapshot's article text character for character before it
is given; a sentence that is not (an article changed meanwhile) is dropped rather than cited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from index.catalog import Snapshot
from qa.sentence_ranking import Sentence

REFUSAL = "The indexed articles don't answer this."


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


def cite(sentences: Sequence[Sentence], snapshot: Snapshot, span: tuple[int, int] | None) -> tuple[Citation, ...]:
    """Citations of ``sentences``, numbered from 1; ``span`` (relative to the first) is its short answer."""
    citations: list[Citation] = []
    for sentence in sentences:
        record = snapshot.article(sentence.hit.passage.article_id)
        if record is None or record.article.text[sentence.start : sentence.end] != sentence.text:
            continue  # never cite what is not, character for character, in the article
        article = record.article
        highlight = None
        if span is not None and not citations:
            highlight = (sentence.start + span[0], sentence.start + span[1])
        citations.append(
            Citation(
                len(citations) + 1, article.id, article.title, article.date, article.source, article.url,
                sentence.hit.passage.id, sentence.start, sentence.end, sentence.text, highlight,
            )
        )  # fmt: skip
    return tuple(citations)


def refusal_text(closest: Sequence[Citation]) -> str:
    """The refusal, offering the closest passages as not answering."""
    if not closest:
        return REFUSAL
    lines = [f"[{c.n}] {quoted(c.excerpt)} ({c.title})" for c in closest]
    return REFUSAL + "\n\nClosest matches, which do not answer it:\n" + "\n".join(lines)


def quote_marks(excerpt: str) -> tuple[str, str]:
    """The marks to put around an excerpt: none where its own text already has one (no ``force.””``)."""
    opening = "" if excerpt.startswith(("“", '"')) else "“"
    closing = "" if excerpt.endswith(("”", '"')) else "”"
    return opening, closing


def quoted(excerpt: str) -> str:
    """The excerpt in quotation marks, never doubled."""
    opening, closing = quote_marks(excerpt)
    return f"{opening}{excerpt}{closing}"
