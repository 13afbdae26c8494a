"""Cheap signs that a sentence holds the kind of answer a question asks for.

Regular expressions, not a parser: they run on every candidate sentence in microseconds. The
sentence ranker learns from SQuAD how much each sign is worth; they only say "this sentence
has a date in it" (for "when"), "a number" (for "how many"), "a reason" (for "why").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.keyword import STOPWORDS, stem, words

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\b|(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.|1[0-9]{{3}}s?\b|20[0-9]{{2}}s?\b|"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|centur(?:y|ies)\b|decades?\b|"
    r"(?:yesterday|today|tomorrow)\b|(?:last|next|this) (?:week|month|year)\b)",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundreds?|thousands?|millions?|billions?|dozens?|percent)\b|%",
    re.IGNORECASE,
)
_REASON = re.compile(
    r"\b(?:because|since|due to|owing to|as a result|so that|in order to|reasons?|caused?|causes|leads? to|"
    r"concerns?|would allow|to prevent|to avoid|aimed|intended|citing|stating|argu(?:e|es|ed|ing)|fear(?:s|ed)?|"
    r"therefore|thus|hence)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z'’-]+(?:\s+(?:[A-Z][a-z'’-]+|[A-Z]\.))*")
_PLACE = re.compile(r"\b(?:in|at|from|to|near|of)\s+(?:the\s+)?([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*)")
_ORGANIZATION = re.compile(
    r"\b[A-Z]{2,6}\b|\b(?:[A-Z][\w&'’-]+\s+)+(?:Inc|Corp|Company|University|Party|Association|Council|Agency|"
    r"Committee|Organization|Organisation|Ministry|Department|Group|League|Union|Bank|Foundation|Institute|Army|"
    r"Authority|Court|Senate|Congress|Parliament|Commission|Society|Club|Church)\b"
)


_QUESTION_NAME = re.compile(r"\b[A-Z][\w'.&-]*(?:\s+(?:of\s+|the\s+|de\s+|and\s+)?[A-Z][\w'.&-]*)*")
YEAR = re.compile(r"\b(1[5-9]\d\d|20[0-2]\d)\b")


def names_in(question: str) -> list[tuple[int, int]]:
    """Character spans of the question's names: capitalised runs of words, not the question's first word."""
    found = []
    for m in _QUESTION_NAME.finditer(question):
        start, text = m.start(), m.group()
        if start == 0:  # "When", "Who": the first word is capitalised anyway; keep what follows it
            rest = text.split(None, 1)
            if len(rest) < 2:
                continue
            start, text = m.start() + len(text) - len(rest[1]), rest[1]
        found.append((start, start + len(text.rstrip(".'"))))
    return found


def unmentioned(question: str, texts: Sequence[str]) -> list[str]:
    """The question's names and years that none of ``texts`` mentions (a name counts as mentioned
    when one of its words of three letters or more is a word of the texts: "Abbas" for "Mahmoud Abbas")."""
    # its own split, not index.keyword.words: with that one, swapped-name questions were offered as
    # "may answer" for 0.076 of SQuAD dev's against 0.027 (docs/EVALUATION.md's swapped-name runs)
    held = {w.casefold() for text in texts for w in re.findall(r"[\w'’-]+", text)}
    missing = []
    for a, b in names_in(question):
        name = question[a:b]
        parts = [w.casefold() for w in re.findall(r"[\w'’-]+", name) if len(w) >= 3]
        if parts and not any(w in held for w in parts):
            missing.append(name)
    missing += [m.group() for m in YEAR.finditer(question) if m.group() not in held]
    return missing


def _new(found: list[str], asked: set[str]) -> bool:
    """Any match that is not just the question's own words."""
    for text in found:
        stems = {stem(w) for w in words(text) if w not in STOPWORDS}
        if stems and not stems <= asked:
            return True
    return False


def type_match(sentence: str, answer_type: str | None, asked: set[str]) -> float:
    """1.0 if the sentence holds something of the asked-for type beyond the question's words."""
    if answer_type is None:
        return 0.0
    if answer_type == "date":
        found = [m.group(0) for m in _DATE.finditer(sentence)]
    elif answer_type == "number":
        found = [m.group(0) for m in _NUMBER.finditer(sentence)]
    elif answer_type == "reason":
        return 1.0 if _REASON.search(sentence) else 0.0
    elif answer_type == "place":
        found = [m.group(1) for m in _PLACE.finditer(sentence)]
    elif answer_type == "organization":
        found = [m.group(0) for m in _ORGANIZATION.finditer(sentence)]
    else:
        found = [m.group(0) for m in _NAME.finditer(sentence)]
    if answer_type == "number":
        return 1.0 if found else 0.0
    return 1.0 if _new(found, asked) else 0.0


def bigram_match(question_stems: Sequence[str], sentence_stems: Sequence[str]) -> float:
    """Share of the question's consecutive content-word pairs that stand together in the sentence."""
    pairs = set(zip(question_stems, question_stems[1:], strict=False))
    if not pairs:
        return 0.0
    content = [s for s in sentence_stems if s not in _STOP_STEMS]
    present = set(zip(content, content[1:], strict=False))
    return len(pairs & present) / len(pairs)


_STOP_STEMS = frozenset(stem(w) for w in STOPWORDS)
