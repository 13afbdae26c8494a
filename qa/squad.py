"""SQuAD files as a corpus of articles and a list of questions with gold character spans.

Each SQuAD article becomes one article (its paragraphs joined as paragraphs). Gold answers
are mapped into that article's normalised text, so a hit is judged by characters, never by
how the chunker happened to cut.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from index.article import normalize_text

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class GoldQuestion:
    """A question with its gold answer spans in article offsets (none if unanswerable).

    ``asked_on`` is the day the question was asked, where the file says (news sets carry it):
    relative phrases such as "this week" count back from it.
    """

    id: str
    question: str
    article_id: str
    answers: tuple[Span, ...]
    answer_texts: tuple[str, ...]
    impossible: bool = False
    asked_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class SquadArticle:
    """One SQuAD article as Verbatim indexes it."""

    id: str
    title: str
    text: str
    date: str | None = None  # YYYY-MM-DD, where the file gives it (the news sets do)
    url: str | None = None


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
    seen: dict[str, int] = {}
    for entry in data["data"]:
        title = entry["title"].replace("_", " ")
        article_id = _unique_id(f"squad/{entry['title']}", seen)
        parts: list[str] = []
        offset = 0
        for paragraph in entry["paragraphs"]:
            context = paragraph["context"]
            text = _normalized(context)
            if not text:
                continue
            for qa in paragraph["qas"]:
                spans, texts = _map_answers(context, text, qa.get("answers", []), offset)
                impossible = bool(qa.get("is_impossible", False))
                asked_on = dt.date.fromisoformat(qa["asked_on"]) if qa.get("asked_on") else None
                if spans or impossible:
                    questions.append(
                        GoldQuestion(qa["id"], qa["question"], article_id, spans, texts, impossible, asked_on)
                    )
            parts.append(text)
            offset += len(text) + 2
        date = str(entry["date"]) if entry.get("date") else None
        url = str(entry["url"]) if entry.get("url") else None
        articles.append(SquadArticle(article_id, title, "\n\n".join(parts), date, url))
    return SquadSet(str(data.get("version", "")), tuple(articles), tuple(questions))


def _unique_id(base: str, seen: dict[str, int]) -> str:
    """Articles that share a title ("News from around our 50 states") each get their own id."""
    count = seen.get(base, 0) + 1
    seen[base] = count
    return base if count == 1 else f"{base}#{count}"


def _normalized(text: str) -> str:
    """``normalize_text`` until it changes nothing more: exactly the text the index will hold."""
    while True:
        again = normalize_text(text)
        if again == text:
            return text
        text = again


def _map_answers(
    context: str, text: str, answers: Sequence[dict[str, object]], offset: int
) -> tuple[tuple[Span, ...], tuple[str, ...]]:
    """Find each gold answer in the normalised paragraph, nearest to where SQuAD's offset lands after normalising."""
    spans: list[Span] = []
    texts: list[str] = []
    for answer in answers:
        wanted = _normalized(str(answer["text"]))
        if not wanted:
            continue
        start_raw = int(str(answer["answer_start"]))
        expected = len(_normalized(context[:start_raw] + "x")) - 1  # the offset, mapped through normalisation
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
    lines = [
        json.dumps(
            {
                "id": a.id,
                "title": a.title,
                **({"date": a.date} if a.date else {}),
                **({"url": a.url} if a.url else {}),
                "text": a.text,
            },
            ensure_ascii=False,
        )
        for a in squad.articles
    ]
    content = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != content:
        path.write_text(content, encoding="utf-8")


def sample(questions: Sequence[GoldQuestion], limit: int | None, seed: int) -> list[GoldQuestion]:
    """A seeded random sample of ``limit`` questions (all of them, in file order, without a limit)."""
    if limit is None or limit >= len(questions):
        return list(questions)
    picked = set(random.Random(seed).sample(range(len(questions)), limit))  # the same picks as sampling the list
    return [q for i, q in enumerate(questions) if i in picked]


def split_articles(squad: SquadSet, seed: int) -> tuple[set[str], set[str]]:
    """A seeded half/half split of article ids: (fit on, hold out)."""
    ids = sorted(a.id for a in squad.articles)
    random.Random(seed).shuffle(ids)
    half = len(ids) // 2
    return set(ids[:half]), set(ids[half:])


def sample_articles(squad: SquadSet, count: int, seed: int) -> SquadSet:
    """A seeded sample of ``count`` articles with their questions (all of them if there are fewer)."""
    ids = sorted(a.id for a in squad.articles)
    keep = set(random.Random(seed).sample(ids, count)) if count < len(ids) else set(ids)
    return SquadSet(
        squad.version,
        tuple(a for a in squad.articles if a.id in keep),
        tuple(q for q in squad.questions if q.article_id in keep),
    )
