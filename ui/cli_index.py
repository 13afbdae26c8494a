"""``verbatim index`` and ``verbatim status``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from index.device import resolve_device
from index.errors import IndexBusyError, VerbatimIndexError
from index.formats import COLUMN_FIELDS, Columns, parse_columns
from index.live import LiveIndex
from index.reindex import Reindexer
from qa.reader import Reader
from ui.options import device_option, dump_json, friendly_errors, make_config, read_token_option, store_options
from ui.remote import call, check_scope, serving

_SHOWN_IDS = 6


@click.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@store_options
@device_option
@click.option(
    "--full",
    is_flag=True,
    help="Rebuild from scratch into a new index; the old one serves until it is done.",
)
@click.option("--dry-run", is_flag=True, help="Show what would change, write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option(
    "--chunk-words", type=click.IntRange(10, 2000), envvar="VERBATIM_CHUNK_WORDS", show_envvar=True,
    help="Most words in a passage (default 150, or what the index was built with).",
)  # fmt: skip
@click.option(
    "--chunk-overlap", type=click.IntRange(0, 20), envvar="VERBATIM_CHUNK_OVERLAP", show_envvar=True,
    help="Sentences repeated between the passages of a long paragraph (default 1).",
)  # fmt: skip
@click.option(
    "--max-file-mb", type=click.FloatRange(0.01), default=10.0, show_default=True,
    envvar="VERBATIM_MAX_FILE_MB", show_envvar=True,
    help="Largest article file read (JSON Lines files are streamed; the limit is per line).",
)  # fmt: skip
@click.option(
    "--batch-size", type=click.IntRange(1, 1024), envvar="VERBATIM_BATCH_SIZE", show_envvar=True,
    help="Passages per embedding batch (default 32 on the CPU, 256 on a GPU).",
)  # fmt: skip
@click.option(
    "--columns", callback=lambda _c, _p, value: _columns(value), metavar="FIELD=COLUMN,...",
    help="Name the columns of CSV/TSV files: e.g. text=body,date=pub_date (fields: "
    f"{', '.join(COLUMN_FIELDS)}). Remembered for PATHS; by default the usual names are recognised.",
)  # fmt: skip
@click.option("--watch", is_flag=True, help="After indexing, keep watching PATHS and reindex on every change.")
@click.option(
    "--admin-token", envvar="VERBATIM_ADMIN_TOKEN", show_envvar=True,
    help="Admin token of a running `verbatim serve` that holds this index (the work is handed to it).",
)  # fmt: skip
@friendly_errors
def index_command(
    paths: tuple[Path, ...],
    full: bool,
    dry_run: bool,
    as_json: bool,
    watch: bool,
    admin_token: str | None,
    **params: Any,
) -> None:
    """Index articles under PATHS (files or folders; default: the paths indexed before).

    Only what changed is done: new and edited articles are embedded (unchanged passages of an
    edited article reuse their vectors), deleted ones are removed. Reads .txt, .md, .html,
    .jsonl, .csv, .tsv, .pdf and .warc(.gz). Exits 1 if some file could not be indexed (the
    others are), 2 on other errors.
    """
    config = make_config(params)
    server = serving(config.index_dir) if not config.chroma_url else None
    if server is not None:
        if full or watch:
            raise IndexBusyError(
                f"the server at {server['url']} holds this index; stop it to use --full or --watch "
                "(or run `verbatim serve --watch`)"
            )
        if params.get("columns"):
            raise IndexBusyError(
                f"the server at {server['url']} holds this index; stop it to use --columns "
                "(or upload the table on its page with its columns named)"
            )
        check_scope(server, list(paths))
        doing = "reports what a reindex of its corpus would change" if dry_run else "reindexes its corpus"
        click.echo(f"The server at {server['url']} holds this index; it {doing} ...", err=True)
        query = {"dry_run": "true"} if dry_run else {}
        _finish(call(server, "POST", "/api/reindex", admin_token, params=query), as_json)
        return
    live = LiveIndex(config)
    reindexer = Reindexer(live, on_wait=lambda holder: click.echo(_waiting(holder, live), err=True))
    try:
        report = _run(reindexer, list(paths) or None, full, dry_run, as_json)
        if watch:
            _watch(reindexer, report, as_json)
    finally:
        live.close()
    _exit_status(report)


def _run(reindexer: Reindexer, paths: list[Path] | None, full: bool, dry_run: bool, as_json: bool) -> dict[str, Any]:
    bar = ProgressBar(enabled=not as_json)
    try:
        report = reindexer.run(paths, full=full, dry_run=dry_run, progress=bar).as_json()
    finally:
        bar.close()
    _finish(report, as_json, exit_on_error=False)
    if not dry_run:
        _reask(reindexer.live, report)
    return report


def _reask(live: LiveIndex, report: dict[str, Any]) -> None:
    """The watched questions, asked again after a reindex that changed something."""
    from ui.cli_watch import reask_after_index

    done = reask_after_index(live.config, live, report)
    if done is not None and done["asked"]:
        changed = done["changed"]
        click.echo(
            f"Asked {done['asked']} watched question(s) again: {changed} answer(s) changed"
            + (" (verbatim watch changes)" if changed else ""),
            err=True,
        )


def _finish(report: dict[str, Any], as_json: bool, exit_on_error: bool = True) -> None:
    if as_json:
        dump_json(report)
    else:
        print_report(report)
    for problem in sorted(report.get("problems", []), key=lambda p: (p["level"] != "error", p["path"])):
        where = f"{problem['path']}:{problem['line']}" if problem.get("line") else problem["path"]
        click.echo(f"{problem['level']}: {where}: {problem['message']}", err=True)
    if exit_on_error:
        _exit_status(report)


def _exit_status(report: dict[str, Any]) -> None:
    if any(p["level"] == "error" for p in report.get("problems", [])):
        raise SystemExit(1)


def _watch(reindexer: Reindexer, first: dict[str, Any], as_json: bool) -> None:
    from index.watching import watch_paths

    paths = [path for path, _ in reindexer.targets(None)]
    click.echo(f"Watching {', '.join(map(str, paths))} for changes (Ctrl-C to stop) ...", err=True)

    def changed(files: list[str]) -> None:
        click.echo(f"{len(files)} file(s) changed, reindexing ...", err=True)
        try:
            _run(reindexer, None, False, False, as_json)
        except VerbatimIndexError as exc:
            click.echo(f"error: {exc}", err=True)

    watch_paths(paths, changed)


def _columns(value: str | None) -> Columns:
    try:
        return parse_columns(value or "")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _waiting(holder: dict[str, object], live: LiveIndex) -> str:
    who = f"process {holder.get('pid', '?')} ({holder.get('purpose', 'a reindex')})"
    return f"waiting for {who} to finish writing the index at {live.config.index_dir} ..."


class ProgressBar:
    """A tqdm bar on stderr per phase of a reindex: the files read (bytes per second and time left,
    shown once reading has taken a second) and the passages embedded (for runs with enough of them)."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._bar: Any = None
        self._phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self._enabled:
            return
        if self._bar is not None and phase != self._phase:
            self.close()
        if self._bar is None:
            if done >= total or (phase != "reading" and total < 64):
                return
            self._bar, self._phase = _new_bar(phase, total), phase
        self._bar.update(done - self._bar.n)
        if done >= total:  # gone before whatever is printed next
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _new_bar(phase: str, total: int) -> Any:
    from tqdm import tqdm

    if phase == "reading":  # bytes of the files read: a big CSV, PDF or WARC file takes minutes
        return tqdm(
            total=total, desc="reading", unit="B", unit_scale=True, unit_divisor=1024, mininterval=0.5,
            delay=1.0, leave=False,
        )  # fmt: skip
    return tqdm(total=total, desc=phase, unit="passage", mininterval=0.5, leave=False)


