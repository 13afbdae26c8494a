"""Example questions for the empty chat, drawn from the indexed articles.

Names and places are taken from the newest articles with spaCy's NER and put into a few
question shapes; Verbatim answers each, and a question is shown only when its answer fits it:
answered confidently, its quoted sentence about the name and saying what the shape asks (the
shape's own word: "met", "travelled", "rejected"), and for "who" and "where" shapes a short
answer that is a person or organisation, or a place, other than the name itself. A storm is
never asked where it travelled, because no quoted sentence says it did. The best fitting ones
about different names and passages are shown: the examples show the product at its best, and
none leads to a refusal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from qa.answering import Answer, Answerer
from qa.query import QuestionError

# Specific shapes: a vague one ("What did Hamas do?") can be answered by many sentences, weakly.
_SHAPES = {
    "PERSON": ("Who did {} meet?", "What did {} reject?", "What did {} say?", "Where did {} travel?"),
    "GPE": ("Who visited {}?", "What is happening in {}?"),
    "ORG": ("What did {} say?",),
    "NORP": ("What do {} leaders want?",),
}
SOURCE_ARTICLES = 12  # the newest articles, where examples are drawn from
_CHARS = 3000
_ASKED = 30  # questions tried (each about 0.1 s; once per index generation)
_CONFIDENT = 0.5  # well above the refusal threshold; the best are taken first


def example_questions(answerer: Answerer, texts: Sequence[str], count: int) -> list[str]:
    """The ``count`` questions about ``texts`` that Verbatim answers most confidently, each citing a
    different passage first, all at least ``_CONFIDENT``."""
    scored: list[tuple[float, str, str]] = []  # (confidence, question, passage)
    nlp = answerer.spans._load()
    for question, name, shape in _candidates(answerer, texts)[:_ASKED]:
        try:
            answer = answerer.ask(question)
        except QuestionError:
            continue
        if answer.answered and answer.confidence >= _CONFIDENT and _fits(nlp, answer, name, shape):
            scored.append((answer.confidence, question, answer.citations[0].passage_id))
    chosen: list[str] = []
    passages: set[str] = set()
    for _, question, passage in sorted(scored, key=lambda s: -s[0]):
        if passage not in passages and len(chosen) < count:
            chosen.append(question)
            passages.add(passage)
    return chosen


# What each shape's answer must say: the words (stems) its quoted sentence holds one of, and the
# entity kinds its short answer must be (none: any).
_FIT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Who did {} meet?": (("meet", "met", "talk", "held"), ("PERSON", "ORG", "NORP")),
    "What did {} reject?": (("reject",), ()),
    "What did {} say?": (("said", "say", "told", "announc"), ()),
    "Where did {} travel?": (("travel", "visit", "arriv", "flew", "went", "trip"), ("GPE", "LOC", "FAC")),
    "Who visited {}?": (("visit",), ("PERSON", "ORG", "NORP")),
    "What is happening in {}?": ((), ()),
    "What do {} leaders want?": (("want", "call", "demand", "seek"), ()),
}


def _fits(nlp: Any, answer: Answer, name: str, shape: str) -> bool:
    """Whether the answer answers the shape's question about ``name`` (not only shares its words)."""
    citation = answer.citations[0]
    excerpt = citation.excerpt
    if name.casefold() not in excerpt.casefold():
        return False  # the quoted sentence is about something else
    words, kinds = _FIT.get(shape, ((), ()))
    if words and not _near(excerpt, name, words, after="visited" in shape):
        return False
    if "happening in" in shape and f"in {name}".casefold() not in excerpt.casefold():
        return False
    if not citation.highlight:
        return not kinds
    short = excerpt[citation.highlight[0] - citation.start : citation.highlight[1] - citation.start]
    if not short.strip() or name.casefold() in short.casefold():
        return False
    return not kinds or any(e.label_ in kinds for e in nlp(short).ents)


def _near(excerpt: str, name: str, words: Sequence[str], after: bool = False) -> bool:
    """The shape's verb close after the name ("Blinken traveled", "Netanyahu later rejected"), or just
    before it when the name is the object (``after``: "visited Gaza"): the sentence says it of the name."""
    tokens = [t.strip(".,;:“”\"'()").casefold() for t in excerpt.split()]
    last = name.split()[-1].casefold()
    names = [i for i, t in enumerate(tokens) if t.removesuffix("’s").removesuffix("'s") == last]
    verbs = [i for i, t in enumerate(tokens) if t.startswith(tuple(words))]
    if after:
        return any(0 < n - v <= 3 for n in names for v in verbs)
    return any(0 < v - n <= 12 for n in names for v in verbs)


def _candidates(answerer: Answerer, texts: Sequence[str]) -> list[tuple[str, str, str]]:
    """Questions (with their name and shape) about the names the newest articles mention most."""
    nlp = answerer.spans._load()
    entities: Counter[tuple[str, str]] = Counter()
    for doc in nlp.pipe([text[:_CHARS] for text in texts[:SOURCE_ARTICLES]]):
        for entity in doc.ents:
            if entity.label_ in _SHAPES and len(entity.text) > 2:
                entities[(entity.label_, _short_name(entity.text, entity.label_))] += 1
    return [
        (shape.format(name), name, shape) for (label, name), _ in entities.most_common(12) for shape in _SHAPES[label]
    ]


def _short_name(text: str, label: str) -> str:
    """People by their family name, as news does after the first mention."""
    words = text.replace("’s", "").replace("'s", "").split()
    return words[-1] if label == "PERSON" and len(words) > 1 else " ".join(words)
