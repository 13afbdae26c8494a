"""One index generation: its passages collection (vectors) and articles collection (manifest).

Chroma collection objects come from ``index.store`` (the only module that imports chromadb);
this module speaks their API and converts results to our own values at the border.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.article import Article
from index.chunking import Passage
from index.filters import Filters, date_number
from index.vectors import PassageVectors, Vectors, decode_sentences, encode_sentences

_BATCH = 1000
_PAGE = 10000  # rows per get when reading a whole collection
_PLACEHOLDER = [1.0]  # manifest records need a vector; they are never searched
Guard = Callable[[], AbstractContextManager[None]]


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """An article as the manifest holds it."""

    article: Article
    n_passages: int
    indexed_at: float
    changed: tuple[tuple[int, int], ...] = ()  # sentences added or changed by the last update (offsets)
    changed_at: float | None = None  # when that update was indexed (Unix time)


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """What the manifest says of an article without reading its text."""

    checksum: str
    path: str
    n_passages: int

    @property
    def version(self) -> str:
        """The article's live version token."""
        return self.checksum[:16]


@dataclass(frozen=True, slots=True)
class DenseHit:
    """One passage from a vector search, with its cosine similarity."""

    passage: Passage
    similarity: float


class Generation:
    """The two collections of one index generation."""

    def __init__(self, token: str, passages: Any, articles: Any, guard: Guard) -> None:
        self.token = token
        self._passages = passages
        self._articles = articles
        self._guard = guard

    def add_many(self, items: Sequence[tuple[Article, Sequence[Passage], Sequence[PassageVectors]]]) -> None:
        """Write (or overwrite) article versions' passages with their sentence vectors, in requests of
        up to 1,000 passages."""
        rows = [
            (p, v, _passage_meta(article, p, v))
            for article, passages, vectors in items
            for p, v in zip(passages, vectors, strict=True)
        ]
        for first in range(0, len(rows), _BATCH):
            batch = rows[first : first + _BATCH]
            with self._guard():
                self._passages.upsert(
                    ids=[p.id for p, _, _ in batch],
                    embeddings=np.stack([v.passage for _, v, _ in batch]),
                    documents=[p.text for p, _, _ in batch],
                    metadatas=[m for _, _, m in batch],
                )

    def delete_passages(self, ids: Sequence[str]) -> None:
        """Delete passages by id (missing ids are ignored)."""
        for first in range(0, len(ids), _BATCH):
            with self._guard():
                self._passages.delete(ids=list(ids[first : first + _BATCH]))

    def delete_article_passages(self, article_id: str) -> None:
        """Delete every passage of an article, whatever its version."""
        with self._guard():
            self._passages.delete(where={"article_id": article_id})

    def embeddings_for(self, hashes: Sequence[str]) -> dict[str, PassageVectors]:
        """Stored vectors for passage texts already embedded (the per-passage cache)."""
        found: dict[str, PassageVectors] = {}
        unique = sorted(set(hashes))
        for first in range(0, len(unique), 500):
            with self._guard():
                got = self._passages.get(
                    where={"text_hash": {"$in": unique[first : first + 500]}},
                    include=["embeddings", "metadatas"],
                )
            for meta, vector in zip(got["metadatas"], got["embeddings"], strict=True):
                found[meta["text_hash"]] = _vectors_from(vector, meta)
        return found

    def put_articles(self, records: Sequence[ArticleRecord]) -> None:
        """Write articles' manifest records, in requests of up to 1,000: each one's record is the commit
        point of its update."""
        for first in range(0, len(records), _BATCH):
            batch = records[first : first + _BATCH]
            with self._guard():
                self._articles.upsert(
                    ids=[r.article.id for r in batch],
                    embeddings=[_PLACEHOLDER] * len(batch),
                    documents=[r.article.text for r in batch],
                    metadatas=[_article_meta(r) for r in batch],
                )

    def delete_article(self, article_id: str) -> None:
        """Remove an article from the manifest: the commit point of its removal."""
        with self._guard():
            self._articles.delete(ids=[article_id])

    def manifest(self) -> dict[str, ManifestEntry]:
        """Every indexed article's id, checksum, file and passage count."""
        entries: dict[str, ManifestEntry] = {}
        offset = 0
        while True:  # in pages: one unbounded get over many articles overflows SQLite's variable limit
            with self._guard():
                got = self._articles.get(include=["metadatas"], limit=_PAGE, offset=offset)
            for i, m in zip(got["ids"], got["metadatas"], strict=True):
                entries[i] = ManifestEntry(m["checksum"], m.get("path", ""), int(m["n_passages"]))
            if len(got["ids"]) < _PAGE:
                return entries
            offset += _PAGE

    def delete_version_passages(self, article_id: str, version: str) -> None:
        """Delete the passages of one (superseded) version of an article."""
        with self._guard():
            self._passages.delete(where={"$and": [{"article_id": article_id}, {"version": version}]})

    def articles(self, ids: Sequence[str]) -> list[ArticleRecord]:
        """Manifest records with their text."""
        records: list[ArticleRecord] = []
        for first in range(0, len(ids), 200):
            with self._guard():
                got = self._articles.get(ids=list(ids[first : first + 200]), include=["documents", "metadatas"])
            records.extend(
                _record_from(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            )
        return records

    def passages_of(self, article_id: str, version: str) -> list[tuple[Passage, PassageVectors]]:
        """The stored passages of one article version, in order, with their vectors."""
        with self._guard():
            got = self._passages.get(
                where={"$and": [{"article_id": article_id}, {"version": version}]},
                include=["documents", "metadatas", "embeddings"],
            )
        rows = zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True)
        pairs = [(_passage_from(i, d, m), _vectors_from(e, m)) for i, d, m, e in rows]
        return sorted(pairs, key=lambda pair: pair[0].position)

    def passage_keys(self) -> list[tuple[str, str, str]]:
        """``(passage id, article id, version)`` of every stored passage: for consistency sweeps."""
        keys: list[tuple[str, str, str]] = []
        offset = 0
        while True:
            with self._guard():
                got = self._passages.get(include=["metadatas"], limit=_PAGE, offset=offset)
            keys.extend((i, m["article_id"], m["version"]) for i, m in zip(got["ids"], got["metadatas"], strict=True))
            if len(got["ids"]) < _PAGE:
                return keys
            offset += _PAGE

    def count(self) -> int:
        """How many passages are stored."""
        with self._guard():
            return int(self._passages.count())

    def query(self, vector: Vectors, k: int, filters: Filters | None = None) -> list[DenseHit]:
        """The ``k`` passages nearest to ``vector``, filtered inside the store."""
        where = _where(filters)
        with self._guard():
            got = self._passages.query(
                query_embeddings=[vector],
                n_results=k,
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        return [
            DenseHit(_passage_from(i, d, m), 1.0 - float(dist))
            for i, d, m, dist in zip(
                got["ids"][0],
                got["documents"][0],
                got["metadatas"][0],
                got["distances"][0],
                strict=True,
            )
            # a Chroma server may return a passage deleted between its vector search and its
            # metadata read, without document or metadata: it is no longer live, so it is skipped
            if m is not None and d is not None
        ]


def _where(filters: Filters | None) -> dict[str, Any] | None:
    if filters is None or filters.empty:
        return None
    clauses: list[dict[str, Any]] = []
    if filters.since is not None:
        clauses.append({"date_num": {"$gte": date_number(filters.since)}})
    if filters.until is not None:
        clauses.append({"date_num": {"$lte": date_number(filters.until)}})
    if filters.sources:
        clauses.append({"source": {"$in": list(filters.sources)}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _passage_meta(article: Article, passage: Passage, vectors: PassageVectors) -> dict[str, Any]:
    meta: dict[str, Any] = {"article_id": article.id, "version": article.version}
    if article.date is not None:
        meta["date_num"] = date_number(article.date)
    if article.source:
        meta["source"] = article.source
    meta.update(
        position=passage.position,
        start=passage.start,
        end=passage.end,
        text_hash=passage.text_hash,
        sentences=encode_sentences(vectors),
    )
    return meta


def _article_meta(record: ArticleRecord) -> dict[str, Any]:
    article = record.article
    meta: dict[str, Any] = {
        "checksum": article.checksum,
        "title": article.title,
        "path": article.path,
        "n_passages": record.n_passages,
        "indexed_at": record.indexed_at,
    }
    if article.date is not None:
        meta["date"] = article.date.isoformat()
        meta["date_num"] = date_number(article.date)
    if article.source:
        meta["source"] = article.source
    if article.url:
        meta["url"] = article.url
    if article.pages:
        meta["pages"] = json.dumps(list(article.pages))
    if record.changed_at is not None:
        meta["changed"] = json.dumps([list(span) for span in record.changed])
        meta["changed_at"] = record.changed_at
    return meta


def _record_from(article_id: str, text: str, meta: dict[str, Any]) -> ArticleRecord:
    article = Article(
        id=article_id,
        title=meta["title"],
        text=text,
        date=dt.date.fromisoformat(meta["date"]) if meta.get("date") else None,
        source=meta.get("source"),
        url=meta.get("url"),
        path=meta.get("path", ""),
        checksum=meta["checksum"],
        pages=tuple(int(p) for p in json.loads(meta["pages"])) if meta.get("pages") else (),
    )
    changed = tuple((int(a), int(b)) for a, b in json.loads(meta["changed"])) if meta.get("changed") else ()
    changed_at = float(meta["changed_at"]) if meta.get("changed_at") is not None else None
    return ArticleRecord(article, int(meta["n_passages"]), float(meta["indexed_at"]), changed, changed_at)


def _vectors_from(vector: Any, meta: dict[str, Any]) -> PassageVectors:
    passage: Vectors = np.asarray(vector, dtype=np.float32)
    spans, sentences = decode_sentences(meta["sentences"], len(passage))
    return PassageVectors(passage, spans, sentences)


def _passage_from(passage_id: str, text: str, meta: dict[str, Any]) -> Passage:
    return Passage(
        id=passage_id,
        article_id=meta["article_id"],
        version=meta["version"],
        position=int(meta["position"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
    )
