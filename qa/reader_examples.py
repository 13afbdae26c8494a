"""The reader's training examples, made from SQuAD files directly (never through the rankers).

At answer time the reader sees a question and the best sentences of the top passages, best
first, each with its place in the articles (``qa.reader.pack`` fills the context). An example
imitates that from the SQuAD text alone, so a change of retrieval never changes what the
reader learns:

- the candidates are the article's sentences ranked by the question's words (IDF-weighted
  overlap within the article), the gold sentence among the best few, with its neighbours;
- a share of questions also get sentences of another article that share the most words with
  the question (answers are read across articles at run time);
- "not here" examples: the same ranking with every sentence holding an answer string taken
  out (retrieval found the topic, not the answer), a question read against another article's
  best sentences, SQuAD 2.0's unanswerable questions (their own article's best sentences), and
  (with ``Mix.swapped``) a question whose name or year is swapped for one its article never
  mentions ("Did Blinken meet Putin?" of articles that never name Putin), read against the
  article's sentences that best match the changed question; and (with ``Mix.edited``) a question
  rewritten the ways SQuAD 2.0's writers made theirs unanswerable: a word turned into its
  opposite ("first" for "last"), the question negated ("was not"), or one of its nouns swapped
  for one its article never mentions, read against the article's sentences that best match it.

Everything is seeded; nothing from the product's shipped text is used.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.keyword import terms
from index.sentences import paragraphs, sentences
from qa.cues import YEAR, names_in
from qa.reader_training import Example
from qa.squad import GoldQuestion, SquadArticle

_STOP = frozenset(
    "the a an of in on at to for by with from and or is are was were be been what which who whom whose when "
    "where why how did do does that this these those as it its into than then there their they he she his her "
    "not no name one".split()
)


@dataclass(frozen=True, slots=True)
class Mix:
    """How the examples are drawn.

    Attributes:
        missing: share of answerable questions turned into "not here" by removing the answer.
        other_article: share of answerable questions read against another article (no answer).
        cross: share of answerable examples that also get another article's best sentences.
        candidates: sentences per example, best first (the reader packs what fits).
        swapped: share of answerable questions whose name (a capitalised run of words after the
            first word) or year is replaced by one their article never mentions, answered "not
            here" (questions with nothing to swap stay answerable).
        edited: share of answerable questions rewritten to be unanswerable (``edit_question``:
            an opposite, a negation or a noun its article never mentions), answered "not here".
    """

    missing: float = 0.2
    other_article: float = 0.06
    cross: float = 0.35
    candidates: int = 12
    swapped: float = 0.0
    edited: float = 0.0


@dataclass(frozen=True, slots=True)
class _Sentence:
    start: int
    end: int
    paragraph: int
    number: int  # in the article
    terms: frozenset[str]


class ArticleSentences:
    """One article cut into sentences, with the IDF of its terms (sentence frequency)."""

    def __init__(self, article: SquadArticle) -> None:
        self.article = article
        found: list[_Sentence] = []
        for p, (ps, pe) in enumerate(paragraphs(article.text)):
            for s, e in sentences(article.text, ps, pe):
                found.append(_Sentence(s, e, p, len(found), frozenset(_words(article.text[s:e]))))
        self.sentences = tuple(found)
        counts = Counter(t for s in found for t in s.terms)
        n = max(1, len(found))
        self.idf = {t: math.log(1 + n / c) for t, c in counts.items()}

    def text(self, sentence: _Sentence) -> str:
        """The sentence's own characters."""
        return self.article.text[sentence.start : sentence.end]

    def ranked(self, question: str) -> list[_Sentence]:
        """Sentences by IDF-weighted overlap with the question's words, best first."""
        asked = set(_words(question))
        scores = [sum(self.idf.get(t, 0.0) for t in s.terms & asked) for s in self.sentences]
        return [s for _, s in sorted(zip(scores, self.sentences, strict=True), key=lambda x: (-x[0], x[1].number))]

    def holding(self, span: tuple[int, int]) -> _Sentence | None:
        """The sentence that holds the whole span (None when it crosses sentences)."""
        a, b = span
        for s in self.sentences:
            if s.start <= a and b <= s.end:
                return s
        return None


