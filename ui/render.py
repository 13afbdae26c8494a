"""HTML for the chat page. Every piece of article text, question or metadata is escaped here:
an article holding ``<script>`` shows those characters and runs nothing."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from typing import Any

from qa.citations import page_label, quote_marks, quoted

Turn = dict[str, Any]  # {"question", "answer" (JSON form), "passages" {id: [start, text]}, "error"}


def esc(value: object) -> str:
    """Escape text for HTML content and attributes."""
    return html.escape(str(value), quote=True)


def day(value: str | None) -> str:
    """``2023-11-10`` as ``10 Nov 2023``."""
    if not value:
        return ""
    date = dt.date.fromisoformat(value)
    return f"{date.day} {date.strftime('%b')} {date.year}"


def conversation(turns: Sequence[Turn], examples: Sequence[str]) -> str:
    """The whole conversation, or the welcome with example questions."""
    if not turns:
        return _welcome(examples)
    return '<div class="vb-conversation">' + "".join(_turn(t) for t in turns) + "</div>"


def _welcome(examples: Sequence[str]) -> str:
    hint = (
        "<p class='vb-hint'>Try one of the questions below, or ask your own.</p>"
        if examples
        else "<p class='vb-hint'>Ask about the indexed articles.</p>"
    )
    return (
        "<div class='vb-welcome'><h2>Ask the articles</h2>"
        "<p>Every answer is quoted word for word from the articles, with a link to the exact place it "
        "comes from. When the articles don't hold the answer, Verbatim says so.</p>" + hint + "</div>"
    )


def _turn(turn: Turn) -> str:
    question = f"<div class='vb-q'><div class='vb-bubble'>{esc(turn['question'])}</div></div>"
    if turn.get("error"):
        body = f"<div class='vb-a vb-error' role='alert'><p>{esc(turn['error'])}</p></div>"
    elif turn["answer"]["answered"]:
        body = _answer(turn)
    else:
        body = _refusal(turn)
    return f"<div class='vb-turn'>{question}{body}</div>"


def _note(text: str) -> str:
    first = text.split("\n\n", 1)[0]
    return f"<p class='vb-note'>{esc(first)}</p>" if first.startswith(("Searched only", "Preferred articles")) else ""


def _attrs(citation: dict[str, Any]) -> str:
    highlight = citation.get("highlight") or {}
    return (
        f"data-article='{esc(citation['article_id'])}' data-start='{citation['start']}' data-end='{citation['end']}'"
        f" data-hl-start='{highlight.get('start', '')}' data-hl-end='{highlight.get('end', '')}'"
    )


def _quoted(citation: dict[str, Any]) -> str:
    opening, closing = quote_marks(citation["excerpt"])
    return f"{opening}{_excerpt(citation)}{closing}"


def _excerpt(citation: dict[str, Any]) -> str:
    text, start = citation["excerpt"], citation["start"]
    highlight = citation.get("highlight")
    if not highlight:
        return esc(text)
    a, b = highlight["start"] - start, highlight["end"] - start
    return f"{esc(text[:a])}<mark class='vb-short'>{esc(text[a:b])}</mark>{esc(text[b:])}"


def _answer(turn: Turn) -> str:
    answer = turn["answer"]
    quotes = "".join(
        f"<blockquote class='vb-quote'><span>{_quoted(c)}</span> "
        f"<a href='#' class='vb-marker' title='Open the article at this passage' {_attrs(c)}>[{c['n']}]</a>"
        "</blockquote>"
        for c in answer["citations"]
    )
    sources = "".join(_source(c, turn["passages"]) for c in answer["citations"])
    return (
        f"<div class='vb-a vb-answered'>{_note(answer['answer'])}{quotes}"
        f"<div class='vb-sources'><h4>Sources</h4>{sources}</div>{_timeline(answer.get('timeline') or [])}"
        f"<div class='vb-actions'><button class='vb-copy' data-copy='{esc(plain_text(answer))}'>"
        "Copy answer with sources</button>"
        f"{watch_button(turn['question'])}"
        f"{_confidence(answer['confidence'], 'the first excerpt answers')}</div></div>"
    )


def _timeline(reports: Sequence[dict[str, Any]]) -> str:
    """The earlier reports of the same answer, oldest first: a small dated list, each opening its article."""
    if not reports:
        return ""
    items = "".join(
        f"<li><span class='vb-when'>{esc(day(c.get('date')) or 'undated')}</span> "
        f"<a href='#' class='vb-marker vb-earlier' title='Open the article at this passage' {_attrs(c)}>"
        f"{_quoted(c)}</a> <span class='vb-meta'>{esc(c.get('source') or c['title'])} [{c['n']}]</span></li>"
        for c in reports
    )
    return f"<div class='vb-timeline'><h4>Earlier reports</h4><ol>{items}</ol></div>"


def _refusal(turn: Turn) -> str:
    answer = turn["answer"]
    closest = "".join(_source(c, turn["passages"], muted=True) for c in answer.get("closest", []))
    unsure = bool(answer.get("unsure")) and bool(closest)
    heading = (
        "Closest passages (they may answer it: check them)" if unsure else "Closest passages (they do not answer it)"
    )
    block = f"<div class='vb-closest'><h4>{heading}</h4>{closest}</div>" if closest else ""
    verdict = (
        "<strong>Not sure the indexed articles answer this.</strong> The closest passages below may: "
        "read them before you rely on one, or ask in other words."
        if unsure
        else "<strong>The indexed articles don't answer this.</strong> Try other words, or widen the date and "
        "source filters."
    )
    confidence = _confidence(answer["confidence"], "the first passage answers") if unsure else ""
    return (
        f"<div class='vb-a vb-refused'>{_note(answer['answer'])}<p class='vb-refusal'>{verdict}</p>"
        + block
        + f"<div class='vb-actions'>{watch_button(turn['question'])}{confidence}</div></div>"
    )


def _confidence(value: float, what: str) -> str:
    return f"<span class='vb-confidence' title='How sure Verbatim is that {what}'>confidence {value:.0%}</span>"


def watch_button(question: str) -> str:
    """Under an answer (or a refusal): watch the question, asked again after every changing reindex."""
    return (
        f"<button type='button' class='vb-watch' data-watch='{esc(question)}' "
        "title='Ask it again after every reindex that changes the articles, and say when the answer changes'>"
        "Watch this question</button>"
    )


def _source(citation: dict[str, Any], passages: dict[str, Any], muted: bool = False) -> str:
    meta = " · ".join(x for x in (day(citation.get("date")), citation.get("source") or "") if x) or "undated"
    meta += page_label(citation.get("page"), " · ")
    stored = passages.get(citation["passage_id"])
    if stored:
        base, text = stored
        a, b = citation["start"] - base, citation["end"] - base
        body = f"{esc(text[:a])}<mark class='vb-cited'>{_excerpt(citation)}</mark>{esc(text[b:])}"
    else:
        body = f"<mark class='vb-cited'>{_excerpt(citation)}</mark>"
    kind = "vb-source vb-muted" if muted else "vb-source"
    return (
        f"<button type='button' class='{kind}' {_attrs(citation)} title='Open the full article'>"
        f"<span class='vb-n'>{citation['n']}</span><span class='vb-source-body'>"
        f"<span class='vb-title'>{esc(citation['title'])}</span>"
        f"<span class='vb-meta'>{esc(meta)}</span>{_also(citation)}"
        f"<span class='vb-passage'>{body}</span></span></button>"
    )


def _also(citation: dict[str, Any]) -> str:
    """ "also published by ..." for a syndicated text: each copy's source (or title) and date."""
    copies = citation.get("also_in") or []
    if not copies:
        return ""
    names = ", ".join(
        " ".join(
            x
            for x in (esc(c.get("source") or c["title"]), f"({esc(day(c.get('date')))})" if c.get("date") else "")
            if x
        )
        for c in copies
    )
    return f"<span class='vb-also'>also published by {names}</span>"


