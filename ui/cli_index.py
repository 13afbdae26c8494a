"""``verbatim index`` and ``verbatim status``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from index.live import LiveIndex
from index.reindex import IndexReport, Reindexer
from ui.options import dump_json, echo_problems, friendly_errors, make_config, store_options

_SHOWN_IDS = 6


@click.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@store_options
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
    "--batch-size", type=click.IntRange(1, 1024), default=32, show_default=True,
    envvar="VERBATIM_BATCH_SIZE", show_envvar=True, help="Passages per embedding batch.",
)  # fmt: skip
@friendly_errors
def index_command(paths: tuple[Path, ...], full: bool, dry_run: bool, as_json: bool, **params: Any) -> None:
    """Index articles under PATHS (files or folders; default: the paths indexed before).

    Only what changed is done: new and edited articles are embedded (unchanged passages of an
    edited article reuse their vectors), deleted ones are removed. Reads .txt, .md, .html and
    .jsonl. Exits 1 if some file could not be indexed (the others are), 2 on other errors.
    """
    live = LiveIndex(make_config(params))
    reindexer = Reindexer(live, on_wait=lambda holder: click.echo(_waiting(holder, live), err=True))
    bar = _ProgressBar(enabled=not as_json)
    try:
        report = reindexer.run(list(paths) or None, full=full, dry_run=dry_run, progress=bar)
    finally:
        bar.close()
        live.close()
    if as_json:
        dump_json(report.as_json())
    else:
        _print_report(report)
    echo_problems(report.problems)
    if any(p.level == "error" for p in report.problems):
        raise SystemExit(1)


def _waiting(holder: dict[str, object], live: LiveIndex) -> str:
    who = f"process {holder.get('pid', '?')} ({holder.get('purpose', 'a reindex')})"
    return f"waiting for {who} to finish writing the index at {live.config.index_dir} ..."


class _ProgressBar:
    """A tqdm bar on stderr, shown only for runs with enough passages to be worth watching."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._bar: Any = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self._enabled or total < 64:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=phase, unit="passage", mininterval=0.5, leave=False)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _print_report(report: IndexReport) -> None:
    verb = "Would change" if report.dry_run else ("Rebuilt" if report.full else "Indexed")
    count = len(report.added) + len(report.updated) + len(report.unchanged)
    click.echo(
        f"{verb}: {count} articles in scope, {report.seconds:.2f} s"
        + (" (dry run: nothing written)" if report.dry_run else "")
    )
    for label, ids in (
        ("added", report.added),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("removed", report.removed),
    ):
        shown = ", ".join(ids[:_SHOWN_IDS]) + (
            f", ... and {len(ids) - _SHOWN_IDS} more" if len(ids) > _SHOWN_IDS else ""
        )
        click.echo(f"  {label:<10}{len(ids):>6}  {shown}".rstrip())
    embedded = "to embed" if report.dry_run else "embedded"
    click.echo(
        f"  {'passages':<10}{report.passages_embedded:>6}  {embedded}, "
        f"{report.passages_reused} reused from stored vectors"
    )


@click.command("status")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
@friendly_errors
def status_command(as_json: bool, **params: Any) -> None:
    """Show what the index holds and how it was built."""
    live = LiveIndex(make_config(params))
    try:
        status = live.status()
    finally:
        live.close()
    settings = status.settings
    value = {
        "location": status.location,
        "articles": status.articles,
        "passages": status.passages,
        "model": settings.model if settings else None,
        "dimension": settings.dimension if settings else None,
        "chunk_words": settings.chunk_words if settings else None,
        "chunk_overlap": settings.chunk_overlap if settings else None,
        "generation": status.generation,
        "last_reindex": status.last_report,
    }
    if as_json:
        dump_json(value)
        return
    if settings is None:
        click.echo(f"Nothing indexed at {status.location} yet; run `verbatim index PATH`.")
        return
    click.echo(f"Index at {status.location}: {status.articles} articles, {status.passages} passages")
    click.echo(
        f"  model {settings.model} ({settings.dimension} dimensions), passages of at most "
        f"{settings.chunk_words} words, overlap {settings.chunk_overlap}"
    )
