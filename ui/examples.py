"""Example questions for the empty chat, drawn from the indexed articles.

Names and places are taken from the newest articles with spaCy's NER and put into a few
question shapes; Verbatim answers each, and the most confidently answered ones (about different
names and passages) are shown: the examples show the product at its best, and none leads to a
refusal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from qa.answering import Answerer
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
    for question in _candidates(answerer, texts)[:_ASKED]:
        try:
            answer = answerer.ask(question)
        except QuestionError:
            continue
        if answer.answered and answer.confidence >= _CONFIDENT:
            scored.append((answer.confidence, question, answer.citations[0].passage_id))
    chosen: list[str] = []
    passages: set[str] = set()
    for _, question, passage in sorted(scored, key=lambda s: -s[0]):
        if passage not in passages and len(chosen) < count:
            chosen.append(question)
            passages.add(passage)
    return chosen


def _candidates(answerer: Answerer, texts: Sequence[str]) -> list[str]:
    """Questions about the names the newest articles mention most, in every shape that fits."""
    nlp = answerer.spans._load()
    entities: Counter[tuple[str, str]] = Counter()
    for doc in nlp.pipe([text[:_CHARS] for text in texts[:SOURCE_ARTICLES]]):
        for entity in doc.ents:
            if entity.label_ in _SHAPES and len(entity.text) > 2:
                entities[(entity.label_, _short_name(entity.text, entity.label_))] += 1
    return [shape.format(name) for (label, name), _ in entities.most_common(12) for shape in _SHAPES[label]]


def _short_name(text: str, label: str) -> str:
    """People by their family name, as news does after the first mention."""
    words = text.replace("’s", "").replace("'s", "").split()
    return words[-1] if label == "PERSON" and len(words) > 1 else " ".join(words)