def plain_text(answer: dict[str, Any]) -> str:
    """The answer and its sources as text to paste elsewhere."""
    lines = [answer["answer"], "", "Sources:"]
    for c in answer["citations"]:
        meta = ", ".join(x for x in (c.get("date"), c.get("source"), c.get("url")) if x)
        lines.append(
            f"[{c['n']}] {c['title']}"
            + (f" ({meta})" if meta else "")
            + f" — {c['article_id']}{page_label(c.get('page'), ', ')}, characters {c['start']}–{c['end']}"
        )
    if answer.get("timeline"):
        lines += ["", "Earlier reports:"]
        lines += [f"[{c['n']}] {c['date']}: {quoted(c['excerpt'])} ({c['title']})" for c in answer["timeline"]]
    return "\n".join(lines)


def article_list(rows: Sequence[dict[str, Any]], total: int) -> str:
    """The searchable list of indexed articles."""
    if not rows:
        return (
            "<p class='vb-empty'>No article matches.</p>"
            if total
            else "<p class='vb-empty'>Nothing is indexed yet.</p>"
        )
    items = "".join(
        f"<li><button type='button' class='vb-article-row' data-article='{esc(r['id'])}'>"
        f"<span class='vb-title'>{esc(r['title'])}</span>"
        f"<span class='vb-meta'>{esc(' · '.join(x for x in (day(r['date']), r['source'] or '', r['id']) if x))}</span>"
        f"{_snippet(r.get('snippet'))}{_copies(r.get('copies') or [])}</button></li>"
        for r in rows
    )
    return f"<p class='vb-count'>{len(rows)} of {total} articles</p><ul class='vb-articles'>{items}</ul>"


def _copies(copies: Sequence[str]) -> str:
    """A syndicated text's other copies, by id: the group the answers cite once."""
    if not copies:
        return ""
    return f"<span class='vb-also'>same text as {esc(', '.join(copies))}</span>"


