"""Articles from the web, kept as files in the corpus's ``web/`` folder.

Each fetched article becomes ``web/<host>/<name>.txt``: YAML front matter (title, date, source,
url) over the extracted text, a file the ordinary readers understand. So the index, citations,
``show``, uploads and deletes treat it like any other article; its id is its path, stable for a
URL across fetches, and a changed page rewrites the same file (an update, swapped atomically by
the reindex). A file is written only when its content changed, so an unchanged article is not
even read again. Articles that drop out of a feed stay; a file the user deleted is not fetched
back by a poll (``verbatim add URL`` does fetch it again).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from fetch.feeds import Feed, FeedEntry, looks_like_feed, parse_feed
from fetch.fetching import Fetcher, FetchError, Response
from fetch.webstate import FeedRow, PageRow, WebState
from index.article import SourceProblem
from index.errors import VerbatimIndexError
from index.formats import Fields
from index.formats.html import parse_page

WEB_FOLDER = "web"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UnknownFeedError(VerbatimIndexError):
    """No subscription has that URL."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one URL: ``fetched`` (with the article id), ``not_modified`` or ``failed``."""

    url: str
    kind: str  # "feed" or "page"
    status: str
    reason: str = ""
    article_id: str | None = None

    def as_json(self) -> dict[str, str | None]:
        """The JSON form (``article_id`` for pages, ``reason`` for failures)."""
        value: dict[str, str | None] = {"url": self.url, "kind": self.kind}
        if self.status == "failed":
            value["reason"] = self.reason
        elif self.kind == "page":
            value["article_id"] = self.article_id
        return value


@dataclass(frozen=True, slots=True)
class FetchReport:
    """The fetching half of a report; the reindex adds the other keys."""

    outcomes: tuple[Outcome, ...] = ()
    problems: tuple[SourceProblem, ...] = ()
    deleted: tuple[str, ...] = field(default=())  # article files removed (``feeds remove --delete-articles``)

    def as_json(self) -> dict[str, object]:
        """``fetched``, ``not_modified`` and ``failed``, each a list of URLs with what happened."""
        return {
            status: [o.as_json() for o in self.outcomes if o.status == status]
            for status in ("fetched", "not_modified", "failed")
        }

    def merge(self, index_report: dict[str, object]) -> dict[str, object]:
        """The whole report: the reindex's keys, these three, and both halves' problems."""
        problems = list(index_report.get("problems") or [])  # type: ignore[call-overload]
        problems += [{"path": p.path, "line": p.line, "level": p.level, "message": p.message} for p in self.problems]
        merged = {**index_report, **self.as_json(), "problems": problems}
        if self.deleted:
            merged["deleted"] = list(self.deleted)
        return merged


