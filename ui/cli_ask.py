"""``verbatim ask`` and ``verbatim show``."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import click

from index.errors import UnknownArticleError
from index.filters import Filters
from index.live import LiveIndex
from qa.answering import Answer, Answerer, AnswerSettings, Citation
from qa.query import QuestionError
from ui.options import dump_json, friendly_errors, make_config, store_options


def threshold_option(command: Any) -> Any:
    """``--threshold``, shared by the commands that answer."""
    return click.option(
        "--threshold", type=click.FloatRange(0.0, 1.0), default=None, envvar="VERBATIM_THRESHOLD", show_envvar=True,
        help="Least confidence (0-1) at which Verbatim answers rather than says the articles don't answer. "
        "Default: the threshold fitted with the shipped weights.",
    )(command)  # fmt: skip


@click.command("ask")
@click.argument("question")
@store_options
@click.option(
    "--top-k", type=click.IntRange(1, 50), default=5, show_default=True, help="Top passages an answer may quote from."
)
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="Only articles dated on or after this day (YYYY-MM-DD)."
)
@click.option(
    "--until", type=click.DateTime(["%Y-%m-%d"]), help="Only articles dated on or before this day (YYYY-MM-DD)."
)
@click.option("--source", "sources", multiple=True, help="Only articles from this source (repeat for several).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@threshold_option
@friendly_errors
def ask_command(
    question: str,
    top_k: int,
    since: dt.datetime | None,
    until: dt.datetime | None,
    sources: tuple[str, ...],
    as_json: bool,
    threshold: float | None,
    **params: Any,
) -> None:
    """Answer QUESTION with verbatim, cited excerpts from the indexed articles."""
    live = LiveIndex(make_config(params))
    try:
        answerer = Answerer(live, AnswerSettings(threshold=threshold, top_k=top_k))
        filters = Filters(since.date() if since else None, until.date() if until else None, sources)
        try:
            answer = answerer.ask(question, filters=filters, top_k=top_k)
        except QuestionError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    finally:
        live.close()
    if as_json:
        dump_json(answer.as_json())
    else:
        _print_answer(answer)


def _print_answer(answer: Answer) -> None:
    lead = answer.text.split("\n\nClosest matches")[0] if not answer.answered else _answer_lines(answer)
    click.echo(lead)
    if answer.citations:
        click.echo()
        click.echo(click.style("Sources" if answer.answered else "Closest matches (not an answer)", bold=True))
        for citation in answer.citations:
            click.echo(_source_line(citation))
    click.echo()
    click.echo(f"confidence {answer.confidence:.2f}")


def _answer_lines(answer: Answer) -> str:
    note = answer.text.split("\n\n“", 1)[0] if not answer.text.startswith("“") else ""
    parts = [note] if note else []
    for citation in answer.citations:
        parts.append(f"“{_emphasised(citation)}” [{citation.n}]")
    return "\n\n".join(parts)


def _emphasised(citation: Citation) -> str:
    if citation.highlight is None:
        return citation.excerpt
    start, end = (h - citation.start for h in citation.highlight)
    text = citation.excerpt
    return text[:start] + click.style(text[start:end], bold=True, underline=True) + text[end:]


def _source_line(citation: Citation) -> str:
    meta = ", ".join(x for x in (citation.date.isoformat() if citation.date else None, citation.source) if x)
    place = f"{citation.article_id}, characters {citation.start}-{citation.end}"
    return f"[{citation.n}] {citation.title}" + (f" ({meta})" if meta else "") + f"\n    {place}"


@click.command("show")
@click.argument("article_id")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the article as one JSON object.")
@friendly_errors
def show_command(article_id: str, as_json: bool, **params: Any) -> None:
    """Print an article's metadata and full text: the text that citation offsets refer to."""
    live = LiveIndex(make_config(params))
    try:
        with live.reading() as snapshot:
            record = snapshot.article(article_id)
    finally:
        live.close()
    if record is None:
        raise UnknownArticleError(f"no article {article_id!r} is indexed; `verbatim status` shows how many there are")
    article = record.article
    value = {
        "id": article.id,
        "title": article.title,
        "date": article.date.isoformat() if article.date else None,
        "source": article.source,
        "url": article.url,
        "path": article.path,
        "passages": record.n_passages,
        "text": article.text,
    }
    if as_json:
        dump_json(value)
        return
    click.echo(click.style(article.title, bold=True))
    for key in ("date", "source", "url", "path"):
        if value[key]:
            click.echo(f"{key}: {value[key]}")
    click.echo()
    click.echo(article.text)