def _snippet(snippet: dict[str, Any] | None) -> str:
    """Where the text matched a search, its words marked."""
    if not snippet:
        return ""
    text, parts, at = snippet["text"], [], 0
    for start, end in snippet["marks"]:
        parts.append(f"{esc(text[at:start])}<mark>{esc(text[start:end])}</mark>")
        at = end
    return f"<span class='vb-snippet'>{''.join(parts)}{esc(text[at:])}</span>"


def _job_progress(job: dict[str, Any]) -> str:
    """Where a reindex is: the files read (in MB), then the passages written."""
    if job["phase"] == "reading":
        if not job["total"]:
            return "reading the files"
        return f"reading the files, {job['done'] / 2**20:.1f} of {job['total'] / 2**20:.1f} MB"
    return f"{job['phase']} {job['done']} of {job['total']} passages"


def status_panel(status: dict[str, Any]) -> str:
    """The index panel: what is indexed, with what, and the last reindex."""
    job = status["reindex"]
    state = f"<p class='vb-running'>Reindexing: {esc(_job_progress(job))}…</p>" if job["running"] else ""
    if job.get("error"):
        state += (
            f"<p class='vb-error'>The last reindex failed: {esc(job['error'])}. "
            "The previous index is still serving.</p>"
        )
    rows = [
        ("Articles", status["articles"]),
        ("Passages", status["passages"]),
        ("Model", status["model"] or "none yet"),
        ("Reader", status.get("reader", "")),
        ("Corpus folder", status["corpus"]),
        ("Index", status["index"]),
    ]
    table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f"<div class='vb-status'>{state}<table>{table}</table>{report(status.get('last_reindex'))}</div>"


def report(value: dict[str, Any] | None) -> str:
    """A reindex report, briefly."""
    if not value:
        return ""
    counts = ", ".join(f"{len(value[k])} {k}" for k in ("added", "updated", "unchanged", "removed"))
    problems = "".join(
        f"<li class='vb-{esc(p['level'])}'>{esc(p['path'])}{':' + esc(p['line']) if p.get('line') else ''}: "
        f"{esc(p['message'])}</li>"
        for p in value.get("problems", [])
    )
    return (
        f"<div class='vb-report'><h4>Last reindex</h4><p>{esc(counts)}; "
        f"{value['passages_embedded']} passages embedded, "
        f"{value['passages_reused']} reused; {value['seconds']:.2f} s.</p>"
        + (f"<ul class='vb-problems'>{problems}</ul>" if problems else "")
        + "</div>"
    )


def header(status: dict[str, Any]) -> str:
    """The title bar with the index's size."""
    running = " · reindexing…" if status["reindex"]["running"] else ""
    pill = f"{status['articles']} articles · {status['passages']} passages{running}"
    warning = (
        f"<p class='vb-error vb-reader-warning'>{esc(status['reader'])}</p>"
        if status.get("reader") and not status.get("reader_ready", True)
        else ""
    )
    return (
        "<header class='vb-header'><div class='vb-brand'><span class='vb-logo'>❝</span>"
        "<div><h1>Verbatim</h1><p>Answers quoted word for word from your articles</p></div></div>"
        f"<span class='vb-pill'>{esc(pill)}</span></header>{warning}"
    )


def feeds_table(feeds: Sequence[dict[str, Any]]) -> str:
    """The subscriptions and their state; every fetched value is shown as text."""
    if not feeds:
        return "<p class='vb-empty'>No feed subscriptions yet.</p>"
    rows = "".join(
        f"<tr><td><span class='vb-title'>{esc(f['title'] or f['url'])}</span><br><code>{esc(f['url'])}</code></td>"
        f"<td>{esc((f['last_fetch'] or 'never').replace('T', ' ')[:16])}</td><td>{f['articles']}</td>"
        f"<td class='vb-feed-state'>{esc(f['error']) if f['error'] else 'ok'}</td></tr>"
        for f in feeds
    )
    return (
        "<div class='vb-status vb-feeds'><h4>Subscriptions</h4><table><tr><th>Feed</th><th>Last fetch (UTC)</th>"
        f"<th>Articles</th><th>State</th></tr>{rows}</table></div>"
    )


def fetch_message(outcome: dict[str, Any]) -> str:
    """What adding or polling URLs did, in a sentence or two (plain text)."""
    pages = [f for f in outcome["fetched"] if f["kind"] == "page"]
    feeds = [f for f in outcome["fetched"] if f["kind"] == "feed"]
    parts = [f"Fetched {len(feeds)} feed(s) and {len(pages)} page(s); {len(outcome['not_modified'])} not modified"]
    parts += [f"Failed: {f['url']}: {f['reason']}" for f in outcome["failed"]]
    counts = ", ".join(f"{len(outcome[k])} {k}" for k in ("added", "updated", "removed") if outcome[k])
    parts.append(f"Reindexed: {counts or 'no changes'} ({outcome['seconds']:.1f} s)")
    return ". ".join(parts) + "."