def print_report(report: dict[str, Any]) -> None:
    """The report, readably."""
    verb = "Would change" if report["dry_run"] else ("Rebuilt" if report["full"] else "Indexed")
    count = len(report["added"]) + len(report["updated"]) + len(report["unchanged"])
    note = " (dry run: nothing written)" if report["dry_run"] else ""
    click.echo(f"{verb}: {count} articles in scope, {report['seconds']:.2f} s{note}")
    for label in ("added", "updated", "unchanged", "removed"):
        ids = report[label]
        more = f", ... and {len(ids) - _SHOWN_IDS} more" if len(ids) > _SHOWN_IDS else ""
        click.echo(f"  {label:<10}{len(ids):>6}  {', '.join(ids[:_SHOWN_IDS])}{more}".rstrip())
    embedded = "to embed" if report["dry_run"] else "embedded"
    reused = report["passages_reused"]
    click.echo(f"  {'passages':<10}{report['passages_embedded']:>6}  {embedded}, {reused} reused from stored vectors")


@click.command("status")
@store_options
@device_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
@read_token_option
@friendly_errors
def status_command(as_json: bool, **params: Any) -> None:
    """Show what the index holds and how it was built."""
    config = make_config(params)
    server = serving(config.index_dir) if not config.chroma_url else None
    if server is not None:
        remote = call(server, "GET", "/api/status", params["read_token"])
        keys = ("articles", "passages", "model", "chunk_words", "last_reindex", "reader", "device")
        value = {k: remote.get(k) for k in keys}
        value.update(location=remote.get("index"), server=server["url"])
    else:
        value = _local_status(LiveIndex(config), resolve_device(config.device))
    if as_json:
        dump_json(value)
        return
    if value["model"] is None:
        click.echo(f"Nothing indexed at {value['location']} yet; run `verbatim index PATH`.")
        return
    served = f" (served by {value['server']})" if value.get("server") else ""
    click.echo(f"Index at {value['location']}{served}: {value['articles']} articles, {value['passages']} passages")
    click.echo(f"  model {value['model']}, passages of at most {value['chunk_words']} words")
    click.echo(f"  {value['reader']}")
    click.echo(f"  encoder and reader run on {value['device']}")


def _local_status(live: LiveIndex, device: str) -> dict[str, Any]:
    try:
        with live.writer_lock.reading():
            status = live.status()
    finally:
        live.close()
    settings = status.settings
    return {
        "location": status.location,
        "articles": status.articles,
        "passages": status.passages,
        "model": settings.model if settings else None,
        "dimension": settings.dimension if settings else None,
        "chunk_words": settings.chunk_words if settings else None,
        "chunk_overlap": settings.chunk_overlap if settings else None,
        "generation": status.generation,
        "last_reindex": status.last_report,
        "reader": Reader().describe(),
        "device": device,
    }
