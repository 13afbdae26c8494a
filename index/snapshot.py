"""The reads of one consistent state of the local replica (``index.catalog`` writes it).

A ``Snapshot`` runs inside one SQLite read transaction: keyword search (BM25 over FTS5, its
scores computed the way FTS5 computes them), article text, passages and their vectors, dates,
live versions and syndicated-copy groups, all as of the same moment.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from index.article import Article
from index.chunking import Passage
from index.filters import Filters, date_number
from index.generation import ArticleRecord
from index.keyword import fts_all, fts_query, fts_terms, search_forms, term_counts
from index.vectors import PassageVectors, decode_sentences, from_blob

ARTICLE_COLUMNS = "id, checksum, title, date, source, url, path, n_passages, indexed_at"


@dataclass(frozen=True, slots=True)
class TextMatch:
    """Where an article's text holds every searched word: a snippet of its best passage."""

    article_id: str
    snippet: str
    marks: tuple[tuple[int, int], ...]  # the matched words, as offsets into ``snippet``


@dataclass(frozen=True, slots=True)
class KeywordHit:
    """A passage found by BM25 (higher is better)."""

    passage: Passage
    score: float


class Snapshot:
    """Reads from one consistent state of the replica."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._held: dict[str, int] = {}  # FTS5 term -> passages holding it, as read in this snapshot

    def keyword_search(
        self, words: list[str], k: int, filters: Filters | None = None, common: int | None = None
    ) -> list[KeywordHit]:
        """The ``k`` best passages by BM25 for any of ``words`` (unstemmed), filtered in the query.

        With ``common``, words held by more than that many passages are not searched for, unless
        that leaves none: FTS5 walks every passage holding a searched word, and a word held by
        that many adds little to the best passages' scores. The hits' scores are still their BM25
        for every word.
        """
        if not words:
            return []
        searched = self._uncommon(words, common) if common is not None else words
        where, params = _filter_sql(filters)
        columns = "p.id, p.article_id, p.version, p.position, p.start_char, p.end_char, f.text, f.context"
        if where:  # the filter needs each match's article before the top k
            sql = (
                f"SELECT {columns}, bm25(passages_fts) FROM passages_fts AS f JOIN passages AS p ON p.rowid = f.rowid"
                f" JOIN articles AS a ON a.id = p.article_id WHERE passages_fts MATCH ?{where}"
                " ORDER BY bm25(passages_fts), f.rowid LIMIT ?"
            )
        else:  # the top k inside FTS5 first, joined after: at a million passages 2-3x faster than joining every match
            sql = (
                f"SELECT {columns}, m.score FROM (SELECT rowid, bm25(passages_fts) AS score FROM passages_fts"
                " WHERE passages_fts MATCH ? ORDER BY score, rowid LIMIT ?) AS m"
                " JOIN passages_fts AS f ON f.rowid = m.rowid JOIN passages AS p ON p.rowid = m.rowid"
                " JOIN articles AS a ON a.id = p.article_id ORDER BY m.score, m.rowid"
            )
        rows = self._db.execute(sql, (fts_query(searched), *params, k)).fetchall()
        hits = [KeywordHit(_passage(row), -float(row[8])) for row in rows]
        if len(searched) == len(words):
            return hits
        scores = self.keyword_scores(words, [h.passage.id for h in hits])
        return [KeywordHit(h.passage, scores.get(h.passage.id, h.score)) for h in hits]

    def _uncommon(self, words: list[str], common: int) -> list[str]:
        """``words`` less those held by more than ``common`` passages (the rarest kept if none is left)."""
        terms = {w: fts_terms(w) for w in words}
        held = self._term_frequencies([t for found in terms.values() for t in found])
        share = {w: max((held.get(t, 0) for t in found), default=0) for w, found in terms.items()}
        kept = [w for w in words if share[w] <= common]
        return kept or [min(words, key=lambda w: share[w])]

    def text_matches(self, words: list[str], limit: int = 200) -> list[TextMatch]:
        """Articles whose passages hold every one of ``words`` (unstemmed), best BM25 first, one each."""
        if not words:
            return []
        rows = self._db.execute(
            "SELECT p.article_id, snippet(passages_fts, 0, char(2), char(3), '…', 16)"
            " FROM passages_fts AS f JOIN passages AS p ON p.rowid = f.rowid"
            " WHERE passages_fts MATCH ? ORDER BY bm25(passages_fts) LIMIT ?",
            (fts_all(words), limit * 4),
        ).fetchall()
        found: dict[str, TextMatch] = {}
        for article_id, marked in rows:
            if article_id not in found and len(found) < limit:
                found[article_id] = _text_match(str(article_id), str(marked))
        return list(found.values())

    def keyword_scores(self, words: list[str], passage_ids: Sequence[str]) -> dict[str, float]:
        """BM25 of the given passages for ``words`` (absent: no word matches), as FTS5's bm25() scores them.

        Computed from the passages' own terms and the index's totals rather than by a MATCH: bm25()
        first walks every passage holding each word, which at a million passages costs hundreds of
        milliseconds for the few dozen passages asked about.
        """
        ids = list(set(passage_ids))
        if not words or not ids:
            return {}
        score = self._bm25(words)
        if score is None:  # a word FTS5 splits in two: its phrase is not one term, so FTS5 scores it
            return self._fts_scores(words, ids)
        phrases, weigh = score
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            "SELECT p.id, f.text, f.context, d.sz FROM passages AS p JOIN passages_fts AS f ON f.rowid = p.rowid"
            f" JOIN passages_fts_docsize AS d ON d.id = p.rowid WHERE p.id IN ({marks})",
            ids,
        ).fetchall()
        counts = term_counts([f"{text}\n{context}" for _, text, context, _ in rows], phrases)
        found: dict[str, float] = {}
        for (passage_id, _, _, size), held in zip(rows, counts, strict=True):
            if held:
                found[str(passage_id)] = weigh(held, sum(_varints(size)))
        return found

    def _bm25(self, words: list[str]) -> tuple[list[str], Callable[[dict[str, int], int], float]] | None:
        """FTS5's bm25() for ``fts_query(words)`` (k1 1.2, b 0.75, every column weighted 1), positive:
        the query's phrases (one FTS5 term each) and the score of a passage from how often each
        occurs in it and its length in tokens. None when a word is not one FTS5 term."""
        forms = [fts_terms(form) for form in search_forms(words)]
        if any(len(terms) != 1 for terms in forms):
            return None
        phrases = [terms[0] for terms in forms]
        rows, *column_tokens = self._fts_totals()
        average = sum(column_tokens) / rows if rows else 1.0
        held = self._term_frequencies(phrases)
        idf = [max(math.log((rows - held.get(t, 0) + 0.5) / (held.get(t, 0) + 0.5)), 1e-6) for t in phrases]

        def weigh(counts: dict[str, int], length: int) -> float:
            norm = _K1 * (1 - _B + _B * length / average)
            return sum(
                w * counts[t] * (_K1 + 1) / (counts[t] + norm) for t, w in zip(phrases, idf, strict=True) if t in counts
            )

        return phrases, weigh

    def _fts_scores(self, words: list[str], ids: list[str]) -> dict[str, float]:
        """FTS5's own bm25() of the passages ``ids`` (it walks every passage holding a word)."""
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            "SELECT p.id, bm25(passages_fts) FROM passages_fts AS f JOIN passages AS p ON p.rowid = f.rowid"
            f" WHERE passages_fts MATCH ? AND f.rowid IN (SELECT rowid FROM passages WHERE id IN ({marks}))",
            (fts_query(words), *ids),
        ).fetchall()
        return {str(i): -float(score) for i, score in rows}

    def vectors(self, passage_ids: Sequence[str]) -> dict[str, PassageVectors]:
        """The stored vectors of passages, with their sentence spans and vectors."""
        ids = list(set(passage_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(f"SELECT id, vector, sentences FROM passages WHERE id IN ({marks})", ids).fetchall()
        found: dict[str, PassageVectors] = {}
        for passage_id, blob, sentences in rows:
            passage = from_blob(blob)
            spans, matrix = decode_sentences(sentences, len(passage))
            found[str(passage_id)] = PassageVectors(passage, spans, matrix)
        return found

    def passages(self, passage_ids: Sequence[str]) -> dict[str, Passage]:
        """Passages by id (absent: not live in this snapshot)."""
        ids = list(set(passage_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            "SELECT p.id, p.article_id, p.version, p.position, p.start_char, p.end_char, f.text, f.context"
            f" FROM passages AS p JOIN passages_fts AS f ON f.rowid = p.rowid WHERE p.id IN ({marks})",
            ids,
        ).fetchall()
        return {str(row[0]): _passage(row) for row in rows}

    def document_frequencies(self, stems: Sequence[str]) -> dict[str, int]:
        """In how many passages each stem occurs (FTS5's own vocabulary)."""
        return self._term_frequencies(stems)

    def _term_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """In how many passages each FTS5 term occurs (absent: none), each read once per snapshot
        (at a million passages a common term's count takes milliseconds, and an answer asks thrice)."""
        unread = [t for t in set(terms) if t not in self._held]
        if unread:
            marks = ",".join("?" * len(unread))
            rows = self._db.execute(f"SELECT term, doc FROM passages_vocab WHERE term IN ({marks})", unread)
            self._held.update({t: 0 for t in unread} | {str(term): int(doc) for term, doc in rows})
        return {t: self._held[t] for t in set(terms) if self._held[t]}

    def article_dates(self, article_ids: Sequence[str]) -> dict[str, dt.date | None]:
        """The publication date of each article (None: undated)."""
        ids = list(set(article_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(f"SELECT id, date FROM articles WHERE id IN ({marks})", ids).fetchall()
        return {str(i): dt.date.fromisoformat(d) if d else None for i, d in rows}

    def passage_count(self) -> int:
        """How many passages are live: FTS5's own row count, one record it keeps with the index (every
        passage has one FTS row; a ``count(*)`` walks the table, 10 ms an answer at a million)."""
        return self._fts_totals()[0]

    def _fts_totals(self) -> list[int]:
        """FTS5's totals record: the row count, then each column's tokens (``[0]`` when empty)."""
        totals = self._db.execute("SELECT block FROM passages_fts_data WHERE id = 1").fetchone()
        return _varints(totals[0]) if totals else [0]

    def newest_date(self) -> dt.date | None:
        """The date of the most recent dated article."""
        row = self._db.execute("SELECT max(date) FROM articles").fetchone()
        return dt.date.fromisoformat(row[0]) if row and row[0] else None

    def live_versions(self, article_ids: Sequence[str]) -> dict[str, str]:
        """The version of each article this snapshot serves (absent: not indexed)."""
        ids = list(set(article_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(f"SELECT id, checksum FROM articles WHERE id IN ({marks})", ids).fetchall()
        return {str(i): str(c)[:16] for i, c in rows}

    def article(self, article_id: str) -> ArticleRecord | None:
        """An article with its text, or None."""
        row = self._db.execute(f"SELECT {ARTICLE_COLUMNS}, text FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return None
        change = self._db.execute(
            "SELECT changed, changed_at FROM article_changes WHERE article_id = ?", (article_id,)
        ).fetchone()
        record = _record(row, row[9])
        pages = self._db.execute("SELECT pages FROM article_pages WHERE article_id = ?", (article_id,)).fetchone()
        if pages is not None:
            article = replace(record.article, pages=tuple(int(p) for p in json.loads(pages[0])))
            record = replace(record, article=article)
        if change is None:
            return record
        spans = tuple((int(a), int(b)) for a, b in json.loads(change[0]))
        return replace(record, changed=spans, changed_at=float(change[1]))

    def headers(self, article_ids: Sequence[str]) -> dict[str, ArticleRecord]:
        """Live articles by id, without text, in one read (a story syndicated to dozens of outlets
        is named in every answer that cites it: one query for the group, not one per copy)."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id IN ({marks})", ids).fetchall()
        return {str(row[0]): _record(row, "") for row in rows}

    def articles(self) -> list[ArticleRecord]:
        """Every article, newest first, without text."""
        rows = self._db.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles ORDER BY date_num DESC NULLS LAST, title"
        ).fetchall()
        return [_record(row, "") for row in rows]

    def passages_of(self, article_id: str) -> list[Passage]:
        """An article's passages in order."""
        rows = self._db.execute(
            "SELECT p.id, p.article_id, p.version, p.position, p.start_char, p.end_char, f.text, f.context"
            " FROM passages AS p JOIN passages_fts AS f ON f.rowid = p.rowid"
            " WHERE p.article_id = ? ORDER BY p.position",
            (article_id,),
        ).fetchall()
        return [_passage(row) for row in rows]

    def copies(self, article_id: str) -> tuple[str, ...]:
        """The article's syndicated-copy group, earliest first (itself included), or () when it has no copy."""
        row = self._db.execute("SELECT members FROM copy_groups WHERE article_id = ?", (article_id,)).fetchone()
        if row is None:
            return ()
        members = [str(i) for i in json.loads(row[0])]
        marks = ",".join("?" * len(members))
        live = {str(r[0]) for r in self._db.execute(f"SELECT id FROM articles WHERE id IN ({marks})", members)}
        return tuple(i for i in members if i in live)

    def article_source(self, article_id: str) -> str | None:
        """An article's source (None when it has none or is not live)."""
        row = self._db.execute("SELECT source FROM articles WHERE id = ?", (article_id,)).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def article_exists(self, article_id: str) -> bool:
        """Whether the article is live in this snapshot."""
        return self._db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is not None

    def copy_groups(self) -> list[tuple[str, ...]]:
        """Every syndicated-copy group, earliest member first."""
        rows = self._db.execute("SELECT DISTINCT members FROM copy_groups").fetchall()
        return sorted(tuple(json.loads(r[0])) for r in rows)

    def sources(self) -> list[str]:
        """The distinct sources, for filter menus."""
        rows = self._db.execute("SELECT DISTINCT source FROM articles WHERE source IS NOT NULL ORDER BY source")
        return [str(r[0]) for r in rows]


def _filter_sql(filters: Filters | None) -> tuple[str, list[object]]:
    if filters is None or filters.empty:
        return "", []
    clauses: list[str] = []
    params: list[object] = []
    if filters.since is not None:
        clauses.append("a.date_num >= ?")
        params.append(date_number(filters.since))
    if filters.until is not None:
        clauses.append("a.date_num <= ?")
        params.append(date_number(filters.until))
    if filters.sources:
        clauses.append(f"a.source IN ({','.join('?' * len(filters.sources))})")
        params.extend(filters.sources)
    return "".join(f" AND {c}" for c in clauses), params


def _passage(row: Sequence[object]) -> Passage:
    return Passage(
        id=str(row[0]), article_id=str(row[1]), version=str(row[2]), position=int(str(row[3])),
        start=int(str(row[4])), end=int(str(row[5])), text=str(row[6]), context=str(row[7] or ""),
    )  # fmt: skip


def _record(row: Sequence[object], text: str) -> ArticleRecord:
    article = Article(
        id=str(row[0]), checksum=str(row[1]), title=str(row[2]),
        date=dt.date.fromisoformat(str(row[3])) if row[3] else None,
        source=None if row[4] is None else str(row[4]), url=None if row[5] is None else str(row[5]),
        path=str(row[6]), text=text,
    )  # fmt: skip
    return ArticleRecord(article, int(str(row[7])), float(str(row[8])))


def _text_match(article_id: str, marked: str) -> TextMatch:
    """Split SQLite's snippet, with \\x02 and \\x03 around each match, into text and offsets."""
    parts = marked.replace("\x03", "\x02").split("\x02")
    text, marks, at = "", [], 0
    for i, part in enumerate(parts):
        if i % 2:
            marks.append((at, at + len(part)))
        text += part
        at += len(part)
    return TextMatch(article_id, text, tuple(marks))


_K1, _B = 1.2, 0.75  # FTS5's bm25() constants


def _varints(blob: bytes) -> list[int]:
    """The SQLite varints of an FTS5 record (its totals, or a passage's column sizes)."""
    values: list[int] = []
    value = used = 0
    for byte in blob:
        used += 1
        if used == 9:  # the ninth byte holds eight bits
            values.append(value << 8 | byte)
            value = used = 0
        elif byte & 0x80:
            value = value << 7 | byte & 0x7F
        else:
            values.append(value << 7 | byte)
            value = used = 0
    return values
