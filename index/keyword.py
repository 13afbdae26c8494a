"""Words for the lexical index, tokenised exactly as SQLite FTS5 does it.

FTS5 is set up with ``unicode61 remove_diacritics 2`` and the Porter stemmer; ``terms`` gives
the same stems in Python (PyStemmer's Porter), so a question's terms can be looked up in the
FTS5 vocabulary (for IDF) and matched against sentences without asking SQLite.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import Stemmer

FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_STEMMER = Stemmer.Stemmer("porter")

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn doing
    don down during each else ever few for from further get gets got had hadn has hasn have
    haven having he her here hers herself him himself his how however i if in into is isn it
    its itself just let ll me more most much must mustn my myself no nor not now of off on once
    only or other ought our ours ourselves out over own per re same shall shan she should
    shouldn so some such than that the their theirs them themselves then there these they this
    those through thus to too under until up upon us ve very was wasn we were weren what when
    where whether which while who whom whose why will with within without won would wouldn yet
    you your yours yourself yourselves s t d m many much
    """.split()
)


# every code point with a combining class, mapped to nothing (str.translate runs in C)
_COMBINING: dict[int, None] = {i: None for i in range(0x110000) if unicodedata.combining(chr(i))}


def _fold(text: str) -> str:
    """Lower case without diacritics, as ``remove_diacritics 2`` folds them."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered  # nothing to decompose
    return unicodedata.normalize("NFKD", lowered).translate(_COMBINING)


# Irregular verbs: Porter cannot tell that "met" is "meet", so both count as one term.
_IRREGULAR_FORMS = """
arise arose arisen|awake awoke awoken|bear bore borne|beat beat beaten|become became|begin began begun|bend bent|
bet bet|bite bit bitten|bleed bled|blow blew blown|break broke broken|breed bred|bring brought|
build built|burn burnt|burst burst|buy bought|catch caught|choose chose chosen|cling clung|come came|cost cost|
creep crept|cut cut|deal dealt|dig dug|draw drew drawn|dream dreamt|drink drank drunk|drive drove driven|
eat ate eaten|fall fell fallen|feed fed|feel felt|fight fought|find found|flee fled|fly flew flown|
forbid forbade forbidden|
forget forgot forgotten|forgive forgave forgiven|freeze froze frozen|give gave given|go went gone|
grow grew grown|hang hung|hear heard|hide hid hidden|hit hit|hold held|hurt hurt|keep kept|know knew known|
lay laid|lead led|leave left|lend lent|light lit|lose lost|make made|mean meant|meet met|pay paid|
prove proven|put put|quit quit|read read|ride rode ridden|ring rang rung|rise rose risen|run ran|say said|
see saw seen|seek sought|sell sold|send sent|set set|shake shook shaken|shine shone|shoot shot|show shown|
shrink shrank shrunk|shut shut|sing sang sung|sink sank sunk|sit sat|sleep slept|slide slid|speak spoke spoken|
spend spent|spin spun|split split|spread spread|spring sprang sprung|stand stood|steal stole stolen|stick stuck|
sting stung|strike struck|strive strove striven|swear swore sworn|sweep swept|swim swam swum|swing swung|
take took taken|teach taught|tear tore torn|tell told|think thought|throw threw thrown|understand understood|
undertake undertook undertaken|wake woke woken|wear wore worn|weave wove woven|win won|withdraw withdrew withdrawn|
write wrote written|overtake overtook overtaken|overcome overcame|undergo underwent undergone|uphold upheld|
withhold withheld|foresee foresaw foreseen|oversee oversaw overseen|rebuild rebuilt|mislead misled
"""
LEMMAS: dict[str, str] = {
    form: group.split()[0] for group in _IRREGULAR_FORMS.replace("\n", "").split("|") for form in group.split()[1:]
}
VARIANTS: dict[str, tuple[str, ...]] = {}
for _form, _lemma in LEMMAS.items():
    VARIANTS[_lemma] = (*VARIANTS.get(_lemma, ()), _form)


def words(text: str) -> list[str]:
    """Lower-cased, diacritic-free word tokens, split as FTS5's unicode61 splits them."""
    return _TOKEN.findall(_fold(text))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Porter stem of one folded word, irregular verb forms first mapped to their lemma."""
    return str(_STEMMER.stemWord(LEMMAS.get(word, word)))


def terms(text: str) -> list[str]:
    """Stems of every word, in order (stopwords included: for matching sentences)."""
    return [stem(w) for w in words(text)]


@lru_cache(maxsize=32768)
def sentence_terms(text: str) -> tuple[str, ...]:
    """``terms`` of a stored sentence, remembered: the same passages come back question after question."""
    return tuple(terms(text))


def content_words(text: str) -> list[str]:
    """Words that carry meaning for a search: no stopwords, one word per stem, in order."""
    seen: dict[str, str] = {}
    for word in words(text):
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            seen.setdefault(stem(word), word)
    return list(seen.values())


def fts_all(plain_words: list[str]) -> str:
    """An FTS5 MATCH expression: every one of the words (unstemmed, each quoted)."""
    return " AND ".join('"' + word.replace('"', '""') + '"' for word in plain_words)


def search_forms(plain_words: list[str]) -> list[str]:
    """The words a keyword search looks for, in order: each word, and an irregular verb in all
    its forms ("meet" also finds "met"). Each is one FTS5 phrase of ``fts_query``."""
    expanded: dict[str, None] = {}
    for word in plain_words:
        lemma = LEMMAS.get(word, word)
        for form in (word, lemma, *VARIANTS.get(lemma, ())):
            expanded.setdefault(form, None)
    return list(expanded)


def fts_query(plain_words: list[str]) -> str:
    """An FTS5 MATCH expression: any of the words (``search_forms``), each quoted so none is an operator.

    Give the words unstemmed: FTS5 stems them itself, and Porter is not idempotent.
    """
    return " OR ".join('"' + word.replace('"', '""') + '"' for word in search_forms(plain_words))


class _Terms(threading.local):
    """A private in-memory FTS5 table per thread, to read the terms SQLite itself stores for a text.

    PyStemmer's Porter is the 1980 algorithm and SQLite's the revised one ("technology":
    "technologi" against "technolog"), and FTS5 folds some letters Python does not, so a
    passage's stored terms are asked of SQLite rather than rebuilt in Python.
    """

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(f"CREATE VIRTUAL TABLE t USING fts5 (body, tokenize='{FTS_TOKENIZER}')")
        self.db.execute("CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance')")


_TERMS = _Terms()


@lru_cache(maxsize=8192)
def fts_terms(text: str) -> tuple[str, ...]:
    """The terms FTS5 stores for ``text``, in order (remembered: a search's words come back often)."""
    db = _TERMS.db
    with db:
        db.execute("INSERT INTO t (rowid, body) VALUES (1, ?)", (text,))
        found = tuple(str(row[0]) for row in db.execute("SELECT term FROM v ORDER BY offset"))
        db.execute("DELETE FROM t")
    return found


def term_counts(texts: Sequence[str], terms: Sequence[str]) -> list[dict[str, int]]:
    """How often each of ``terms`` (FTS5 terms) occurs in each of ``texts``, as FTS5 tokenizes them."""
    found: list[dict[str, int]] = [{} for _ in texts]
    unique = list(set(terms))
    if not texts or not unique:
        return found
    marks = ",".join("?" * len(unique))
    db = _TERMS.db
    with db:
        db.executemany("INSERT INTO t (rowid, body) VALUES (?, ?)", enumerate(texts, 1))
        counted = db.execute(f"SELECT doc, term, count(*) FROM v WHERE term IN ({marks}) GROUP BY doc, term", unique)
        for doc, term, count in counted:
            found[doc - 1][str(term)] = int(count)
        db.execute("DELETE FROM t")
    return found
