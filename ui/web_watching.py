"""The page's Watching tab: each standing question with its current answer and its changes."""

from __future__ import annotations

from typing import Any

from qa.watches import Change, Heard, Watch
from ui.render import day, esc
from ui.service import Service


def watching_html(service: Service) -> str:
    """Every watch: its question, the answer it heard last (cited), and its changes, unread first."""
    watches = service.watches.store.watches()
    if not watches:
        return (
            "<div class='vb-watches'><p class='vb-hint'>No watched questions yet. Under an answer, press "
            "<b>Watch this question</b>: Verbatim asks it again after every reindex that changes the articles and "
            "lists here when its answer changes (also as an Atom feed at <a href='/watches.atom'>/watches.atom</a>)."
            "</p></div>"
        )
    changes: dict[str, list[Change]] = {}
    for change in service.watches.store.changes(limit=500):
        changes.setdefault(change.watch_id, []).append(change)
    cards = "".join(_card(w, changes.get(w.id, [])) for w in watches)
    feed = "<p class='vb-meta'>Follow the changes in a feed reader: <a href='/watches.atom'>/watches.atom</a></p>"
    return f"<div class='vb-watches'>{feed}{cards}</div>"


def _card(watch: Watch, changes: list[Change]) -> str:
    unread = f" <span class='vb-unread'>{watch.unread} new</span>" if watch.unread else ""
    body = _heard(watch.heard) if watch.heard else "<p class='vb-meta'>Not asked yet.</p>"
    history = "".join(_change(c) for c in changes[:10])
    return (
        f"<div class='vb-watch-card' data-watch-id='{esc(watch.id)}'><h3>{esc(watch.question)}{unread}</h3>"
        f"{body}{history}<p class='vb-meta'>id {esc(watch.id)}</p></div>"
    )


def _heard(heard: Heard, was: bool = False) -> str:
    if not heard.answered or heard.article_id is None:
        return "<p class='vb-refusal'>The articles don't answer it.</p>"
    meta = " · ".join(x for x in (day(heard.date), heard.source or heard.title or "") if x)
    cls = "vb-was" if was else ""
    return (
        f"<p class='{cls}'>“{esc(heard.excerpt)}” <a href='#' class='vb-marker' title='Open the article at this "
        f"passage' data-article='{esc(heard.article_id)}' data-start='{heard.start}' data-end='{heard.end}'>"
        f"{esc(meta or heard.article_id)}</a></p>"
    )


def _change(change: Change) -> str:
    read = " vb-read" if change.read else ""
    when = esc(day(change.at[:10]))
    return (
        f"<div class='vb-change{read}'><span class='vb-meta'>{when}: {esc(_kind(change.kind))}, "
        f"because of {esc(change.why)}</span>{_heard(change.new)}<details><summary>Before</summary>"
        f"{_heard(change.old, was=True)}</details></div>"
    )


def _kind(kind: str) -> str:
    return {"answered": "now answered", "refused": "no longer answered"}.get(kind, "the answer changed")


def build_watching_tab(service: Service) -> tuple[Any, Any]:
    """The tab's parts (inside an open ``gr.Tab``): the list, and the button that marks changes read."""
    import gradio as gr

    listing = gr.HTML(elem_id="vb-watching-host")
    with gr.Row():
        mark = gr.Button("Mark all changes read", size="sm", variant="secondary", elem_id="vb-mark-read")
        remove_id = gr.Textbox(placeholder="watch id", show_label=False, max_lines=1, scale=2)
        remove = gr.Button("Stop watching", size="sm", variant="stop", scale=1)
    note = gr.HTML()

    def mark_read() -> tuple[str, str]:
        service.watches.store.mark_read()
        return watching_html(service), ""

    def stop(wid: str) -> tuple[str, str, str]:
        try:
            service.watches.remove(wid.strip())
            message = "Stopped watching it."
        except LookupError as exc:
            message = str(exc)
        return watching_html(service), f"<p class='vb-message'>{esc(message)}</p>", ""

    mark.click(mark_read, None, [listing, note], api_visibility="private")
    remove.click(stop, remove_id, [listing, note, remove_id], api_visibility="private")
    return listing, note
