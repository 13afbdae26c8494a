"""``verbatim serve``: bring the index up to date, then serve the chat and the JSON API."""

from __future__ import annotations

import ipaddress
import os
import threading
import time
from pathlib import Path
from typing import Any

import click

from fetch.fetching import FetchSettings
from index.errors import StoreUnavailableError
from index.live import LiveIndex
from index.reindex import Reindexer
from qa.answering import AnswerSettings
from ui.cli_ask import threshold_option
from ui.options import device_option, echo_problems, friendly_errors, make_config, store_options
from ui.service import Service


def _wait_for_store(live: LiveIndex) -> None:
    """A Chroma server that is not up yet is waited for, with one message naming it."""
    told = False
    while True:
        try:
            live.store.heartbeat()
            return
        except StoreUnavailableError as exc:
            if not told:
                click.echo(f"{exc}; waiting for it (Ctrl-C to give up) ...", err=True)
                told = True
            time.sleep(2.0)


def _watch(service: Service, corpus: Path, stop: threading.Event) -> None:
    from index.watching import watch_paths

    def changed(files: list[str]) -> None:
        try:
            report = service.reindex()
        except Exception as exc:  # the job keeps the error for the status panel
            click.echo(f"reindex after a change failed: {exc}", err=True)
            return
        counts = ", ".join(f"{len(report[k])} {k}" for k in ("added", "updated", "removed") if report[k])
        click.echo(f"{len(files)} file(s) changed: {counts or 'no article changed'} ({report['seconds']:.1f} s)")

    watch_paths([corpus], changed, stop)


def _poll(service: Service, minutes: float, stop: threading.Event) -> None:
    """Fetch the subscriptions every ``minutes``; each poll ends in one (incremental) reindex."""
    while not stop.wait(minutes * 60):
        if not service.web.has_sources():
            continue
        try:
            report = service.poll()
        except Exception as exc:  # the job keeps a reindex error for the status panel
            click.echo(f"polling the feeds failed: {exc}", err=True)
            continue
        counts = ", ".join(f"{len(report[k])} {k}" for k in ("added", "updated", "failed") if report[k])
        if counts:
            click.echo(f"Polled the feeds: {counts} ({report['seconds']:.1f} s)")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.argument("corpus", default="seeds", type=click.Path(file_okay=False, path_type=Path))
@store_options
@device_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    envvar="VERBATIM_HOST",
    show_envvar=True,
    help="Address to listen on.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=7860,
    show_default=True,
    envvar="VERBATIM_PORT",
    show_envvar=True,
    help="Port to listen on.",
)
@click.option(
    "--admin-token", envvar="VERBATIM_ADMIN_TOKEN", show_envvar=True,
    help="Token required to upload, delete and reindex (page and API), and, once set, to read the keyword index "
    "at /api/catalog (other apps pass it with --catalog-token). Required when listening beyond loopback.",
)  # fmt: skip
@click.option(
    "--read-token", envvar="VERBATIM_READ_TOKEN", show_envvar=True,
    help="Token required to read anything: every JSON route (send 'Authorization: Bearer TOKEN'), /docs and the "
    "chat page, which asks for it once and keeps a cookie. Only /healthz stays open; the admin token opens it too.",
)  # fmt: skip
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    envvar="VERBATIM_CONCURRENCY",
    show_envvar=True,
    help="Questions answered at once.",
)
@click.option(
    "--queue",
    "queue_size",
    type=click.IntRange(0, 1000),
    default=64,
    show_default=True,
    envvar="VERBATIM_QUEUE",
    show_envvar=True,
    help="Questions allowed to wait; beyond that, a polite 'busy'.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(1, 600),
    default=30.0,
    show_default=True,
    envvar="VERBATIM_TIMEOUT",
    show_envvar=True,
    help="Seconds a question may take.",
)
@click.option("--watch", is_flag=True, help="Reindex whenever files in CORPUS change (within about two seconds).")
@click.option(
    "--poll-minutes", type=click.FloatRange(0), default=30.0, show_default=True,
    envvar="VERBATIM_POLL_MINUTES", show_envvar=True,
    help="Fetch the feed subscriptions (and pages added by URL) this often; 0 turns polling off.",
)  # fmt: skip
@click.option(
    "--allow-private-urls", is_flag=True, envvar="VERBATIM_ALLOW_PRIVATE_URLS", show_envvar=True,
    help="Allow feed and page URLs that lead to loopback, private or link-local addresses.",
)  # fmt: skip
@click.option(
    "--max-watches", type=click.IntRange(0, 100000), default=200, show_default=True,
    envvar="VERBATIM_MAX_WATCHES", show_envvar=True,
    help="Most watched questions kept (each is asked again after every reindex that changes the index).",
)  # fmt: skip
@threshold_option
@friendly_errors
def serve_command(
    corpus: Path,
    host: str,
    port: int,
    admin_token: str | None,
    read_token: str | None,
    concurrency: int,
    queue_size: int,
    timeout: float,
    watch: bool,
    poll_minutes: float,
    allow_private_urls: bool,
    max_watches: int,
    threshold: float | None,
    **params: Any,
) -> None:
    """Serve the chat for CORPUS (default seeds/) at http://HOST:PORT, after an incremental reindex."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    if not is_loopback(host) and not admin_token:
        raise click.UsageError(
            f"refusing to listen on {host} without an admin token: anyone who can reach it could change the "
            "index. Set --admin-token (or VERBATIM_ADMIN_TOKEN), or listen on 127.0.0.1"
        )
    if not corpus.is_dir():
        raise click.UsageError(f"{corpus} is not a folder of articles")
    import uvicorn

    from ui.web import build_app

    live = LiveIndex(make_config(params))
    _wait_for_store(live)
    live.writer_lock.acquire(
        on_wait=lambda h: click.echo(
            f"waiting for process {h.get('pid', '?')} to finish writing the index ...", err=True
        )
    )
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    live.writer_lock.describe({"url": url, "purpose": "serve", "corpus": str(corpus.resolve())})
    try:
        if live.remote is not None:
            click.echo(f"Reading the keyword index of {live.remote.url} (this app does not write the index)")
            watch = False
            poll_minutes = 0.0
        else:
            click.echo(f"Bringing the index of {corpus} up to date ...")
            report = Reindexer(live).run([corpus])
            counts = ", ".join(f"{len(getattr(report, k))} {k}" for k in ("added", "updated", "unchanged", "removed"))
            click.echo(f"  {counts} ({report.seconds:.1f} s)")
            echo_problems(report.problems)
        service = Service(
            live,
            corpus,
            admin_token,
            concurrency,
            queue_size,
            timeout,
            answer_settings=AnswerSettings(threshold=threshold),
            fetch_settings=FetchSettings(allow_private=allow_private_urls),
            max_watches=max_watches,
            read_token=read_token,
        )
        service.warm_up()
        click.echo(f"  {service.answerer.reader.status()}")
        if live.remote is None:
            service.reask_watches(report.as_json())  # in the background: watches behind the index catch up
        service.examples()
        stop = threading.Event()
        if watch:
            threading.Thread(target=_watch, args=(service, corpus, stop), daemon=True, name="watch").start()
        if poll_minutes > 0:
            threading.Thread(target=_poll, args=(service, poll_minutes, stop), daemon=True, name="poll").start()
        app = build_app(service)
        click.echo(f"Verbatim is running at {url}  (JSON API at {url}/docs; Ctrl-C to stop)")
        # Open browser connections must not keep Ctrl-C (or SIGTERM) from stopping the server.
        uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
        stop.set()
    finally:
        live.writer_lock.release()
        live.close()
