"""From a question (and the conversation so far) to what retrieval searches for."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from index.keyword import content_words, stem, words

MAX_QUESTION_CHARS = 1000
CONTEXT_WEIGHT = 0.35  # a word borrowed from earlier turns counts about a third of one asked now

AnswerType = Literal["person", "date", "number", "place", "organization", "reason"]

_WH = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.IGNORECASE)
_PRONOUNS = frozenset("he she they him her them his hers their theirs".split())
_FOLLOW_UP_WORDS = frozenset(
    "he she they him her them his hers their theirs it its this that these those there".split()
)
_FOLLOW_UP_START = re.compile(r"^\s*(?:and|also|what about|how about|then|so)\b", re.IGNORECASE)
_NAME = re.compile(r"\b[A-Z][a-zA-Z'’-]+(?:\s+[A-Z][a-zA-Z'’-]+)*")
_TYPE_PATTERNS: tuple[tuple[AnswerType, str], ...] = (
    ("person", r"^\s*(?:and\s+)?(?:who|whom|whose)\b"),
    ("person", r"\bwhich (?:person|official|leader|president|minister)\b"),
    ("date", r"^\s*(?:and\s+)?when\b"),
    ("date", r"\b(?:what|which) (?:year|date|day|month|time|decade|century)\b"),
    ("number", r"\bhow (?:many|much|long|far|old|large|big|often)\b"),
    ("number", r"\bwhat (?:number|percentage|percent|amount)\b"),
    ("place", r"^\s*(?:and\s+)?where\b"),
    ("place", r"\b(?:what|which|in which) (?:city|country|place|region|state|town)\b"),
    ("organization", r"\b(?:what|which) (?:organization|company|group|agency|team|party)\b"),
    ("reason", r"^\s*(?:and\s+)?why\b|\bfor what reason\b|\bwhat (?:caused|led to|prompted)\b"),
)
_TYPES = tuple((re.compile(pattern, re.IGNORECASE), kind) for kind, pattern in _TYPE_PATTERNS)


class QuestionError(ValueError):
    """The question cannot be searched as given; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of the conversation so far."""

    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class Query:
    """What to search for.

    Attributes:
        question: the question, cleaned, as the user asked it.
        search_text: what the dense search embeds (the question, after earlier questions
            when this one leans on them).
        words: content words of the question (unstemmed, for FTS5).
        context_words: content words borrowed from earlier turns, for a follow-up.
        answer_type: the kind of short answer the question asks for, if any.
    """

    question: str
    search_text: str
    words: tuple[str, ...]
    context_words: tuple[str, ...] = ()
    answer_type: AnswerType | None = None
    read_as: str = ""

    @property
    def reading_text(self) -> str:
        """What the reader reads: the question, or for a follow-up the earlier one with its slot filled in."""
        return self.read_as or self.question

    @property
    def stems(self) -> list[str]:
        """Stems of the question's own content words, in order."""
        return [stem(w) for w in self.words]

    @property
    def all_words(self) -> list[str]:
        """Question and context words together (for keyword search)."""
        return list(dict.fromkeys((*self.words, *self.context_words)))

    def weights(self) -> dict[str, float]:
        """Stem -> weight: 1 for the question's own terms, less for borrowed context."""
        weights = {stem(w): CONTEXT_WEIGHT for w in self.context_words}
        weights.update({stem(w): 1.0 for w in self.words})
        return weights


def clean_question(raw: str) -> str:
    """Remove control characters and collapse white space; refuse what cannot be searched."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in raw)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("Please type a question, for example: Who did Blinken meet in Ramallah?")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"That question is {len(text):,} characters long; please ask it in under {MAX_QUESTION_CHARS:,}."
        )
    if not any(c.isalnum() for c in text):
        raise QuestionError("That question has no words to search for; please ask it in words.")
    return text


def answer_type(question: str) -> AnswerType | None:
    """The kind of short answer asked for: who -> person, when -> date, how many -> number..."""
    for pattern, kind in _TYPES:
        if pattern.search(question):
            return kind
    return None


def build_query(raw: str, history: Sequence[Turn] = ()) -> Query:
    """Clean the question and, for a follow-up, borrow the subject from earlier turns."""
    question = clean_question(raw)
    own = content_words(question)
    previous = [t.content for t in history if t.role == "user" and t.content.strip()]
    context: list[str] = []
    search_text = question
    if previous and is_follow_up(question, own):
        earlier, replaced = _drop_replaced_slot(previous[-1], question)
        read_as = _fill_slot(previous[-1], question) or f"{previous[-1]} {question}"
        answers = [t.content for t in history if t.role == "assistant"]
        uses_pronoun = bool(set(words(question)) & _PRONOUNS)
        names = _NAME.findall(answers[-1][:400]) if answers and uses_pronoun else []
        skip = {stem(w) for w in [*own, *replaced]}
        context = [w for w in content_words(earlier + " " + " ".join(names)) if stem(w) not in skip]
        search_text = f"{earlier} {question}"
        inherited = None if _WH.search(question) else answer_type(earlier)  # "And in Turkey?" asks what "Who...?" asked
        kind = answer_type(question) or inherited
        return Query(question, search_text, tuple(own), tuple(context), kind, read_as)
    return Query(question, search_text, tuple(own), (), answer_type(question))


_SLOT = re.compile(r"^\s*(?:and|what about|how about)\s+(?P<prep>in|on|at|from|to|with|about|for|by|during)\s+", re.I)


def _drop_replaced_slot(earlier: str, question: str) -> tuple[str, list[str]]:
    """ "And in Turkey?" after "...meet in Ramallah?": Turkey takes Ramallah's place."""
    match = _SLOT.match(question)
    if not match:
        return earlier, []
    pattern = rf"\b{match.group('prep')}\s+(?:the\s+)?[\w'’-]+(?:\s+[A-Z][\w'’-]*)*"
    found = re.search(pattern, earlier, flags=re.IGNORECASE)
    if not found:
        return earlier, []
    return earlier[: found.start()] + earlier[found.end() :], words(found.group(0))


def _fill_slot(earlier: str, question: str) -> str | None:
    """ "Who did Blinken meet in Ramallah?" + "And in Turkey?" -> "Who did Blinken meet in Turkey?" """
    match = _SLOT.match(question)
    if not match:
        return None
    pattern = rf"\b{match.group('prep')}\s+(?:the\s+)?[\w'’-]+(?:\s+[A-Z][\w'’-]*)*"
    found = re.search(pattern, earlier, flags=re.IGNORECASE)
    if not found:
        return None
    phrase = question[match.start("prep") :].strip().rstrip("?!. ")
    return earlier[: found.start()] + phrase + earlier[found.end() :]


def is_follow_up(question: str, own_words: Sequence[str]) -> bool:
    """A question that leans on the previous one: a pronoun, "And ...?", or almost no words."""
    lowered = set(words(question))
    return bool(lowered & _FOLLOW_UP_WORDS) or bool(_FOLLOW_UP_START.match(question)) or len(own_words) <= 1
