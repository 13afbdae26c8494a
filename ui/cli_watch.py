"""``verbatim watch``: standing questions, asked again after every reindex that changes the index."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import click

from index.config import IndexConfig
from index.live import LiveIndex
from qa.answering import Answerer
from qa.citations import quoted
from qa.watches import WATCH_LIMIT, WATCHES_FILE, Watches, WatchStore
from ui.options import dump_json, friendly_errors, make_config, store_options
from ui.remote import call, serving


@click.group("watch")
def watch_group() -> None:
    """Watch questions: Verbatim asks them again after every reindex that changes the articles and
    records when an answer changes (the first quoted sentence or its short answer, or answered or not).

    With a server running on the index, these commands go through it; its page has a Watching tab
    and its changes are an Atom feed at /watches.atom.
    """


@contextlib.contextmanager
def _local(config: IndexConfig) -> Iterator[Watches]:
    live = LiveIndex(config)
    try:
        with live.writer_lock.reading(on_wait=lambda _: click.echo("waiting for a reindex to finish ...", err=True)):
            yield Watches(WatchStore(config.index_dir / WATCHES_FILE), Answerer(live), WATCH_LIMIT)
    finally:
        live.close()


def _server(config: IndexConfig) -> dict[str, Any] | None:
    return serving(config.index_dir) if not config.chroma_url else None


@watch_group.command("add")
@click.argument("question")
@click.option("--source", "sources", multiple=True, help="Only articles from this source (repeat for several).")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the watch as one JSON object.")
@friendly_errors
def add_command(question: str, sources: tuple[str, ...], as_json: bool, **params: Any) -> None:
    """Watch QUESTION: ask it now and again after every reindex that changes the index."""
    config = make_config(params)
    server = _server(config)
    if server is not None:
        value = call(server, "POST", "/api/watches", json={"question": question, "source": list(sources) or None})
    else:
        with _local(config) as watches:
            watch, created = watches.add(question, sources)
            value = {**watch.as_json(), "created": created}
    if as_json:
        dump_json(value)
        return
    click.echo(("Watching" if value["created"] else "Already watching") + f" [{value['id']}] {value['question']}")
    _print_heard(value["answer"], "  now: ")


@watch_group.command("list")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the watches as JSON.")
@friendly_errors
def list_command(as_json: bool, **params: Any) -> None:
    """The watched questions, each with its current answer and its unread changes."""
    config = make_config(params)
    server = _server(config)
    if server is not None:
        rows = call(server, "GET", "/api/watches")["watches"]
    else:
        rows = [w.as_json() for w in WatchStore(config.index_dir / WATCHES_FILE).watches()]
    if as_json:
        dump_json(rows)
        return
    if not rows:
        click.echo('No watched questions. Add one: verbatim watch add "Who did Blinken meet?"')
    for row in rows:
        unread = f"  ({row['unread']} unread change{'s' * (row['unread'] != 1)})" if row["unread"] else ""
        click.echo(click.style(f"[{row['id']}] {row['question']}", bold=True) + unread)
        _print_heard(row["answer"], "  ")


@watch_group.command("remove")
@click.argument("watch_id")
@store_options
@friendly_errors
def remove_command(watch_id: str, **params: Any) -> None:
    """Stop watching WATCH_ID (as `verbatim watch list` shows it)."""
    config = make_config(params)
    server = _server(config)
    if server is not None:
        call(server, "DELETE", f"/api/watches/{watch_id}")
    else:
        from qa.watches import UnknownWatchError

        if not WatchStore(config.index_dir / WATCHES_FILE).delete(watch_id):
            raise UnknownWatchError(f"no watch {watch_id!r}; `verbatim watch list` shows their ids")
    click.echo(f"Stopped watching {watch_id}.")


@watch_group.command("changes")
@store_options
@click.option("--unread", is_flag=True, help="Only the changes not yet seen.")
@click.option("--keep-unread", is_flag=True, help="Do not mark the changes shown as read.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@friendly_errors
def changes_command(unread: bool, keep_unread: bool, as_json: bool, **params: Any) -> None:
    """The recorded changes of the watched answers, newest first: both answers, when and why."""
    config = make_config(params)
    server = _server(config)
    if server is not None:
        rows = call(server, "GET", "/api/watches/changes", params={"unread": str(unread).lower()})["changes"]
        if rows and not keep_unread:
            call(server, "POST", "/api/watches/changes/read", json={"ids": [r["id"] for r in rows]})
    else:
        store = WatchStore(config.index_dir / WATCHES_FILE)
        rows = [c.as_json() for c in store.changes(unread=unread)]
        if rows and not keep_unread:
            store.mark_read([r["id"] for r in rows])
    if as_json:
        dump_json(rows)
        return
    if not rows:
        click.echo("No changes" + (" since you last looked." if unread else " recorded yet."))
    for row in rows:
        kind = {"answered": "now answered", "refused": "no longer answered"}.get(row["kind"], "answer changed")
        mark = "" if row["read"] else click.style(" new", fg="yellow")
        click.echo(click.style(f"{row['at']}  [{row['watch_id']}] {row['question']}", bold=True) + mark)
        click.echo(f"  {kind}, because of {row['why']}")
        _print_heard(row["new"], "  now: ")
        _print_heard(row["old"], "  was: ")


def _print_heard(heard: dict[str, Any] | None, prefix: str) -> None:
    if heard is None:
        click.echo(f"{prefix}not asked yet")
    elif not heard["answered"]:
        click.echo(f"{prefix}the articles don't answer it (confidence {heard['confidence']:.2f})")
    else:
        meta = ", ".join(x for x in (heard.get("title"), heard.get("source"), heard.get("date")) if x)
        click.echo(f"{prefix}{quoted(heard['excerpt'])}")
        click.echo(f"{' ' * len(prefix)}{meta}; {heard['article_id']}, characters {heard['start']}-{heard['end']}")


def reask_after_index(config: IndexConfig, live: LiveIndex, report: dict[str, Any]) -> dict[str, Any] | None:
    """After ``verbatim index`` changed something: ask the watches again (none kept: nothing to do)."""
    path = config.index_dir / WATCHES_FILE
    if not path.exists() or not any(report.get(k) for k in ("added", "updated", "removed")):
        return None
    store = WatchStore(path)
    if store.count() == 0:
        return None
    return Watches(store, Answerer(live)).refresh(report)
