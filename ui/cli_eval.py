"""``verbatim eval squad`` and ``verbatim eval fit``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import click

from index.device import resolve_device
from qa.answering import AnswerSettings
from qa.models import load_models
from qa.reader import Reader
from ui.cli_ask import threshold_option
from ui.cli_index import ProgressBar
from ui.options import device_option, friendly_errors


def _progress(description: str) -> Callable[[int, int], Callable[[int], None]]:
    def start(total: int, _: int) -> Callable[[int], None]:
        from tqdm import tqdm

        bar = tqdm(total=total, desc=description, unit="q", mininterval=1.0)

        def tick(n: int) -> None:
            bar.update(n)
            if bar.n >= total:
                bar.close()

        return tick

    return start


@click.group("eval")
def eval_group() -> None:
    """Measure answer quality on SQuAD files."""


@eval_group.command("squad")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--limit", type=click.IntRange(1), help="Ask a seeded random sample of this many questions.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sample.")
@click.option(
    "--index-dir", "eval_index_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Index to build or reuse (default .verbatim-eval/<file name>, or .verbatim-eval/foreign-<name>).",
)  # fmt: skip
@click.option(
    "--against", type=click.Path(exists=True, path_type=Path),
    help="Foreign-corpus mode: ask the questions of this corpus (e.g. seeds/) and report the refusal rate.",
)  # fmt: skip
@click.option(
    "--weights", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Model weights (default: shipped)."
)
@click.option(
    "--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the measures to this file."
)
@click.option(
    "--reader/--no-reader", "use_reader", default=True, show_default=True,
    help="Read with the trained reader (--no-reader: the rankers alone, for comparison).",
)  # fmt: skip
@click.option(
    "--reader-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Read with the reader in this folder (reader.safetensors, reader.json) instead of the shipped one.",
)  # fmt: skip
@click.option(
    "--relative-dates", type=click.Choice(["filter", "boost"]), default="boost", show_default=True,
    help="What “this week”, “recently” in a question do (counted from the question's asked_on): "
    "search only that window, or rank it first.",
)  # fmt: skip
@click.option(
    "--articles", type=click.Choice(["all", "held-out", "train"]), default="all", show_default=True,
    help="Ask the questions of all articles, or of one half of `eval fit`'s article split (seed 13).",
)  # fmt: skip
@click.option(
    "--asked-since", type=click.DateTime(["%Y-%m-%d"]),
    help="Only questions asked on or after this day (their asked_on): the later part of a news set.",
)  # fmt: skip
@click.option("--asked-until", type=click.DateTime(["%Y-%m-%d"]), help="Only questions asked on or before this day.")
@click.option(
    "--cache/--no-cache", default=True, show_default=True,
    help="Read passage vectors encoded by an earlier run from .verbatim-eval/embeddings.sqlite (same model and text).",
)  # fmt: skip
@click.option(
    "--swap-names", is_flag=True,
    help="Ask each question with one name or year swapped for one the file never mentions (none can be "
    "answered; questions with nothing to swap are left out): measures refusing what the articles never mention.",
)  # fmt: skip
@threshold_option
@device_option
@friendly_errors
def squad_command(
    file: Path,
    limit: int | None,
    seed: int,
    eval_index_dir: Path | None,
    against: Path | None,
    weights: Path | None,
    json_out: Path | None,
    use_reader: bool,
    reader_dir: Path | None,
    relative_dates: Literal["filter", "boost"],
    articles: str,
    asked_since: dt.datetime | None,
    asked_until: dt.datetime | None,
    cache: bool,
    swap_names: bool,
    threshold: float | None,
    device: str,
) -> None:
    """Index a SQuAD FILE with Verbatim's pipeline and ask its questions through `ask`."""
    from lab.evaluate import cached_embedder, evaluate

    name = f"foreign-{against.resolve().name}" if against else file.stem
    index_dir = eval_index_dir or Path(".verbatim-eval") / name
    bar = ProgressBar(enabled=True)  # the same bar as `verbatim index`: indexing a news set takes minutes
    embedder = cached_embedder(device) if cache else None
    asked = (asked_since.date() if asked_since else None, asked_until.date() if asked_until else None)
    try:
        summary, _ = evaluate(
            file, index_dir, limit, seed, against, load_models(weights),
            AnswerSettings(threshold=threshold, relative_dates=relative_dates),
            progress=_progress("asking"), reader=Reader(reader_dir, enabled=use_reader, device=device),
            articles=articles, indexing=bar, embedder=embedder, asked=asked, swap_names=swap_names, device=device,
        )  # fmt: skip
    finally:
        bar.close()
        if embedder is not None:
            embedder.close()
    summary = {
        "file": str(file), "against": str(against) if against else None, "seed": seed,
        "reader": str(reader_dir or "shipped") if use_reader else False, "articles": articles,
        "relative_dates": relative_dates, "swap_names": swap_names,
        "asked_since": asked[0].isoformat() if asked[0] else None,
        "asked_until": asked[1].isoformat() if asked[1] else None, "device": resolve_device(device), **summary,
    }  # fmt: skip
    print_table(summary)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def parse_news(items: Sequence[str]) -> list[Any]:
    """``--news FILE:YYYY-MM-DD`` values as ``lab.fit.News``, or a clear usage error."""
    from lab.fit import News

    parsed = []
    for item in items:
        path, _, day = item.rpartition(":")
        try:
            until = dt.date.fromisoformat(day)
        except ValueError:
            raise click.BadParameter(f"{item!r}: give FILE:YYYY-MM-DD", param_hint="--news") from None
        if not Path(path).is_file():
            raise click.BadParameter(f"{path!r} is not a file", param_hint="--news")
        parsed.append(News(Path(path), until))
    return parsed