class WebCorpus:
    """Subscriptions and fetched pages of one corpus folder. Not thread-safe: callers serialise.

    Args:
        corpus: the corpus folder; articles go to its ``web/`` folder.
        fetcher: the polite, address-checking HTTP client.
    """

    def __init__(self, corpus: Path, fetcher: Fetcher) -> None:
        self.corpus = corpus.resolve()
        self.folder = self.corpus / WEB_FOLDER
        self.fetcher = fetcher
        self._state: WebState | None = None

    @property
    def state(self) -> WebState:
        """The bookkeeping database (created on first use)."""
        if self._state is None:
            self._state = WebState(self.folder / ".subscriptions.sqlite")
        return self._state

    def close(self) -> None:
        """Close the database."""
        if self._state is not None:
            self._state.close()

    def feeds(self) -> list[FeedRow]:
        """The subscriptions and their state."""
        return self.state.feeds() if (self.folder / ".subscriptions.sqlite").exists() else []

    def has_sources(self) -> bool:
        """Whether a poll has anything to fetch."""
        if not (self.folder / ".subscriptions.sqlite").exists():
            return False
        return bool(self.state.feeds() or self.state.direct_pages())

    def add(self, urls: list[str], kind: str = "page") -> FetchReport:
        """Fetch pages (``kind`` "page"), subscribe to a feed ("feed"), or tell which by fetching ("auto")."""
        run = _Run(self)
        for url in urls:
            url = url.strip()
            if kind == "page":
                run.page(url, direct=True, force=True)
                continue
            try:
                response = self.fetcher.get(url)
            except FetchError as exc:
                run.fail(url, "feed" if kind == "feed" else "page", str(exc))
                continue
            if kind == "feed" or looks_like_feed(response.body, response.content_type):
                run.subscribe(url, response)
            else:
                run.page(url, direct=True, force=True, response=response)
        return run.report()

    def poll(self) -> FetchReport:
        """Fetch every subscription and directly added page now (conditionally)."""
        run = _Run(self)
        for feed in self.state.feeds():
            run.feed(feed)
        for url in self.state.direct_pages():
            run.page(url, direct=True)
        return run.report()

    def remove(self, url: str, delete_articles: bool) -> FetchReport:
        """Unsubscribe; with ``delete_articles``, also delete the articles only this feed brought."""
        if self.state.feed(url) is None:
            raise UnknownFeedError(f"no subscription to {url}; `verbatim feeds list` shows them")
        orphans = self.state.unsubscribe(url)
        if not delete_articles:
            return FetchReport()
        deleted = []
        for page in orphans:
            row = self.state.page(page)
            if row is not None and row.file and (self.folder / row.file).exists():
                (self.folder / row.file).unlink()
                deleted.append(f"{WEB_FOLDER}/{row.file}")
        self.state.forget_pages(orphans)
        return FetchReport(deleted=tuple(deleted))

    def article_id(self, file: str) -> str:
        """The id of an article written to ``web/<file>``."""
        return f"{WEB_FOLDER}/{file}"


