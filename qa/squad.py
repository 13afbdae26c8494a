"""SQuAD files as a corpus of articles and a list of questions with gold character spans.

Each SQuAD article becomes one article (its paragraphs joined as paragraphs). Gold answers
are mapped into that article's normalised text, so a hit is judged by characters, never by
how the chunker happened to cut.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from index.article import normalize_text

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class GoldQuestion:
    """A question with its gold answer spans in article offsets (none if unanswerable)."""

    id: str
    question: str
    article_id: str
    answers: tuple[Span, ...]
    answer_texts: tuple[str, ...]
    impossible: bool = False


@dataclass(frozen=True, slots=True)
class SquadArticle:
    """One SQuAD article as Verbatim indexes it."""

    id: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class SquadSet:
    """A whole SQuAD file."""

    version: str
    articles: tuple[SquadArticle, ...]
    questions: tuple[GoldQuestion, ...]


def load_squad(path: Path) -> SquadSet:
    """Read a SQuAD v1.1 or v2.0 JSON file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    articles: list[SquadArticle] = []
    questions: list[GoldQuestion] = []
    for entry in data["data"]:
        title = entry["title"].replace("_", " ")
        article_id = f"squad/{entry['title']}"
        parts: list[str] = []
        offset = 0
        for paragraph in entry["paragraphs"]:
            context = paragraph["context"]
            text = normalize_text(context)
            for qa in paragraph["qas"]:
                spans, texts = _map_answers(context, text, qa.get("answers", []), offset)
                impossible = bool(qa.get("is_impossible", False))
                if spans or impossible:
                    questions.append(GoldQuestion(qa["id"], qa["question"], article_id, spans, texts, impossible))
            parts.append(text)
            offset += len(text) + 2
        articles.append(SquadArticle(article_id, title, "\n\n".join(parts)))
    return SquadSet(str(data.get("version", "")), tuple(articles), tuple(questions))


def _map_answers(
    context: str, text: str, answers: Sequence[dict[str, object]], offset: int
) -> tuple[tuple[Span, ...], tuple[str, ...]]:
    """Find each gold answer in the normalised paragraph, nearest to where SQuAD says it is."""
    shift = len(context) - len(context.lstrip())
    spans: list[Span] = []
    texts: list[str] = []
    for answer in answers:
        wanted = normalize_text(str(answer["text"]))
        if not wanted:
            continue
        expected = int(str(answer["answer_start"])) - shift
        positions = _occurrences(text, wanted)
        if not positions:
            continue
        start = min(positions, key=lambda p: abs(p - expected))
        span = (offset + start, offset + start + len(wanted))
        if span not in spans:
            spans.append(span)
            texts.append(wanted)
    return tuple(spans), tuple(texts)


def _occurrences(text: str, wanted: str) -> list[int]:
    found = []
    start = text.find(wanted)
    while start != -1:
        found.append(start)
        start = text.find(wanted, start + 1)
    return found


def write_corpus(squad: SquadSet, path: Path) -> None:
    """Write the articles as a JSON Lines corpus (only if its content changed, to keep reindexes no-ops)."""
    lines = [json.dumps({"id": a.id, "title": a.title, "text": a.text}, ensure_ascii=False) for a in squad.articles]
    content = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != content:
        path.write_text(content, encoding="utf-8")


def sample(questions: Sequence[GoldQuestion], limit: int | None, seed: int) -> list[GoldQuestion]:
    """A seeded random sample of ``limit`` questions (all of them, in file order, without a limit)."""
    if limit is None or limit >= len(questions):
        return list(questions)
    return sorted(random.Random(seed).sample(list(questions), limit), key=questions.index)


def split_articles(squad: SquadSet, seed: int) -> tuple[set[str], set[str]]:
    """A seeded half/half split of article ids: (fit on, hold out)."""
    ids = sorted(a.id for a in squad.articles)
    random.Random(seed).shuffle(ids)
    half = len(ids) // 2
    return set(ids[:half]), set(ids[half:])
