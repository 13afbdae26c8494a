"""The Python tokenizer agrees with SQLite FTS5's, on which keyword scores depend."""

from __future__ import annotations

import math
import sqlite3
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import Stemmer
from hypothesis import given
from hypothesis import strategies as st

from index.article import make_article
from index.catalog import Catalog
from index.chunking import ChunkSettings, chunk
from index.generation import ArticleRecord
from index.keyword import FTS_TOKENIZER, _fold, content_words, fts_query, fts_terms, sentence_terms, stem, terms, words
from index.vectors import PassageVectors
from qa.candidates import evidence
from qa.query import build_query
from qa.squad import load_squad
from tests.conftest import SLICE

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


def _keyword_catalog(path: Path) -> tuple[Catalog, list[str]]:
    """The SQuAD slice's articles in a replica, every passage with a zero vector (keyword use only)."""
    catalog = Catalog(path)
    questions: list[str] = []
    squad = load_squad(SLICE)
    for entry in squad.articles:
        article = make_article(id=entry.id, text=entry.text, title=entry.title)
        passages = chunk(article, ChunkSettings())
        vectors = [PassageVectors(np.zeros(4, np.float32), (), np.zeros((0, 4), np.float32)) for _ in passages]
        catalog.apply(ArticleRecord(article, len(passages), 0.0), passages, vectors)
    questions = [q.question for q in squad.questions]
    return catalog, questions


def test_keyword_scores_are_what_fts5_bm25_gives(tmp_path: Path) -> None:
    catalog, questions = _keyword_catalog(tmp_path / "catalog.sqlite")
    db = sqlite3.connect(tmp_path / "catalog.sqlite")
    every = [str(row[0]) for row in db.execute("SELECT id FROM passages")]
    compared = 0
    with catalog.snapshot() as snapshot:
        for question in [*questions[::7], "Did Blinken meet Putin?", "Who met whom in 2023, and why?"]:
            words = content_words(question)
            expected = {
                str(i): -float(score)
                for i, score in db.execute(
                    "SELECT p.id, bm25(passages_fts) FROM passages_fts AS f JOIN passages AS p ON p.rowid = f.rowid"
                    " WHERE passages_fts MATCH ?",
                    (fts_query(words),),
                )
            }
            found = snapshot.keyword_scores(words, every)
            assert found.keys() == expected.keys(), question
            for passage_id, score in expected.items():
                assert found[passage_id] == pytest.approx(score, rel=1e-9), (question, passage_id)
            compared += len(expected)
    assert compared > 1000  # the comparison covered many passages
    catalog.close()


def test_common_words_are_not_searched_for_but_still_scored(tmp_path: Path) -> None:
    catalog, _ = _keyword_catalog(tmp_path / "catalog.sqlite")
    db = sqlite3.connect(tmp_path / "catalog.sqlite")
    total = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    held = dict(db.execute("SELECT term, doc FROM passages_vocab"))
    words = ["first", "year", "museum", "gallery", "glass"]
    limit = int(0.05 * total)
    common = [w for w in words if held[fts_terms(w)[0]] > limit]
    assert common and len(common) < len(words)  # the case is real: some words common, some not
    with catalog.snapshot() as snapshot:
        every = snapshot.keyword_search(words, 30)
        searched = snapshot.keyword_search(words, 30, common=limit)
        scores = snapshot.keyword_scores(words, [h.passage.id for h in searched])
        only_common = snapshot.keyword_search(common, 30, common=limit)  # nothing left: the rarest is searched
    assert {h.passage.id for h in searched} != {h.passage.id for h in every}
    for hit in searched:
        assert hit.score == pytest.approx(scores[hit.passage.id], rel=1e-9)  # scored for every word
        assert set(fts_terms(hit.passage.text + " " + hit.passage.context)) - {fts_terms(w)[0] for w in common}
    assert only_common
    catalog.close()


def test_term_weights_count_the_terms_fts5_stores(tmp_path: Path) -> None:
    # SQLite's Porter is the revised one: "technology" is stored as "technolog", PyStemmer says "technologi"
    catalog, _ = _keyword_catalog(tmp_path / "catalog.sqlite")
    query = build_query("Which technology did the museum possibly show?")
    with catalog.snapshot() as snapshot:
        found = evidence(query, np.zeros(4, np.float32), snapshot)
        held = snapshot.document_frequencies([fts_terms("technology")[0]])
        rarest = math.log(1.0 + (snapshot.passage_count() + 0.5) / 0.5)
    assert held and stem("technology") != fts_terms("technology")[0]
    assert found.idf[stem("technology")] < rarest  # counted, not taken for a word no passage holds
    catalog.close()


def test_the_passage_count_is_the_live_passages_through_changes(tmp_path: Path) -> None:
    # read from FTS5's totals record, not a count(*): it must follow every add, update and removal
    catalog, _ = _keyword_catalog(tmp_path / "catalog.sqlite")
    db = sqlite3.connect(tmp_path / "catalog.sqlite")

    def counted() -> int:
        return int(db.execute("SELECT count(*) FROM passages").fetchone()[0])

    with catalog.snapshot() as snapshot:
        assert snapshot.passage_count() == counted() > 20
    first, second = load_squad(SLICE).articles[:2]
    catalog.remove(first.id)
    shorter = make_article(id=second.id, text=second.text[: len(second.text) // 3], title=second.title)
    passages = chunk(shorter, ChunkSettings())
    vectors = [PassageVectors(np.zeros(4, np.float32), (), np.zeros((0, 4), np.float32)) for _ in passages]
    catalog.apply(ArticleRecord(shorter, len(passages), 0.0), passages, vectors)
    with catalog.snapshot() as snapshot:
        assert snapshot.passage_count() == counted()
    for entry in load_squad(SLICE).articles:
        catalog.remove(entry.id)
    with catalog.snapshot() as snapshot:
        assert snapshot.passage_count() == counted() == 0
    catalog.close()