def _words(text: str) -> Iterable[str]:
    return (t for t in terms(text) if t not in _STOP and len(t) > 1)


def build_examples(
    articles: dict[str, ArticleSentences],
    questions: Sequence[GoldQuestion],
    rng: random.Random,
    mix: Mix | None = None,
) -> list[Example]:
    """One example per question (answerable, made "not here", or unanswerable), seeded by ``rng``."""
    mix = mix or Mix()
    ids = sorted(articles)
    names = name_pool(questions) if mix.swapped > 0 else {}
    nouns = noun_pool(questions) if mix.edited > 0 else []
    out: list[Example] = []
    for question in questions:
        own = articles.get(question.article_id)
        if own is None:
            continue
        roll = rng.random()
        if question.impossible:
            out.append(_unanswered(question.question, own.ranked(question.question), own, rng, mix))
        elif roll < mix.other_article:
            other = articles[_other(ids, question.article_id, rng)]
            ranked = [s for s in other.ranked(question.question) if not _holds_answer(other.text(s), question)]
            out.append(_unanswered(question.question, ranked, other, rng, mix))
        elif roll < mix.other_article + mix.missing:
            ranked = [s for s in own.ranked(question.question) if not _holds_answer(own.text(s), question)]
            out.append(_unanswered(question.question, ranked, own, rng, mix))
        elif changed := _changed(question, own, roll - mix.other_article - mix.missing, names, nouns, rng, mix):
            out.append(_unanswered(changed, own.ranked(changed), own, rng, mix))
        else:
            example = _answered(question, own, articles, ids, rng, mix)
            if example is not None:
                out.append(example)
    return out


def _changed(
    question: GoldQuestion,
    own: ArticleSentences,
    roll: float,
    names: dict[int, list[str]],
    nouns: Sequence[str],
    rng: random.Random,
    mix: Mix,
) -> str | None:
    """The question made unanswerable when ``roll`` (what is left of the draw) falls in the swapped
    share (a name or year) or in the edited share after it; None: it stays answerable."""
    if 0 <= roll < mix.swapped:
        return swap_name(question.question, own.article.text, names, rng)
    if 0 <= roll - mix.swapped < mix.edited:
        return edit_question(question, own, nouns, rng)
    return None


def name_pool(questions: Sequence[GoldQuestion]) -> dict[int, list[str]]:
    """Every name the questions hold, by its number of words (what a swap draws from), sorted."""
    pool: dict[int, set[str]] = {}
    for q in questions:
        for a, b in names_in(q.question):
            name = q.question[a:b]
            pool.setdefault(min(3, len(name.split())), set()).add(name)
    return {k: sorted(v) for k, v in pool.items()}


def swap_name(
    question: str, article: str, names: dict[int, list[str]], rng: random.Random, nowhere: str | None = None
) -> str | None:
    """The question with one name (or year) its article holds replaced by one the article never mentions
    (nor ``nowhere``, when given: a whole corpus's text, casefolded).

    None when the question names nothing the article holds (nothing to swap)."""
    folded = article.casefold()
    absent = nowhere if nowhere is not None else folded
    spans = [(a, b, "name") for a, b in names_in(question) if question[a:b].casefold() in folded]
    spans += [(m.start(), m.end(), "year") for m in YEAR.finditer(question) if m.group() in article]
    if not spans:
        return None
    a, b, kind = spans[rng.randrange(len(spans))]
    for _ in range(20):
        if kind == "year":
            new = str(int(question[a:b]) + rng.choice([-1, 1]) * rng.randint(1, 60))
        else:
            choices = names.get(min(3, len(question[a:b].split())), [])
            if not choices:
                return None
            new = choices[rng.randrange(len(choices))]
        if new.casefold() not in absent and not any(w.casefold() in absent for w in new.split() if len(w) > 3):
            return question[:a] + new + question[b:]
    return None