class _Run:
    """One add or poll: each URL fetched at most once, outcomes collected."""

    def __init__(self, web: WebCorpus) -> None:
        self.web = web
        self.state = web.state
        self.outcomes: list[Outcome] = []
        self.problems: list[SourceProblem] = []
        self.done: set[str] = set()

    def report(self) -> FetchReport:
        return FetchReport(tuple(self.outcomes), tuple(self.problems))

    def fail(self, url: str, kind: str, reason: str) -> None:
        self.outcomes.append(Outcome(url, kind, "failed", reason))

    def subscribe(self, url: str, response: Response) -> None:
        if response.content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml"):
            self.fail(url, "feed", "is an HTML page, not an RSS or Atom feed; add it as an article page instead")
            return
        try:
            feed = parse_feed(response.body, response.url)
        except ValueError as exc:
            self.fail(url, "feed", str(exc))
            return
        self.state.subscribe(url, feed.title)
        self._feed_read(url, feed, response.etag, response.last_modified)

    def feed(self, row: FeedRow) -> None:
        try:
            response = self.web.fetcher.get(row.url, row.etag, row.last_modified)
            if response.status == 304:
                self.outcomes.append(Outcome(row.url, "feed", "not_modified"))
                self.state.feed_fetched(row.url, None, response.etag, None)
            else:
                self._feed_read(row.url, parse_feed(response.body, response.url), response.etag, response.last_modified)
                return
        except (FetchError, ValueError) as exc:
            self.fail(row.url, "feed", str(exc))
            self.state.feed_failed(row.url, str(exc))
        for link, date in self.state.current_links(row.url):  # pages still change when the feed does not
            self.page(link, entry_date=dt.date.fromisoformat(date) if date else None)

    def _feed_read(self, url: str, feed: Feed, etag: str | None, last_modified: str | None) -> None:
        self.state.feed_fetched(url, feed.title, etag, last_modified)
        self.outcomes.append(Outcome(url, "feed", "fetched"))
        linked = [e for e in feed.entries if e.link]
        self.state.set_links(url, [(e.link, e.date.isoformat() if e.date else None) for e in linked if e.link])
        for number, entry in enumerate(feed.entries, start=1):
            if entry.link is None:
                name = f"“{entry.title}”" if entry.title else f"number {number}"
                self.fail(url, "feed", f"entry {name} has no link; nothing to fetch for it")
                continue
            self.page(entry.link, entry=entry)

    def page(
        self,
        url: str,
        *,
        direct: bool = False,
        force: bool = False,
        entry: FeedEntry | None = None,
        entry_date: dt.date | None = None,
        response: Response | None = None,
    ) -> None:
        if url in self.done:
            return
        self.done.add(url)
        row = self.state.page(url)
        on_disk = row is not None and row.file is not None and (self.web.folder / row.file).exists()
        if row is not None and row.file is not None and not on_disk and not force:
            return  # its article was deleted: a poll does not bring it back
        try:
            outcome = self._fetch_page(url, row if on_disk else None, direct, entry, entry_date, response)
        except (FetchError, ValueError) as exc:
            self.fail(url, "page", str(exc))
            self.state.page_failed(url, str(exc), direct)
            return
        self.outcomes.append(outcome)

    def _fetch_page(
        self,
        url: str,
        row: PageRow | None,
        direct: bool,
        entry: FeedEntry | None,
        entry_date: dt.date | None,
        response: Response | None,
    ) -> Outcome:
        if response is None:
            response = self.web.fetcher.get(url, row.etag if row else None, row.last_modified if row else None)
        body_hash = hashlib.sha256(response.body).hexdigest()
        if row is not None and (response.status == 304 or row.body_hash == body_hash):
            keep = response.etag or row.etag, response.last_modified or row.last_modified
            self.state.page_fetched(PageRow(url, row.file, row.canonical, *keep, row.body_hash, direct))
            return Outcome(url, "page", "not_modified", article_id=self.web.article_id(row.file or ""))
        fields = parse_page(response.body, response.url, response.content_type)
        canonical = fields.url if fields.url and urlsplit(fields.url).scheme in ("http", "https") else response.url
        file = (row.file if row else None) or self.state.file_of_canonical(canonical) or _file_name(canonical)
        date = fields.date or (entry.date if entry else entry_date)
        self._date_problems(url, fields, entry, date)
        _write_if_changed(self.web.folder / file, _article_file(fields, canonical, date))
        self.state.page_fetched(PageRow(url, file, canonical, response.etag, response.last_modified, body_hash, direct))
        return Outcome(url, "page", "fetched", article_id=self.web.article_id(file))

    def _date_problems(self, url: str, fields: Fields, entry: FeedEntry | None, date: dt.date | None) -> None:
        for warning in fields.warnings:
            if date is None or "date" not in warning:
                self.problems.append(SourceProblem(url, warning, "warning"))
        if entry is not None and entry.date_text and date is None:
            message = f"the feed's date {entry.date_text!r} does not parse; indexed without a date"
            self.problems.append(SourceProblem(url, message, "warning"))


def _file_name(canonical: str) -> str:
    """``<host>/<last path segment>-<hash>.txt``: readable, and unique per canonical URL."""
    parts = urlsplit(canonical)
    host = _UNSAFE.sub("_", parts.netloc.lower()).strip("._") or "site"
    stem = _UNSAFE.sub("-", parts.path.rstrip("/").rsplit("/", 1)[-1]).strip("-.")
    stem = re.sub(r"\.(html?|php|aspx?)$", "", stem)[:60] or "article"
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:10]
    return f"{host}/{stem}-{digest}.txt"


def _article_file(fields: Fields, url: str, date: dt.date | None) -> str:
    meta = {"title": fields.title, "date": date.isoformat() if date else None, "source": fields.source, "url": url}
    front = yaml.safe_dump({k: v for k, v in meta.items() if v}, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{front}---\n{fields.text}\n"


def _write_if_changed(path: Path, content: str) -> None:
    data = content.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".fetch-", suffix=".txt", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
