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
    context: str = ""  # what the encoder reads before the text (the article's title); never quoted

    @property
    def text_hash(self) -> str:
        """Key of the embedding cache: equal texts under an equal context share one embedding."""
        return text_hash(encoder_input(self.context, self.text))


def encoder_input(context: str, text: str) -> str:
    """What the encoder reads for a passage: its context line, a blank line, then its own text."""
    return f"{context}\n\n{text}" if context else text


def passage_context(article: Article) -> str:
    """The retrieval context of an article's passages: its title, on one line."""
    return " ".join(article.title.split())


def text_hash(text: str) -> str:
    """The sha256 of a passage text (hex, 32 characters)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def passage_id(article_id: str, version: str, position: int) -> str:
    """Ids derive from the article, its content version and the position: never random."""
    return f"{article_id}#{version}:{position}"


def chunk(article: Article, settings: ChunkSettings) -> tuple[Passage, ...]:
    """Cut ``article`` into passages; every sentence lies whole inside at least one.

    A long paragraph is cut into windows of its sentences; then consecutive paragraphs (and
    windows) are packed together up to ``settings.words``, evenly, so a news article's
    one-sentence paragraphs travel with their neighbours. Each passage carries the article's
    title as its context for the encoder.
    """
    units: list[Span] = []
    for para_start, para_end in paragraphs(article.text):
        spans = _bounded(article.text, sentences(article.text, para_start, para_end), settings)
        units.extend(_windows(article.text, spans, settings))
    units = _pack(article.text, units, settings)
    context = passage_context(article)
    return tuple(
        Passage(
            id=passage_id(article.id, article.version, position),
            article_id=article.id,
            version=article.version,
            position=position,
            start=start,
            end=end,
            text=article.text[start:end],
            context=context,
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


def _pack(text: str, units: list[Span], settings: ChunkSettings) -> list[Span]:
    """Join consecutive units into as few passages of at most ``words`` words as possible, evenly.

    An exact partition (dynamic programming): the fewest passages first, then the most even
    sizes (least sum of squares), so a news article's one-sentence paragraphs are not left
    alone and the last passage is not a stub. Overlapping windows of one long paragraph stay
    apart (each is already near the limit).
    """
    if not units:
        return []
    counts = [_words(text, unit) for unit in units]
    best: list[tuple[int, int, int]] = [(0, 0, 0)]  # per prefix: (passages, sum of squared sizes, split)
    for end in range(1, len(units) + 1):
        choice: tuple[int, int, int] | None = None
        size = 0
        for start in range(end - 1, -1, -1):
            size += counts[start]
            if start < end - 1 and (size > settings.words or units[start][1] > units[start + 1][0]):
                break
            candidate = (best[start][0] + 1, best[start][1] + size * size, start)
            if choice is None or candidate[:2] < choice[:2]:
                choice = candidate
        assert choice is not None  # a unit alone is always allowed
        best.append(choice)
    bounds: list[Span] = []
    end = len(units)
    while end > 0:
        start = best[end][2]
        bounds.append((units[start][0], units[end - 1][1]))
        end = start
    return bounds[::-1]
