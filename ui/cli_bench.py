"""``verbatim bench``."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

import click

from ui.options import device_option, friendly_errors

_SQUAD_CANDIDATES = (Path("../shared/data/squad-dev-v1.1.json"), Path("tests/data/squad-slice.json"))


def _sizes(_: click.Context, __: click.Parameter, value: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in value.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter("give passage counts separated by commas, e.g. 1000,10000") from None
    if not sizes or min(sizes) < 10:
        raise click.BadParameter("each size must be at least 10 passages")
    return sizes


def _counts(_: click.Context, __: click.Parameter, value: str) -> list[int]:
    try:
        counts = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter("give numbers separated by commas, e.g. 1,4,16") from None
    if not counts or min(counts) < 1:
        raise click.BadParameter("each count must be at least 1")
    return counts


def _squad_source(given: Path | None) -> Path:
    """The SQuAD file to take text and questions from: the one given, else the first found."""
    source = given or next((p for p in _SQUAD_CANDIDATES if p.exists()), None)
    if source is None:
        raise click.UsageError("no SQuAD file found; pass --squad FILE")
    return source


def _machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version()}


def _gpu(device: str) -> dict[str, object]:
    """The device the models run on (and the GPU's name when it is one)."""
    from index.device import gpu_name, resolve_device

    resolved = resolve_device(device)
    name = gpu_name(resolved)
    return {"device": resolved, "gpu": name} if name else {"device": resolved}


@click.group("bench", invoke_without_command=True)
@click.option(
    "--sizes",
    default="1000,10000",
    show_default=True,
    callback=_sizes,
    help="Corpus sizes in passages, comma-separated.",
)
@click.option(
    "--questions", type=click.IntRange(10), default=300, show_default=True, help="Questions asked per size for latency."
)
@click.option(
    "--squad", "squad_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="SQuAD file whose text and questions are used (default ../shared/data/squad-dev-v1.1.json, "
    "else tests/data/squad-slice.json).",
)  # fmt: skip
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".verbatim-bench"),
    show_default=True,
    help="Where the corpora and indexes are built.",
)
@click.option(
    "--cache/--no-cache",
    default=True,
    show_default=True,
    help="Reuse passage vectors encoded by an earlier run (WORKDIR/embeddings.sqlite, keyed by model and text).",
)
@click.option(
    "--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the results to this file."
)
@click.option(
    "--plot",
    "plot_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write latency and throughput plots to this PNG.",
)
@device_option
@click.pass_context
@friendly_errors
def bench_command(
    ctx: click.Context,
    sizes: list[int],
    questions: int,
    squad_file: Path | None,
    workdir: Path,
    cache: bool,
    json_out: Path | None,
    plot_out: Path | None,
    device: str,
) -> None:
    """Measure indexing throughput, reindex times, answer latency, memory and disk per corpus size.

    `verbatim bench load` runs the concurrent-users load test instead.
    """
    if ctx.invoked_subcommand is not None:
        return
    from lab.bench import measure, plot

    source = _squad_source(squad_file)
    machine = {**_machine(), **_gpu(device)}
    where = f", on {machine['gpu']}" if machine.get("gpu") else ""
    click.echo(f"machine: {machine['cores']} cores, {machine['cpu']}{where}; text and questions from {source}")
    results = []
    rate: float | None = None
    for size in sizes:
        result = measure(size, source, workdir, questions, click.echo, rate, cache, device)
        rate = result["index_passages_per_s"]
        results.append(result)
        click.echo("  " + ", ".join(f"{k} {v}" for k, v in result.items()))
    report = {"machine": machine, "source": str(source), "results": results}
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if plot_out:
        plot(results, plot_out)
        click.echo(f"plot written to {plot_out}")


@bench_command.command("load")
@click.option(
    "--users",
    default="1,4,16",
    show_default=True,
    callback=_counts,
    help="Concurrent users per phase, comma-separated.",
)
@click.option("--seconds", type=click.FloatRange(1, 600), default=20.0, show_default=True, help="Length of each phase.")
@click.option(
    "--passages",
    type=click.IntRange(0),
    default=10000,
    show_default=True,
    help="Generated passages added to the seeds.",
)
@click.option(
    "--squad", "squad_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="SQuAD file for the generated text and the questions (default as for `verbatim bench`).",
)  # fmt: skip
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".verbatim-load"),
    show_default=True,
    help="Corpus and index (kept: a second run does not index again).",
)
@click.option(
    "--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the results to this file."
)
@friendly_errors
def load_command(
    users: list[int], seconds: float, passages: int, squad_file: Path | None, workdir: Path, json_out: Path | None
) -> None:
    """Concurrent users asking a loopback server through the JSON API, then the same while it reindexes."""
    from lab.load import run_load

    source = _squad_source(squad_file)
    machine = _machine()
    click.echo(f"machine: {machine['cores']} cores, {machine['cpu']}")
    results = run_load(users, seconds, passages, workdir, source, click.echo)
    for result in results:
        click.echo("  " + ", ".join(f"{k} {v}" for k, v in result.items() if k != "error_examples"))
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps({"machine": machine, "passages": passages, "results": results}, indent=2) + "\n")


@bench_command.command("server")
@click.option("--passages", type=click.IntRange(1000), default=1_000_000, show_default=True, help="Synthetic passages.")
@click.option(
    "--apps", "app_counts", default="1,4", show_default=True, callback=_counts, help="App processes started at once."
)
@click.option(
    "--squad", "squad_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="SQuAD file for the questions (default as for `verbatim bench`).",
)  # fmt: skip
@click.option(
    "--corpus",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=Path(".verbatim-bench/size-100000/corpus/bench.jsonl"),
    show_default=True,
    help="The bench corpus whose cached vectors are copied (run `verbatim bench --sizes 100000` first).",
)
@click.option(
    "--cache-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=Path(".verbatim-bench/embeddings.sqlite"),
    show_default=True,
    help="The bench's embedding cache, where the corpus's vectors are.",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".verbatim-scale"),
    show_default=True,
    help="Where the server's data and the apps' folders go.",
)
@click.option(
    "--replica-minutes",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="How long the app that builds its own replica from the server (the way before the catalog) may run.",
)
@click.option(
    "--reuse",
    is_flag=True,
    help="Keep the server data an earlier run filled in --workdir and measure from there (no fill figures).",
)
@click.option(
    "--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the results to this file."
)
@friendly_errors
def server_command(
    passages: int,
    app_counts: list[int],
    squad_file: Path | None,
    corpus: Path,
    cache_file: Path,
    workdir: Path,
    replica_minutes: float,
    reuse: bool,
    json_out: Path | None,
) -> None:
    """A Chroma server holding synthetic passages (perturbed copies of the bench's), with apps in front."""
    from lab.server_scale import run

    source = _squad_source(squad_file)
    machine = _machine()
    click.echo(f"machine: {machine['cores']} cores, {machine['cpu']}")
    result = run(
        passages, app_counts, workdir.resolve(), source, corpus, cache_file, click.echo, reuse, replica_minutes * 60
    )
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps({"machine": machine, **result}, indent=2) + "\n")
