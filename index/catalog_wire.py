"""What travels between a catalog and the apps that read it (``--catalog-url``): JSON forms of the replica's records.

Each snapshot call the catalog serves has a pair of functions: how its result goes out (the
serving side, ``index.catalog_sessions``) and how it comes back (the reading side,
``index.remote_catalog``), so that what an app reads over HTTP equals what a local snapshot gives.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np

from index.article import Article
from index.chunking import Passage
from index.filters import Filters
from index.generation import ArticleRecord
from index.snapshot import KeywordHit, TextMatch
from index.vectors import PassageVectors, decode_sentences, encode_sentences

ROUTE = "/api/catalog"


def _passage_out(p: Passage) -> dict[str, Any]:
    return dataclasses.asdict(p)


def _passage_in(d: dict[str, Any]) -> Passage:
    return Passage(**d)


def _vectors_out(v: PassageVectors) -> dict[str, Any]:
    passage = base64.b64encode(v.passage.astype(np.float16).tobytes()).decode()
    return {"passage": passage, "sentences": encode_sentences(v)}  # both as the replica stores them


def _vectors_in(d: dict[str, Any]) -> PassageVectors:
    passage = np.frombuffer(base64.b64decode(d["passage"]), dtype=np.float16).astype(np.float32)
    spans, matrix = decode_sentences(d["sentences"], len(passage))
    return PassageVectors(passage, spans, matrix)


def _date_out(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def _date_in(s: str | None) -> dt.date | None:
    return None if s is None else dt.date.fromisoformat(s)


def _record_out(r: ArticleRecord) -> dict[str, Any]:
    a = r.article
    article = {"id": a.id, "title": a.title, "text": a.text, "date": _date_out(a.date), "source": a.source,
               "url": a.url, "path": a.path, "checksum": a.checksum, "pages": list(a.pages)}  # fmt: skip
    return {"article": article, "n_passages": r.n_passages, "indexed_at": r.indexed_at,
            "changed": [list(s) for s in r.changed], "changed_at": r.changed_at}  # fmt: skip


def _record_in(d: dict[str, Any]) -> ArticleRecord:
    a = d["article"]
    article = Article(id=a["id"], title=a["title"], text=a["text"], date=_date_in(a["date"]), source=a["source"],
                      url=a["url"], path=a["path"], checksum=a["checksum"],
                      pages=tuple(int(p) for p in a.get("pages") or ()))  # fmt: skip
    changed = tuple((int(x), int(y)) for x, y in d["changed"])
    return ArticleRecord(article, int(d["n_passages"]), float(d["indexed_at"]), changed, d["changed_at"])


def _mapping(encode: Callable[[Any], Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda found: {k: encode(v) for k, v in found.items()}


def _same(value: Any) -> Any:
    return value


# Each call the catalog serves: how its result goes out (server) and comes back (client).
CALLS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "keyword_search": (
        lambda hits: [{"passage": _passage_out(h.passage), "score": h.score} for h in hits],
        lambda rows: [KeywordHit(_passage_in(r["passage"]), float(r["score"])) for r in rows],
    ),
    "text_matches": (
        lambda found: [dataclasses.asdict(m) for m in found],
        lambda rows: [TextMatch(r["article_id"], r["snippet"], tuple((a, b) for a, b in r["marks"])) for r in rows],
    ),
    "keyword_scores": (_same, _same),
    "vectors": (_mapping(_vectors_out), lambda found: {k: _vectors_in(v) for k, v in found.items()}),
    "passages": (_mapping(_passage_out), lambda found: {k: _passage_in(v) for k, v in found.items()}),
    "document_frequencies": (_same, _same),
    "article_dates": (_mapping(_date_out), lambda found: {k: _date_in(v) for k, v in found.items()}),
    "passage_count": (_same, int),
    "newest_date": (_date_out, _date_in),
    "live_versions": (_same, _same),
    "article": (lambda r: None if r is None else _record_out(r), lambda d: None if d is None else _record_in(d)),
    "articles": (lambda rs: [_record_out(r) for r in rs], lambda ds: [_record_in(d) for d in ds]),
    "headers": (_mapping(_record_out), lambda found: {k: _record_in(v) for k, v in found.items()}),
    "passages_of": (lambda ps: [_passage_out(p) for p in ps], lambda ds: [_passage_in(d) for d in ds]),
    "copies": (list, tuple),
    "article_source": (_same, _same),
    "article_exists": (_same, bool),
    "copy_groups": (lambda gs: [list(g) for g in gs], lambda gs: [tuple(g) for g in gs]),
    "sources": (_same, _same),
}
SERVED = frozenset(CALLS)


def filters_out(filters: Filters | None) -> dict[str, Any] | None:
    if filters is None:
        return None
    return {"since": _date_out(filters.since), "until": _date_out(filters.until), "sources": list(filters.sources)}


def filters_in(d: dict[str, Any] | None) -> Filters | None:
    if d is None:
        return None
    return Filters(_date_in(d.get("since")), _date_in(d.get("until")), tuple(d.get("sources") or ()))
