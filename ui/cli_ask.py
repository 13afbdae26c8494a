"""``verbatim ask`` and ``verbatim show``."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any
from urllib.parse import quote

import click

from index.config import IndexConfig
from index.errors import UnknownArticleError
from index.filters import Filters
from index.live import LiveIndex
from qa.answering import Answerer, AnswerSettings
from qa.citations import page_label, quote_marks, quoted
from qa.query import QuestionError
from ui.article_view import article_json
from ui.options import device_option, dump_json, friendly_errors, make_config, read_token_option, store_options
from ui.remote import call, serving


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
@device_option
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
@click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]),
    help="The day the question is asked: “this week”, “recently” count back from it (YYYY-MM-DD). "
    "Default: today, or the newest article's date if that is older.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@read_token_option
@threshold_option
@friendly_errors
def ask_command(
    question: str,
    top_k: int,
    since: dt.datetime | None,
    until: dt.datetime | None,
    sources: tuple[str, ...],
    as_of: dt.datetime | None,
    as_json: bool,
    threshold: float | None,
    **params: Any,
) -> None:
    """Answer QUESTION with verbatim, cited excerpts from the indexed articles."""
    config = make_config(params)
    server = serving(config.index_dir) if not config.chroma_url else None
    if server is not None:
        payload = {
            "question": question, "top_k": top_k, "source": list(sources) or None,
            "since": since.date().isoformat() if since else None, "until": until.date().isoformat() if until else None,
            "as_of": as_of.date().isoformat() if as_of else None,
        }  # fmt: skip
        answer = call(server, "POST", "/api/ask", params["read_token"], json=payload)
    else:
        answer = _ask_locally(config, question, top_k, since, until, sources, threshold, as_of)
    if as_json:
        dump_json(answer)
    else:
        print_answer(answer)


def _ask_locally(
    config: IndexConfig,
    question: str,
    top_k: int,
    since: dt.datetime | None,
    until: dt.datetime | None,
    sources: tuple[str, ...],
    threshold: float | None,
    as_of: dt.datetime | None = None,
) -> dict[str, Any]:
    live = LiveIndex(config)
    try:
        with live.writer_lock.reading(on_wait=lambda _: click.echo("waiting for a reindex to finish ...", err=True)):
            answerer = Answerer(live, AnswerSettings(threshold=threshold, top_k=top_k))
            filters = Filters(since.date() if since else None, until.date() if until else None, sources)
            try:
                answer = answerer.ask(
                    question, filters=filters, top_k=top_k, as_of=as_of.date() if as_of else None
                ).as_json()
                if not answerer.reader.available():
                    click.echo(f"note: {answerer.reader.status()}", err=True)
                return answer
            except QuestionError as exc:
                click.echo(f"error: {exc}", err=True)
                sys.exit(2)
    finally:
        live.close()


def print_answer(answer: dict[str, Any]) -> None:
    """An answer (JSON form) for a terminal: quotes, sources, confidence."""
    citations = answer["citations"] if answer["answered"] else answer.get("closest", [])
    if answer["answered"]:
        note = answer["answer"].split("\n\n“", 1)[0] if not answer["answer"].startswith("“") else ""
        parts = [note] if note else []
        parts += [f"{_quoted(c)} [{c['n']}]" for c in citations]
        click.echo("\n\n".join(parts))
    else:
        click.echo(answer["answer"].split("\n\nClosest matches")[0])
    if citations:
        click.echo()
        heading = (
            "Sources"
            if answer["answered"]
            else "Closest matches (they may answer it: check them)"
            if answer.get("unsure")
            else "Closest matches (not an answer)"
        )
        click.echo(click.style(heading, bold=True))
        for citation in citations:
            meta = ", ".join(x for x in (citation["date"], citation["source"]) if x)
            click.echo(f"[{citation['n']}] {citation['title']}" + (f" ({meta})" if meta else ""))
            page = page_label(citation.get("page"), ", ")
            click.echo(f"    {citation['article_id']}{page}, characters {citation['start']}-{citation['end']}")
            if citation.get("also_in"):
                names = ", ".join(
                    f"{c['source'] or c['title']} ({c['date'] or 'undated'})" for c in citation["also_in"]
                )
                click.echo(f"    also published by {names}")
            if not answer["answered"]:
                click.echo(f"    {quoted(citation['excerpt'])}")
    if answer.get("timeline"):
        click.echo()
        click.echo(click.style("Earlier reports (oldest first)", bold=True))
        for report in answer["timeline"]:
            where = ", ".join(x for x in (report["title"], report["source"]) if x)
            click.echo(f"[{report['n']}] {report['date']}  {quoted(report['excerpt'])}")
            click.echo(f"    {where}; {report['article_id']}, characters {report['start']}-{report['end']}")
    click.echo()
    click.echo(f"confidence {answer['confidence']:.2f}")


def _quoted(citation: dict[str, Any]) -> str:
    opening, closing = quote_marks(citation["excerpt"])
    return f"{opening}{_emphasised(citation)}{closing}"


def _emphasised(citation: dict[str, Any]) -> str:
    text = citation["excerpt"]
    highlight = citation.get("highlight")
    if not highlight:
        return str(text)
    start, end = highlight["start"] - citation["start"], highlight["end"] - citation["start"]
    return str(text[:start] + click.style(text[start:end], bold=True, underline=True) + text[end:])


@click.command("show")
@click.argument("article_id")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the article as one JSON object.")
@click.option("--changes", is_flag=True, help="Print only what its last update added or changed, and when.")
@read_token_option
@friendly_errors
def show_command(article_id: str, as_json: bool, changes: bool, **params: Any) -> None:
    """Print an article's metadata and full text: the text that citation offsets refer to."""
    config = make_config(params)
    server = serving(config.index_dir) if not config.chroma_url else None
    if server is not None:
        value = call(
            server, "GET", f"/api/articles/{quote(article_id, safe='/')}", params["read_token"]
        )  # FILE#ID: '#' is not a fragment
    else:
        value = _show_locally(config, article_id)
    if as_json:
        dump_json(value["changes"] if changes else value)
        return
    if changes:
        _print_changes(value)
        return
    click.echo(click.style(value["title"], bold=True))
    for key in ("date", "source", "url", "path"):
        if value.get(key):
            click.echo(f"{key}: {value[key]}")
    if value.get("pages"):
        click.echo(f"pages: {len(value['pages'])}, starting at characters {', '.join(map(str, value['pages']))}")
    click.echo()
    click.echo(value["text"])


def _print_changes(value: dict[str, Any]) -> None:
    found = value.get("changes")
    if not found:
        click.echo(f"{value['id']} has not changed since it was first indexed.")
        return
    count = len(found["sentences"])
    click.echo(f"{value['id']} was updated {found['at']}: {count} sentence{'s' * (count != 1)} added or changed.")
    for sentence in found["sentences"]:
        click.echo(f"  [{sentence['start']}-{sentence['end']}] {quoted(sentence['text'])}")


def _show_locally(config: IndexConfig, article_id: str) -> dict[str, Any]:
    live = LiveIndex(config)
    try:
        with live.writer_lock.reading(), live.reading() as snapshot:
            record = snapshot.article(article_id)
    finally:
        live.close()
    if record is None:
        raise UnknownArticleError(f"no article {article_id!r} is indexed; `verbatim status` shows how many there are")
    return article_json(record)