def print_table(summary: dict[str, Any]) -> None:
    """The measures as an aligned two-column table."""
    for key, value in summary.items():
        if isinstance(value, list) and value and isinstance(value[0], list):
            value = "  ".join(f"{m:.2f}:{r:.2f}({n})" for m, r, n in value)  # reliability bins
        elif isinstance(value, dict):
            value = "  ".join(f"{k} {v:.1f}" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:.3f}"
        click.echo(f"{key:<30} {value}")


@eval_group.command("fit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--squad2",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A SQuAD 2.0 file: its unanswerable questions teach refusal.",
)
@click.option(
    "--foreign",
    type=click.Path(exists=True, path_type=Path),
    default=Path("seeds"),
    show_default=True,
    help="A corpus the SQuAD questions are foreign to.",
)
@click.option("--seed", type=int, default=13, show_default=True, help="Seed of the half/half article split.")
@click.option(
    "--answer-rate",
    type=click.FloatRange(0.5, 1.0),
    default=0.92,
    show_default=True,
    help="Share of answerable training questions the threshold keeps answered.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("qa/weights.json"),
    show_default=True,
    help="Where to write the weights.",
)
@click.option(
    "--articles", type=click.IntRange(2),
    help="Use a seeded sample of this many of FILE's articles (SQuAD train has 442), split in half as usual.",
)  # fmt: skip
@click.option(
    "--news", "news", multiple=True, metavar="FILE:YYYY-MM-DD",
    help="A news file whose questions asked up to the day join the fit (repeatable); later ones stay held out.",
)  # fmt: skip
@click.option(
    "--news-weight", type=click.FloatRange(0.0, min_open=True), default=1.0, show_default=True,
    help="How much all news questions together count, against the SQuAD questions.",
)  # fmt: skip
@device_option
@friendly_errors
def fit_command(
    file: Path,
    squad2: Path | None,
    foreign: Path,
    seed: int,
    answer_rate: float,
    out: Path,
    articles: int | None,
    news: tuple[str, ...],
    news_weight: float,
    device: str,
) -> None:
    """Fit the ranking and confidence weights on half of FILE's articles; report on the other half."""
    from lab.fit import fit

    parsed = parse_news(news)
    report = fit(
        file, squad2, foreign, seed, answer_rate, out, progress=_progress, articles=articles, news=parsed,
        news_weight=news_weight, device=device,
    )  # fmt: skip
    print_table({**report, "device": resolve_device(device)})
