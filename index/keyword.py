"""Words for the lexical index, tokenised exactly as SQLite FTS5 does it.

FTS5 is set up with ``unicode61 remove_diacritics 2`` and the Porter stemmer; ``terms`` gives
the same stems in Python (PyStemmer's Porter), so a question's terms can be looked up in the
FTS5 vocabulary (for IDF) and matched against sentences without asking SQLite.
"""

from __future__ import annotations

import re
import unicodedata
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


def _fold(text: str) -> str:
    """Lower case without diacritics, as ``remove_diacritics 2`` folds them."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Lower-cased, diacritic-free word tokens, split as FTS5's unicode61 splits them."""
    return _TOKEN.findall(_fold(text))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Porter stem of one folded word."""
    return str(_STEMMER.stemWord(word))


def terms(text: str) -> list[str]:
    """Stems of every word, in order (stopwords included: for matching sentences)."""
    return [stem(w) for w in words(text)]


def content_words(text: str) -> list[str]:
    """Words that carry meaning for a search: no stopwords, one word per stem, in order."""
    seen: dict[str, str] = {}
    for word in words(text):
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            seen.setdefault(stem(word), word)
    return list(seen.values())


def fts_query(plain_words: list[str]) -> str:
    """An FTS5 MATCH expression: any of the words, each quoted so none is an operator.

    Give the words unstemmed: FTS5 stems them itself, and Porter is not idempotent.
    """
    return " OR ".join('"' + word.replace('"', '""') + '"' for word in plain_words)
