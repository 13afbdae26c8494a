"""Example questions for the empty chat, drawn from the indexed articles.

Names and places are taken from the newest articles with spaCy's NER, put into a few
question shapes, and kept only if Verbatim answers them confidently: an example that led to
a refusal would be a poor first impression.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from qa.answering import Answerer
from qa.query import QuestionError

_SHAPES = {
    "PERSON": ("What did {} say?", "Who did {} meet?", "What did {} reject?"),
    "GPE": ("What is happening in {}?",),
    "ORG": ("What did {} do?",),
    "NORP": ("What do {} leaders want?",),
}
SOURCE_ARTICLES = 12  # the newest articles, where examples are drawn from
_CHARS = 3000


def example_questions(answerer: Answerer, texts: Sequence[str], count: int) -> list[str]:
    """Up to ``count`` confidently answered questions about different passages of ``texts``."""
    nlp = answerer.spans._load()
    entities: Counter[tuple[str, str]] = Counter()
    for doc in nlp.pipe([text[:_CHARS] for text in texts[:SOURCE_ARTICLES]]):
        for entity in doc.ents:
            if entity.label_ in _SHAPES and len(entity.text) > 2:
                entities[(entity.label_, _short_name(entity.text, entity.label_))] += 1
    chosen: list[str] = []
    cited: set[str] = set()
    for (label, name), _ in entities.most_common(10):
        for shape in _SHAPES[label]:
            question = shape.format(name)
            try:
                answer = answerer.ask(question)
            except QuestionError:
                continue
            if answer.answered and answer.confidence >= 0.6 and answer.citations[0].passage_id not in cited:
                chosen.append(question)
                cited.add(answer.citations[0].passage_id)
                break
        if len(chosen) == count:
            break
    return chosen


def _short_name(text: str, label: str) -> str:
    """People by their family name, as news does after the first mention."""
    words = text.replace("’s", "").replace("'s", "").split()
    return words[-1] if label == "PERSON" and len(words) > 1 else " ".join(words)
