"""``verbatim add URL...`` and ``verbatim feeds add|list|remove|poll``.

Fetched articles are written to the corpus folder's ``web/`` folder, then the corpus is
reindexed. When a ``verbatim serve`` holds the index, the work is handed to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from fetch.fetching import Fetcher, FetchSettings
from fetch.webcorpus import FetchReport, WebCorpus
from index.live import LiveIndex
from index.localstate import LocalState
from index.reindex import Reindexer
from ui.cli_index import print_report
from ui.options import dump_json, friendly_errors, make_config, read_token_option, store_options
from ui.remote import call, check_scope, serving

F = TypeVar("F", bound=Callable[..., Any])


def web_options(command: F) -> F:
    """Options of every command that fetches or lists web sources."""
    options = [
        click.option(
            "--corpus", type=click.Path(file_okay=False, path_type=Path), default=None,
            help="Corpus folder whose web/ folder holds fetched articles (default: the one folder the index "
            "was built from, or the running server's).",
        ),
        click.option(
            "--allow-private-urls", is_flag=True, envvar="VERBATIM_ALLOW_PRIVATE_URLS", show_envvar=True,
            help="Allow URLs that lead to loopback, private or link-local addresses (your own network).",
        ),
        click.option(
            "--admin-token", envvar="VERBATIM_ADMIN_TOKEN", show_envvar=True,
            help="Admin token of a running `verbatim serve` that holds this index (the work is handed to it).",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return store_options(read_token_option(command))


class _Target:
    """Where the work runs: a server holding the index, or this process."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.config = make_config(params)
        self.token: str | None = params["admin_token"] or params["read_token"]  # a listing needs only the read one
        self.server = serving(self.config.index_dir) if not self.config.chroma_url else None
        given: Path | None = params["corpus"]
        if self.server is not None and given is not None:
            check_scope(self.server, [given])
        self._given = given
        self._settings = FetchSettings(allow_private=bool(params["allow_private_urls"]))

    def web(self) -> WebCorpus:
        return WebCorpus(self._given or _known_corpus(self.config.index_dir), Fetcher(self._settings))

    def run(self, work: Callable[[WebCorpus], FetchReport]) -> dict[str, Any]:
        """Fetch here, then reindex the corpus; the merged report."""
        web = self.web()
        try:
            fetched = work(web)
        finally:
            web.close()
            web.fetcher.close()
        live = LiveIndex(self.config)
        try:
            report = Reindexer(live).run([web.corpus]).as_json()
        finally:
            live.close()
        return fetched.merge(report)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        assert self.server is not None
        click.echo(f"The server at {self.server['url']} holds this index; it does the work ...", err=True)
        return call(self.server, method, path, self.token, **kwargs)


def _known_corpus(index_dir: Path) -> Path:
    state = LocalState(index_dir / "local.sqlite")
    try:
        folders = [root for root in state.roots() if root.is_dir()]
    finally:
        state.close()
    if len(folders) == 1:
        return folders[0]
    known = f" (it was built from {', '.join(map(str, folders))})" if folders else ""
    raise click.UsageError(
        f"which corpus folder should fetched articles go to{known}? Name it with --corpus, e.g. --corpus seeds"
    )


@click.command("add")
@click.argument("urls", nargs=-1, required=True)
@web_options
@friendly_errors
def add_command(urls: tuple[str, ...], as_json: bool, **params: Any) -> None:
    """Fetch article pages at URLS, add them to the corpus and reindex.

    Title, date, site name and main text are extracted; the article's URL is its canonical one.
    Exits 1 if some URL could not be added (the others are), 2 on other errors.
    """
    target = _Target(params)
    if target.server is not None:
        report = target.call("POST", "/api/feeds", json={"urls": list(urls), "kind": "page"})
    else:
        report = target.run(lambda web: web.add(list(urls), "page"))
    _finish(report, as_json)


@click.group("feeds")
def feeds_group() -> None:
    """Subscribe to RSS and Atom feeds; their articles are fetched and indexed, and polled for changes."""


@feeds_group.command("add")
@click.argument("url")
@web_options
@friendly_errors
def feeds_add(url: str, as_json: bool, **params: Any) -> None:
    """Subscribe to the feed at URL, fetch its articles now and reindex."""
    target = _Target(params)
    if target.server is not None:
        report = target.call("POST", "/api/feeds", json={"url": url, "kind": "feed"})
    else:
        report = target.run(lambda web: web.add([url], "feed"))
    _finish(report, as_json)


@feeds_group.command("poll")
@web_options
@friendly_errors
def feeds_poll(as_json: bool, **params: Any) -> None:
    """Fetch every subscription (and page added by URL) now, conditionally, and reindex what changed."""
    target = _Target(params)
    report = target.call("POST", "/api/feeds/poll") if target.server else target.run(lambda web: web.poll())
    _finish(report, as_json)


@feeds_group.command("remove")
@click.argument("url")
@click.option("--delete-articles", is_flag=True, help="Also delete the articles only this feed brought in.")
@web_options
@friendly_errors
def feeds_remove(url: str, delete_articles: bool, as_json: bool, **params: Any) -> None:
    """Unsubscribe from the feed at URL. Its articles stay indexed unless --delete-articles."""
    target = _Target(params)
    if target.server is not None:
        query = {"url": url, "delete_articles": str(delete_articles).lower()}
        report = target.call("DELETE", "/api/feeds", params=query)
    else:
        report = {"unsubscribed": url, **target.run(lambda web: web.remove(url, delete_articles))}
    if not as_json:
        deleted = report.get("deleted") or []
        click.echo(f"Unsubscribed from {url}" + (f"; deleted {len(deleted)} articles" if deleted else ""))
    _finish(report, as_json)


@feeds_group.command("list")
@web_options
@friendly_errors
def feeds_list(as_json: bool, **params: Any) -> None:
    """Show each subscription: title, URL, last fetch, articles and its last error."""
    target = _Target(params)
    if target.server is not None:
        feeds = target.call("GET", "/api/feeds")["feeds"]
    else:
        web = target.web()
        feeds = [feed.as_json() for feed in web.feeds()]
        web.close()
    if as_json:
        dump_json({"feeds": feeds})
        return
    if not feeds:
        click.echo("No subscriptions yet; add one with `verbatim feeds add URL`.")
    for feed in feeds:
        fetched = _when(feed["last_fetch"]) or "never"
        click.echo(f"{feed['title'] or feed['url']}\n  {feed['url']}")
        click.echo(f"  last fetch {fetched}, {feed['articles']} articles")
        if feed["error"]:
            click.echo(f"  last error: {feed['error']}")


def _when(iso: str | None) -> str:
    return dt.datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M") if iso else ""


def _finish(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        dump_json(report)
    else:
        print_report({"dry_run": False, "full": False, **report})
        counts = (len(report[k]) for k in ("fetched", "not_modified", "failed"))
        click.echo("  {:<10}{:>6}  fetched, {} not modified, {} failed".format("urls", *counts))
    for failed in report["failed"]:
        click.echo(f"failed: {failed['url']}: {failed['reason']}", err=True)
    for problem in report.get("problems", []):
        where = f"{problem['path']}:{problem['line']}" if problem.get("line") else problem["path"]
        click.echo(f"{problem['level']}: {where}: {problem['message']}", err=True)
    if report["failed"] or any(p["level"] == "error" for p in report.get("problems", [])):
        raise SystemExit(1)
