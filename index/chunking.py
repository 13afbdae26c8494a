"""Cut an article into passages along paragraphs and sentences, keeping character offsets."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from index.article import Article
from index.sentences import Span, paragraphs, sentences


@dataclass(frozen=True, slots=True)
class ChunkSettings:
    """How passages are cut; recorded with the index, since changing it means a rebuild.

    Attributes:
        words: the most words a passage holds (a single longer sentence stays whole up to
            twice this, and only a longer run without sentence ends is cut at spaces).
        overlap: sentences repeated at the start of the next passage when a long
            paragraph is split, so an answer on the seam is whole in one of them.
    """

    words: int = 150
    overlap: int = 1

    def __post_init__(self) -> None:
        if self.words < 10:
            raise ValueError("chunk words must be at least 10")
        if self.overlap < 0:
            raise ValueError("chunk overlap cannot be negative")


@dataclass(frozen=True, slots=True)
class Passage:
    """A slice of one article version: ``article.text[start:end] == text``."""

    id: str
    article_id: str
    version: str
    position: int
    start: int
    end: int
    text: str

    @property
    def text_hash(self) -> str:
        """Key of the embedding cache: equal texts share one embedding."""
        return text_hash(self.text)


def text_hash(text: str) -> str:
    """The sha256 of a passage text (hex, 32 characters)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def passage_id(article_id: str, version: str, position: int) -> str:
    """Ids derive from the article, its content version and the position: never random."""
    return f"{article_id}#{version}:{position}"


def chunk(article: Article, settings: ChunkSettings) -> tuple[Passage, ...]:
    """Cut ``article`` into passages; every sentence lies whole inside at least one."""
    units: list[Span] = []
    for para_start, para_end in paragraphs(article.text):
        spans = _bounded(article.text, sentences(article.text, para_start, para_end), settings)
        units.extend(_windows(article.text, spans, settings))
    units = _merge_small(article.text, units, settings)
    return tuple(
        Passage(
            id=passage_id(article.id, article.version, position),
            article_id=article.id,
            version=article.version,
            position=position,
            start=start,
            end=end,
            text=article.text[start:end],
        )
        for position, (start, end) in enumerate(units)
    )


def _words(text: str, span: Span) -> int:
    return len(text[span[0] : span[1]].split())


def _bounded(text: str, spans: list[Span], settings: ChunkSettings) -> list[Span]:
    """Cut only runs of more than twice the passage size with no sentence end, at spaces."""
    out: list[Span] = []
    for span in spans:
        if _words(text, span) <= 2 * settings.words:
            out.append(span)
            continue
        start, count = span[0], 0
        for position in range(span[0], span[1]):
            if text[position].isspace() and not text[position - 1].isspace():
                count += 1
                if count == settings.words:
                    out.append((start, position))
                    start, count = position + 1, 0
        out.append((start, span[1]))
    return out


def _windows(text: str, spans: list[Span], settings: ChunkSettings) -> list[Span]:
    """Pack a paragraph's sentences into balanced windows of at most ``words`` words."""
    if not spans:
        return []
    counts = [_words(text, span) for span in spans]
    total = sum(counts)
    if total <= settings.words:
        return [(spans[0][0], spans[-1][1])]
    target = min(settings.words, math.ceil(total / math.ceil(total / settings.words)))
    windows: list[Span] = []
    first = 0
    while first < len(spans):
        last, size = first, counts[first]
        while last + 1 < len(spans) and size + counts[last + 1] <= max(target, counts[first]):
            last += 1
            size += counts[last]
        windows.append((spans[first][0], spans[last][1]))
        if last + 1 >= len(spans):
            break
        first = max(first + 1, last + 1 - settings.overlap)
    return windows


def _merge_small(text: str, units: list[Span], settings: ChunkSettings) -> list[Span]:
    """Join a tiny unit (a heading, a one-line paragraph) with its neighbour when both fit."""
    small = max(1, min(settings.words // 4, 15))  # headings and one-liners, not real paragraphs
    merged: list[Span] = []
    for unit in units:
        if merged:
            previous = merged[-1]
            joined = (previous[0], unit[1])
            tiny = _words(text, previous) < small or _words(text, unit) < small
            if tiny and _words(text, joined) <= settings.words and previous[1] <= unit[0]:
                merged[-1] = joined
                continue
        merged.append(unit)
    return merged
