"""The Python tokenizer agrees with SQLite FTS5's, on which keyword scores depend."""

from __future__ import annotations

import sqlite3
import unicodedata

import Stemmer
from hypothesis import given
from hypothesis import strategies as st

from index.keyword import FTS_TOKENIZER, _fold, sentence_terms, terms, words

PORTER = Stemmer.Stemmer("porter")

SAMPLES = [
    "Blinken met Palestinian President Mahmoud Abbas in Ramallah.",
    "Café Müller’s “naïve” résumé — Ångström, São Paulo, Kraków, Reykjavík.",
    "The G7's 2023 statement: 9,000+ deaths; ceasefire/pauses (humanitarian) e-mail x_y.",
    "Recep Tayyip Erdoğan and Benjamin Netanyahu; Zürich, Düsseldorf, Québec, naïveté.",
]


def _reference_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@given(st.text(max_size=80))
def test_fold_matches_the_character_by_character_definition(text: str) -> None:
    assert _fold(text) == _reference_fold(text)


def test_words_are_the_tokens_fts5_stores() -> None:
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE t USING fts5(body, tokenize = '{FTS_TOKENIZER}')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')")
    for text in SAMPLES:
        db.execute("DELETE FROM t")
        db.execute("INSERT INTO t(body) VALUES (?)", (text,))
        stored = {row[0] for row in db.execute("SELECT term FROM v")}
        # Known differences, left alone: SQLite's Porter keeps one-letter words ("s" of "Müller’s")
        # that PyStemmer empties, and FTS5 folds diacritics of Latin letters only (Greek tonos stays).
        assert {t for t in stored if len(t) > 1} == {
            s for s in (PORTER.stemWord(w) for w in words(text)) if len(s) > 1
        }, text


def test_remembered_sentence_terms_are_the_same_terms() -> None:
    for text in SAMPLES:
        assert sentence_terms(text) == tuple(terms(text))
        assert sentence_terms(text) == tuple(terms(text))  # and again, from the cache
