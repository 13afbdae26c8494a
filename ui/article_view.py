"""An article as the API and `verbatim show --json` give it: metadata, the cited text, its pages and changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from index.generation import ArticleRecord


def article_json(record: ArticleRecord) -> dict[str, Any]:
    """An article as the API and `verbatim show --json` give it: metadata and the cited text."""
    article = record.article
    return {
        "id": article.id,
        "title": article.title,
        "date": article.date.isoformat() if article.date else None,
        "source": article.source,
        "url": article.url,
        "path": article.path,
        "passages": record.n_passages,
        "pages": list(article.pages),
        "text": article.text,
        "changes": _changes(record),
    }


def _changes(record: ArticleRecord) -> dict[str, Any] | None:
    """The last update's added or changed sentences (offsets into the current text), or None."""
    if record.changed_at is None:
        return None
    when = dt.datetime.fromtimestamp(record.changed_at, dt.UTC).isoformat(timespec="seconds")
    text = record.article.text
    return {"at": when, "sentences": [{"start": a, "end": b, "text": text[a:b]} for a, b in record.changed]}
