"""What the web page and the JSON API share: answering, the index's state, reindexing, uploads.

Questions run concurrently (a bounded number at once, a bounded number waiting, a time limit
each); a reindex runs one at a time in the background while questions keep being answered.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fetch.fetching import Fetcher, FetchSettings
from fetch.webcorpus import FetchReport, WebCorpus
from index.catalog_sessions import CatalogSessions
from index.errors import UnknownArticleError
from index.filters import Filters
from index.formats import parse_columns
from index.keyword import content_words
from index.live import LiveIndex
from index.reindex import Reindexer
from index.uploads import Saved, UploadError, delete_article_file, save_upload
from qa.answering import Answer, Answerer, AnswerSettings
from qa.query import Turn
from qa.watches import WATCH_LIMIT, WATCHES_FILE, Watches, WatchStore
from ui.article_view import article_json
from ui.background import nicer, yielding
from ui.examples import SOURCE_ARTICLES, example_questions
from ui.tokens import any_token, same_token


class BusyError(RuntimeError):
    """Too many questions are waiting; the message says to try again."""


class AdminError(PermissionError):
    """An index change was asked for without the admin token."""


class CatalogTokenError(PermissionError):
    """The keyword index was read (``/api/catalog``) without the token it needs."""


@dataclass
class Job:
    """The state of the background reindex, for the status panel and ``/api/status``."""

    running: bool = False
    phase: str = ""
    done: int = 0
    total: int = 0
    started: float | None = None
    finished: float | None = None
    report: dict[str, Any] | None = None
    error: str | None = None
    messages: list[str] = field(default_factory=list)


class Service:
    """One per server process.

    Args:
        live: the index; this process is its writer.
        corpus: the folder uploads go to and reindexes scan.
        admin_token: required for uploads, deletions and reindexes when set; with it, reads of the
            keyword index by other apps (``/api/catalog``) need a token too (this or the read token).
        read_token: required for every read when set (the gate of ``ui.gate``); the admin token opens it too.
        concurrency: questions answered at once.
        queue: questions allowed to wait beyond those.
        timeout: seconds a question may take before the user is told to try again.
        max_upload_mb: largest file accepted by an upload.
        answer_settings: threshold and sizes of the answerer.
        fetch_settings: how feeds and pages are fetched (safety, politeness).
        max_watches: most standing questions kept.
    """

    def __init__(
        self,
        live: LiveIndex,
        corpus: Path,
        admin_token: str | None = None,
        concurrency: int = 8,
        queue: int = 64,
        timeout: float = 30.0,
        max_upload_mb: float = 10.0,
        answer_settings: AnswerSettings | None = None,
        fetch_settings: FetchSettings | None = None,
        max_watches: int = WATCH_LIMIT,
        read_token: str | None = None,
    ) -> None:
        self.live = live
        self.corpus = corpus.resolve()
        self.admin_token = admin_token or None
        self.read_token = read_token or None
        self.answerer = Answerer(live, answer_settings)
        self.timeout = timeout
        self.max_upload_mb = max_upload_mb
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="ask")
        self._slots = threading.BoundedSemaphore(concurrency + queue)
        self._job = Job()
        self._job_lock = threading.Lock()
        self._examples: tuple[int, list[str]] | None = None
        self._examples_pending = False
        self._reports: list[dict[str, Any]] = []  # reindex reports the next round of re-asking explains changes by
        self._reports_lock = threading.Lock()
        self.web = WebCorpus(self.corpus, Fetcher(fetch_settings))
        self._web_lock = threading.Lock()  # one add, poll or removal at a time; each ends in a reindex
        self.catalog = CatalogSessions(self._replica, lambda: live.catalog.stats())  # for apps with --catalog-url
        self.watches = Watches(WatchStore(live.config.index_dir / WATCHES_FILE), self.answerer, max_watches)
        self._watch_pool = ThreadPoolExecutor(1, thread_name_prefix="verbatim-watches", initializer=nicer)

    def _replica(self) -> Path:
        """The replica a new catalog session reads: the active generation's, after catching up."""
        self.live.refresh()
        return self.live.catalog.path

    # --- answering -------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        since: dt.date | None = None,
        until: dt.date | None = None,
        sources: Sequence[str] = (),
        top_k: int | None = None,
        as_of: dt.date | None = None,
    ) -> Answer:
        """Answer within the time limit; ``BusyError`` if too many are waiting."""
        if not self._slots.acquire(blocking=False):
            raise BusyError("Verbatim is answering many questions right now; please ask again in a moment.")
        try:
            filters = Filters(since, until, tuple(sources))
            future = self._pool.submit(self.answerer.ask, question, list(history), filters, top_k, as_of)
            try:
                return future.result(timeout=self.timeout)
            except FutureTimeout:
                raise BusyError(f"That question took longer than {self.timeout:g} s; please try again.") from None
        finally:
            self._slots.release()

    def warm_up(self) -> None:
        """Load the models before the first visitor."""
        self.answerer.warm_up()

    # --- reading the index -----------------------------------------------------------------

    def articles(self, search: str = "") -> list[dict[str, Any]]:
        """Articles (newest first); with ``search``, those whose title, id or source hold it, then
        those whose text holds all its words (best match first, each with a ``snippet``)."""
        needle = search.strip().lower()
        with self.live.reading() as snapshot:
            records = snapshot.articles()
            matches = snapshot.text_matches(content_words(needle)) if needle else []
            groups = {i: g for g in snapshot.copy_groups() for i in g}
        rows: list[dict[str, Any]] = [
            {
                "id": r.article.id,
                "title": r.article.title,
                "date": r.article.date.isoformat() if r.article.date else None,
                "source": r.article.source,
                "url": r.article.url,
                "passages": r.n_passages,
                "copies": [i for i in groups.get(r.article.id, ()) if i != r.article.id],
            }
            for r in records
        ]
        if needle:
            by_id = {r["id"]: r for r in rows}
            named = [r for r in rows if any(needle in str(r[k] or "").lower() for k in ("title", "id", "source"))]
            texts: list[dict[str, Any]] = [
                {**by_id[m.article_id], "snippet": {"text": m.snippet, "marks": [list(s) for s in m.marks]}}
                for m in matches
                if m.article_id in by_id and m.article_id not in {r["id"] for r in named}
            ]
            rows = [{**r, "snippet": None} for r in named] + texts
        return rows

    def article(self, article_id: str) -> dict[str, Any]:
        """One article with the text citations point into."""
        with self.live.reading() as snapshot:
            record = snapshot.article(article_id)
        if record is None:
            raise UnknownArticleError(f"no article {article_id!r} is indexed")
        return article_json(record)

    def passage_text(self, passage_id: str) -> tuple[int, str] | None:
        """A passage's start offset and text (None if no longer live)."""
        with self.live.reading() as snapshot:
            passage = snapshot.passages([passage_id]).get(passage_id)
        return None if passage is None else (passage.start, passage.text)

    def sources(self) -> list[str]:
        """Distinct sources, for the filter menu."""
        with self.live.reading() as snapshot:
            return snapshot.sources()

    def status(self) -> dict[str, Any]:
        """Counts, settings, and the reindex job."""
        status = self.live.status()
        settings = status.settings
        job = self._job
        return {
            "articles": status.articles,
            "passages": status.passages,
            "model": settings.model if settings else None,
            "chunk_words": settings.chunk_words if settings else None,
            "corpus": str(self.corpus),
            "index": status.location,
            "admin_token_required": self.admin_token is not None,
            "read_token_required": self.read_token is not None,
            "reader": self.answerer.reader.status(),
            "reader_ready": self.answerer.reader.available(),
            "reindex": {
                "running": job.running,
                "phase": job.phase,
                "done": job.done,
                "total": job.total,
                "started": job.started,
                "finished": job.finished,
                "error": job.error,
            },
            "last_reindex": job.report or status.last_report,
            "feeds": self.feeds(),
        }

    def examples(self, count: int = 4) -> list[str]:
        """Questions the index answers well, drawn from its articles (cached per generation).

        The first call works them out; after a reindex they are worked out again in the background
        (``refresh_examples``), and a page loaded meanwhile gets the last ones rather than waiting.
        """
        generation = self.live.state.generation
        if self._examples is None:
            self._examples = (generation, self._work_out_examples(count))
        elif self._examples[0] != generation and not self._examples_pending:
            self.refresh_examples(count)
        return self._examples[1]

    def refresh_examples(self, count: int = 4) -> None:
        """Work the examples out again in the background, at the re-asking's lower priority."""
        self._examples_pending = True

        def work() -> None:
            try:
                generation = self.live.state.generation
                self._examples = (generation, self._work_out_examples(count))
            finally:
                self._examples_pending = False

        self._watch_pool.submit(work)

    def _work_out_examples(self, count: int) -> list[str]:
        texts = [self.article(row["id"])["text"] for row in self.articles()[:SOURCE_ARTICLES]]
        return example_questions(self.answerer, texts, count)

    # --- changing the index ----------------------------------------------------------------

    def check_admin(self, token: str | None) -> None:
        """Raise ``AdminError`` unless the token is right (or none is set)."""
        if self.admin_token is not None and not same_token(token, self.admin_token):
            raise AdminError("Changing the index needs the admin token (set with --admin-token).")

    def check_catalog(self, token: str | None) -> None:
        """Raise ``CatalogTokenError`` unless the token is the admin or read token (or neither is set)."""
        if (self.admin_token or self.read_token) and not any_token(token, self.admin_token, self.read_token):
            raise CatalogTokenError(
                "Reading this server's keyword index (/api/catalog) needs its admin token, or its read token when "
                "it has one: start the app that reads it with --catalog-token (or VERBATIM_CATALOG_TOKEN)."
            )

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
        """Run an incremental reindex of the corpus now (waits for one already running)."""
        with self._job_lock:
            job = self._job
            job.running, job.phase, job.done, job.total, job.error = True, "reading", 0, 0, None
            job.started, job.finished = time.time(), None

            def tick(phase: str, done: int, total: int) -> None:
                job.phase, job.done, job.total = phase, done, total
                if progress is not None:
                    progress(done, total)

            try:
                report = yielding(lambda: Reindexer(self.live).run([self.corpus], progress=tick).as_json())
            except Exception as exc:
                job.error = str(exc)
                raise
            finally:
                job.running, job.finished = False, time.time()
            job.report = report
            if any(report.get(k) for k in ("added", "updated", "removed")):
                self.reask_watches(report)
            return report

    def reask_watches(self, report: dict[str, Any] | None = None) -> Any:
        """Ask the watches again in the background, at a lower priority than the answers (those whose
        answer is older than the index's generation; none after a reindex that changed nothing).

        A round takes every reindex report that came in since the last one, so a change is explained
        by the reindex that made it even when rounds queue up behind each other.
        """
        if report is not None:
            with self._reports_lock:
                self._reports.append(report)
        return self._watch_pool.submit(self._reask)

    def _reask(self) -> dict[str, Any] | None:
        with self._reports_lock:
            reports, self._reports = self._reports, []
        merged = {k: sorted({i for r in reports for i in r.get(k, ())}) for k in ("added", "updated", "removed")}
        try:
            return self.watches.refresh(merged if reports else None)
        except Exception as exc:  # a failed round is retried by the next one; answering goes on
            with self._reports_lock:
                self._reports[:0] = reports
            self._job.messages.append(f"re-asking the watches failed: {exc}")
            return None

    def plan(self) -> dict[str, Any]:
        """What a reindex of the corpus would change, writing nothing (waits for one running)."""
        with self._job_lock:
            return Reindexer(self.live).run([self.corpus], dry_run=True).as_json()

    def upload(self, files: Sequence[tuple[str, bytes]], columns: str = "") -> dict[str, Any]:
        """Add files to the corpus, then reindex. Refused files are reported, not written.

        ``columns`` maps a CSV or TSV upload's columns (``text=body,date=pub_date``); the mapping is
        remembered for those files, as ``verbatim index --columns`` does.
        """
        try:
            mapped = parse_columns(columns)
        except ValueError as exc:
            raise UploadError(f"Columns: {exc}") from None
        saved: list[Saved] = []
        refused: list[str] = []
        for name, data in files:
            try:
                saved.append(save_upload(self.corpus, name, data, self.max_upload_mb, mapped))
            except UploadError as exc:
                refused.append(str(exc))
                continue
            if mapped:
                path = self.corpus.resolve() / saved[-1].name
                self.live.local.set_columns(path, mapped)
                self.live.local.forget_files_under(path)
        report = self.reindex() if saved else None
        return {
            "saved": [{"name": s.name, "articles": s.articles, "replaced": s.replaced} for s in saved],
            "refused": refused,
            "report": report,
        }

    def delete(self, article_id: str) -> dict[str, Any]:
        """Remove an article's file (or JSON Lines record) from the corpus, then reindex."""
        with self.live.reading() as snapshot:
            record = snapshot.article(article_id)
        if record is None:
            raise UnknownArticleError(f"no article {article_id!r} is indexed")
        message = delete_article_file(self.corpus, record.article.path, article_id)
        return {"deleted": article_id, "message": message, "report": self.reindex()}

    # --- the web ---------------------------------------------------------------------------

    def feeds(self) -> list[dict[str, object]]:
        """The subscriptions and their state."""
        return [feed.as_json() for feed in self.web.feeds()]

    def add_urls(self, urls: Sequence[str], kind: str = "auto") -> dict[str, Any]:
        """Fetch pages or subscribe to feeds ("auto": whichever the URL is), then reindex."""
        with self._web_lock:
            return self.web.add(list(urls), kind).merge(self.reindex())

    def poll(self) -> dict[str, Any]:
        """Fetch every subscription now, then reindex."""
        with self._web_lock:
            return self.web.poll().merge(self.reindex())

    def remove_feed(self, url: str, delete_articles: bool = False) -> dict[str, Any]:
        """Unsubscribe (and delete the feed's articles if asked), then reindex."""
        with self._web_lock:
            removed: FetchReport = self.web.remove(url, delete_articles)
            return {"unsubscribed": url, **removed.merge(self.reindex())}

    def close(self) -> None:
        """Stop the worker threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._watch_pool.shutdown(wait=True, cancel_futures=True)  # before the caller closes the index
        self.web.close()
        self.web.fetcher.close()