_OPPOSITE_PAIRS = (
    "first last", "largest smallest", "biggest smallest", "highest lowest", "most least", "earliest latest",
    "oldest youngest", "longest shortest", "before after", "north south", "east west", "northern southern",
    "eastern western", "maximum minimum", "increase decrease", "increased decreased", "won lost", "win lose",
    "better worse", "best worst", "more less", "major minor", "upper lower", "inside outside", "above below",
    "early late", "public private", "positive negative", "accepted rejected", "began ended", "start end",
    "men women", "male female", "ancient modern", "internal external", "rich poor", "strong weak",
    "open closed", "larger smaller", "higher lower", "older younger", "longer shorter", "fastest slowest",
    "allowed banned", "legal illegal", "wet dry", "hot cold", "warmest coldest", "richest poorest",
)  # fmt: skip
OPPOSITES = {a: b for pair in _OPPOSITE_PAIRS for a, b in (pair.split(), pair.split()[::-1])}
_NOT_NOUNS = _STOP | OPPOSITES.keys()  # what a noun swap never takes out or puts in
_NEGATED = {
    "is": "isn't", "was": "wasn't", "are": "aren't", "were": "weren't", "did": "didn't", "does": "doesn't",
    "do": "don't", "can": "can't", "could": "couldn't", "has": "hasn't", "have": "haven't", "had": "hadn't",
    "will": "won't", "would": "wouldn't", "should": "shouldn't",
}  # fmt: skip
_AUXILIARY = re.compile(r"\b(" + "|".join(_NEGATED) + r")\b")
_NEGATION = re.compile(r"\b(not|no|never|none|nor|without)\b|n't\b", re.IGNORECASE)
# a noun heading its phrase: after a determiner, before the question's end or a preposition
_AFTER_DETERMINER = re.compile(
    r"\b(?:the|a|an|this|that|these|those|its|their)\s+([a-z]{4,})(?=\s*[?,]|\s+(?:of|in|for|to|on|at|by|with|from|"
    r"that|was|is|were|are|did|does|do)\b)"
)


def noun_pool(questions: Sequence[GoldQuestion]) -> list[str]:
    """Words the questions put after a determiner ("the river", "a bridge"): mostly nouns, sorted."""
    found = {m.group(1) for q in questions for m in _AFTER_DETERMINER.finditer(q.question)}
    return sorted(found - _NOT_NOUNS)


def edit_question(
    question: GoldQuestion, own: ArticleSentences, nouns: Sequence[str], rng: random.Random
) -> str | None:
    """The question rewritten so that its article no longer answers it, the ways SQuAD 2.0's writers did:

    - **opposite**: a word turned into its opposite ("first" -> "last") that the answer's sentence
      does not hold;
    - **negation**: (half the time) its first auxiliary verb negated ("did" -> "didn't"), when
      neither it nor the answer's sentence negates anything;
    - **noun**: a noun it shares with the answer's sentence swapped for one (``nouns``) the article
      never mentions.

    None when none applies (no answer sentence, nothing to change)."""
    gold = own.holding(question.answers[0]) if question.answers else None
    if gold is None:
        return None
    text, said = question.question, own.text(gold)
    held = {w.casefold() for w in re.findall(r"[A-Za-z]+", said)}
    edits: list[tuple[int, int, str]] = []
    for m in re.finditer(r"[A-Za-z]+", text):
        opposite = OPPOSITES.get(m.group().casefold())
        if opposite and opposite not in held:
            edits.append((m.start(), m.end(), opposite.capitalize() if m.group()[0].isupper() else opposite))
    auxiliary = _AUXILIARY.search(text)
    if (
        auxiliary
        and auxiliary.start() > 0
        and not _NEGATION.search(said)
        and not _NEGATION.search(text)
        and rng.random() < 0.5  # half the time: most questions have an auxiliary
    ):
        edits.append((auxiliary.start(), auxiliary.end(), _NEGATED[auxiliary.group()]))
    folded = own.article.text.casefold()
    shared = [m for m in _AFTER_DETERMINER.finditer(text) if m.group(1) in held and m.group(1) not in _NOT_NOUNS]
    if shared and nouns:
        m = shared[rng.randrange(len(shared))]
        for _ in range(20):
            new = nouns[rng.randrange(len(nouns))]
            if new not in folded and _plural(new) == _plural(m.group(1)):
                edits.append((m.start(1), m.end(1), new))
                break
    if not edits:
        return None
    a, b, new = edits[rng.randrange(len(edits))]
    return text[:a] + new + text[b:]


