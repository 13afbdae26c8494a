"""RSS 2.0 and Atom feeds read with feedparser: the only module that imports it."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed: the article it links to."""

    link: str | None
    title: str
    date: dt.date | None
    date_text: str | None  # as written, when it did not parse


@dataclass(frozen=True, slots=True)
class Feed:
    """A parsed feed."""

    title: str
    entries: tuple[FeedEntry, ...]


def parse_feed(body: bytes, url: str) -> Feed:
    """Read an RSS or Atom document; ``ValueError`` if it is not one."""
    import feedparser

    # A stream, never a string: feedparser would fetch a string that looks like a URL itself.
    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-location": url})
    if not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        detail = f" ({str(problem).strip()})" if problem else ""
        raise ValueError(f"is not an RSS or Atom feed{detail}; for an article page use `verbatim add URL`")
    entries = tuple(_entry(entry) for entry in parsed.entries)
    title = " ".join(str(parsed.feed.get("title") or "").split()) or url
    return Feed(title, entries)


def _entry(entry: dict[str, object]) -> FeedEntry:
    link = str(entry.get("link") or "").strip() or None
    title = " ".join(str(entry.get("title") or "").split())
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    written = entry.get("published") or entry.get("updated")
    date = dt.date(*stamp[:3]) if isinstance(stamp, tuple) else None
    return FeedEntry(link, title, date, None if date or not written else str(written))


def looks_like_feed(body: bytes, content_type: str) -> bool:
    """Whether a fetched resource is a feed rather than a page (XML that feedparser can read)."""
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml"):
        return False
    try:
        parse_feed(body, "")
    except ValueError:
        return False
    return True
