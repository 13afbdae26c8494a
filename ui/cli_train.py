"""``verbatim train reader``: reproduce the shipped reader from SQuAD, on a GPU or the CPU."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from ui.cli_eval import _progress, parse_news, print_table
from ui.options import device_option, friendly_errors

_DATA = Path("../shared/data")
DEFAULT_EXAMPLES = 38000


news_option = click.option(
    "--news",
    "news",
    multiple=True,
    metavar="FILE:YYYY-MM-DD",
    help="A news file whose questions asked up to the day join the confidence's fit (repeatable).",
)
news_weight_option = click.option(
    "--news-question-weight",
    "news_weight",
    type=click.FloatRange(0.0),
    default=1.0,
    show_default=True,
    help="How much each --news question counts in the confidence's fit against a SQuAD one.",
)


@click.group("train")
def train_group() -> None:
    """Train the models Verbatim ships."""


@train_group.command("reader")
@click.option(
    "--squad", "squad_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=_DATA / "squad-train-v1.1.json", show_default=True,
    help="SQuAD v1.1 training file (all but 48 calibration articles train).",
)  # fmt: skip
@click.option(
    "--squad2", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=_DATA / "squad2-dev-cs224n-half.json", show_default=True,
    help="SQuAD 2.0 file: the unanswerable questions of its training half teach the no-answer option.",
)  # fmt: skip
@click.option(
    "--examples", type=click.IntRange(1), default=DEFAULT_EXAMPLES, show_default=True,
    help="SQuAD train questions to make examples of (seeded sample; the SQuAD 2.0 training half comes whole).",
)  # fmt: skip
@click.option("--split-seed", type=int, default=13, show_default=True, help="Seed of the article splits.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the examples and of training.")
@click.option("--epochs", type=click.FloatRange(0.01), default=1.0, show_default=True, help="Passes over the examples.")
@click.option("--learning-rate", type=float, default=1e-4, show_default=True)
@click.option("--batch-size", type=click.IntRange(1), default=16, show_default=True)
@click.option(
    "--answer-rate", type=click.FloatRange(0.5, 1.0), default=0.9, show_default=True,
    help="Share of the calibration articles' answerable questions the threshold keeps answered.",
)  # fmt: skip
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("qa/reader"), show_default=True,
    help="Folder to write reader.safetensors and reader.json into.",
)  # fmt: skip
@click.option(
    "--checkpoint", type=click.Path(file_okay=False, path_type=Path), default=Path(".verbatim-train/reader"),
    show_default=True, help="Where the training state is saved every 100 steps.",
)  # fmt: skip
@click.option("--resume", is_flag=True, help="Continue an interrupted run from its last checkpoint.")
@click.option(
    "--init", type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Start from this trained reader's folder instead of the base model (a further stage).",
)  # fmt: skip
@click.option(
    "--after", type=click.IntRange(0), multiple=True,
    help="Leave out the questions an earlier stage's seeded sample of this many picked (with --after-seed); "
    "repeat it, in order, for each earlier stage.",
)  # fmt: skip
@click.option("--after-seed", type=int, multiple=True, help="The earlier stage's --seed (one per --after).")
@click.option(
    "--swapped", type=click.FloatRange(0.0, 0.5), default=0.0, show_default=True,
    help="Share of answerable questions made unanswerable by swapping a name or year for one their article "
    "never mentions.",
)  # fmt: skip
@click.option(
    "--edited", type=click.FloatRange(0.0, 0.5), default=0.0, show_default=True,
    help="Share of answerable questions rewritten to be unanswerable, as SQuAD 2.0's writers did: a word "
    "turned into its opposite, a negation, or a noun swapped for one the article never mentions.",
)  # fmt: skip
@click.option(
    "--missing", type=click.FloatRange(0.0, 0.5), default=0.2, show_default=True,
    help="Share of answerable questions made unanswerable by taking every answer-holding sentence out.",
)  # fmt: skip
@click.option(
    "--windows", type=click.IntRange(1, 4), default=1, show_default=True,
    help="Contexts each question is read as, in training and from then on at answer time; above 1, the "
    "scores are normalised over all of them together (shared normalisation), so they compare across contexts.",
)  # fmt: skip
@click.option(
    "--bf16", is_flag=True,
    help="Compute in bfloat16 where it is safe (autocast; weights and optimiser stay fp32): 1.3-1.7x faster "
    "on CPUs with AVX-512 BF16; it applies on a GPU too.",
)  # fmt: skip
@click.option(
    "--calibrate/--no-calibrate", default=True, show_default=True,
    help="End with `train calibrate` on the calibration articles; --no-calibrate writes only the weights (an "
    "intermediate stage that a later --init continues).",
)  # fmt: skip
@news_option
@news_weight_option
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@device_option
@friendly_errors
def reader_command(
    squad_file: Path,
    squad2: Path,
    examples: int,
    split_seed: int,
    seed: int,
    epochs: float,
    learning_rate: float,
    batch_size: int,
    answer_rate: float,
    out: Path,
    checkpoint: Path,
    resume: bool,
    init: Path | None,
    after: tuple[int, ...],
    after_seed: tuple[int, ...],
    swapped: float,
    edited: float,
    missing: float,
    windows: int,
    bf16: bool,
    calibrate: bool,
    news: tuple[str, ...],
    news_weight: float,
    json_out: Path | None,
    device: str,
) -> None:
    """Fine-tune the packaged MiniLM as the extractive reader (on the GPU when torch finds one, with --device auto)."""
    from lab.train import train_reader
    from qa.reader_examples import Mix
    from qa.reader_training import TrainSettings

    if len(after) != len(after_seed):
        raise click.UsageError("give one --after-seed for each --after (the seed of that earlier stage)")
    settings = TrainSettings(
        epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, seed=seed, windows=windows, bf16=bf16
    )
    report = train_reader(
        squad_file, squad2, out, examples, split_seed, answer_rate, settings, progress=_progress,
        log=lambda line: click.echo(f"{time.strftime('%H:%M:%S')} {line}", err=True), resume=resume,
        checkpoint=checkpoint, news=parse_news(news), init=init, after=list(zip(after, after_seed, strict=True)),
        mix=Mix(missing=missing, swapped=swapped, edited=edited, candidates=12 * windows), news_weight=news_weight,
        device=device, calibrate=calibrate,
    )  # fmt: skip
    print_table(report)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


@train_group.command("calibrate")
@click.option(
    "--squad", "squad_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=_DATA / "squad-train-v1.1.json", show_default=True, help="SQuAD v1.1 training file.",
)  # fmt: skip
@click.option(
    "--squad2", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=_DATA / "squad2-dev-cs224n-half.json", show_default=True, help="SQuAD 2.0 file.",
)  # fmt: skip
@click.option("--split-seed", type=int, default=13, show_default=True, help="Seed of the article splits.")
@click.option(
    "--answer-rate", type=click.FloatRange(0.5, 1.0), default=0.9, show_default=True,
    help="Share of the calibration articles' answerable questions the threshold keeps answered.",
)  # fmt: skip
@click.option(
    "--limit", type=click.IntRange(100), default=2000, show_default=True,
    help="SQuAD train calibration questions to ask (seeded sample).",
)  # fmt: skip
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("qa/reader"), show_default=True,
    help="The reader folder whose reader.json gets the combination, confidence and threshold.",
)  # fmt: skip
@click.option(
    "--passes", type=click.IntRange(1, 4),
    help="Contexts the reader reads per question from now on (each packs the best candidates the ones before "
    "had no room for); default: keep the folder's setting.",
)  # fmt: skip
@click.option(
    "--max-length", type=click.IntRange(64, 512),
    help="Tokens in one reading (question, context and 3 markers) from now on; default: keep the folder's setting.",
)  # fmt: skip
@click.option(
    "--candidates", type=click.IntRange(1, 64),
    help="The rankers' best sentences one reading may pack from now on; default: keep the folder's setting.",
)  # fmt: skip
@click.option(
    "--confidence-model", type=click.Choice(["logistic", "trees"]), default="logistic", show_default=True,
    help="The confidence's form: a logistic regression, or gradient-boosted trees (scikit-learn fits them; "
    "they are stored as JSON and evaluated without it).",
)  # fmt: skip
@news_option
@news_weight_option
@device_option
@friendly_errors
def calibrate_command(
    squad_file: Path,
    squad2: Path,
    split_seed: int,
    answer_rate: float,
    limit: int,
    out: Path,
    passes: int | None,
    max_length: int | None,
    candidates: int | None,
    confidence_model: str,
    news: tuple[str, ...],
    news_weight: float,
    device: str,
) -> None:
    """Refit only the reader's last step (sentence choice, confidence, threshold) for the weights in --out."""
    from lab.reader_calibration import calibrate_reader

    report = calibrate_reader(
        squad_file, squad2, out, split_seed, answer_rate, progress=_progress, limit=limit, news=parse_news(news),
        passes=passes, news_weight=news_weight, max_length=max_length, candidates=candidates,
        model=confidence_model, device=device,
    )  # fmt: skip
    print_table(report)