def _plural(word: str) -> bool:
    return word.endswith("s") and not word.endswith("ss")


def _other(ids: Sequence[str], own: str, rng: random.Random) -> str:
    while True:
        pick = ids[rng.randrange(len(ids))]
        if pick != own or len(ids) == 1:
            return pick


def _holds_answer(text: str, question: GoldQuestion) -> bool:
    folded = text.casefold()
    return any(answer.casefold() in folded for answer in question.answer_texts)


def _places(chosen: Sequence[_Sentence], rng: random.Random, offset: int = 0) -> list[tuple[int, int]]:
    """(passage rank, sentence number) of each sentence: paragraphs ranked by their best, shuffled a little."""
    ranks: dict[int, int] = {}
    for s in chosen:
        if s.paragraph not in ranks:
            ranks[s.paragraph] = len(ranks) + offset
    if len(ranks) > 1 and rng.random() < 0.5:
        a, b = rng.sample(sorted(ranks), 2)
        ranks[a], ranks[b] = ranks[b], ranks[a]
    return [(ranks[s.paragraph], s.number) for s in chosen]


def _unanswered(
    question: str, ranked: Sequence[_Sentence], article: ArticleSentences, rng: random.Random, mix: Mix
) -> Example:
    chosen = list(ranked[: mix.candidates])
    return Example(question, tuple(article.text(s) for s in chosen), tuple(_places(chosen, rng)), None)


def _answered(
    question: GoldQuestion,
    own: ArticleSentences,
    articles: dict[str, ArticleSentences],
    ids: Sequence[str],
    rng: random.Random,
    mix: Mix,
) -> Example | None:
    span = question.answers[0]
    gold = own.holding(span)
    if gold is None:
        return None
    ranked = [s for s in own.ranked(question.question) if s is not gold]
    at = min(len(ranked), int(rng.expovariate(0.7)))  # mostly first, sometimes a few places down
    neighbours = [s for s in own.sentences if s.paragraph == gold.paragraph and abs(s.number - gold.number) == 1]
    chosen = ranked[:at] + [gold]
    for s in neighbours + ranked[at:]:
        if s not in chosen and len(chosen) < mix.candidates:
            chosen.append(s)
    texts = [own.text(s) for s in chosen]
    places = _places(chosen, rng)
    if rng.random() < mix.cross:
        other = articles[_other(ids, question.article_id, rng)]
        extra = [s for s in other.ranked(question.question)[:4] if not _holds_answer(other.text(s), question)]
        for s, place in zip(extra, _places(extra, rng, offset=1 + max(p for p, _ in places)), strict=True):
            where = rng.randrange(1, len(texts) + 1)
            texts.insert(where, other.text(s))
            places.insert(where, place)
    index = texts.index(own.text(gold))
    cut = max(mix.candidates, index + 1)
    return Example(
        question.question,
        tuple(texts[:cut]),
        tuple(places[:cut]),
        (index, span[0] - gold.start, span[1] - gold.start),
    )
