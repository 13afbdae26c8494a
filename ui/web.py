"""The web chat (Gradio) and the JSON API in one FastAPI app: the only module that imports gradio."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from index.errors import VerbatimIndexError
from index.formats import KINDS
from index.uploads import UploadError
from qa.query import QuestionError, Turn
from ui import render
from ui.api import install_errors, router
from ui.api_watches import watch_router
from ui.gate import ReadGate
from ui.service import AdminError, BusyError, Service
from ui.web_watching import build_watching_tab, watching_html

_TYPES = [*sorted(KINDS), ".gz"]  # .warc.gz: a browser's file dialog matches the last suffix
_EXAMPLES = 4
_POLITE = (QuestionError, VerbatimIndexError, BusyError, AdminError, UploadError)


def _asset(name: str) -> str:
    return resources.files("ui").joinpath("static", name).read_text(encoding="utf-8")


def _date(value: str, label: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise QuestionError(f"The “{label}” date should look like 2023-11-10.") from None


def build_app(service: Service) -> FastAPI:
    """Wire the service into the API routes and the Gradio page."""
    import gradio as gr

    # /docs with Swagger UI's script and style served from a package: no CDN, works offline. No
    # /redoc: ReDoc's page fetches its logo from a CDN.
    app = FastAPIOffline(
        redoc_url=None,
        title="Verbatim",
        description="Answers quoted word for word from news articles, with character-exact citations.",
        version="0.1.0",
    )
    install_errors(app)
    app.include_router(router(service))
    app.include_router(watch_router(service))
    blocks = build_blocks(service)
    blocks.queue(default_concurrency_limit=8, max_size=64)
    head = f"<script>{_asset('verbatim.js')}</script>"
    # System fonts only: the page must never fetch anything from outside this server.
    theme = gr.themes.Default(
        primary_hue="blue",
        neutral_hue="slate",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )
    mounted: FastAPI = gr.mount_gradio_app(
        app, blocks, path="/", css=_asset("verbatim.css"), head=head, footer_links=[], show_error=False, theme=theme
    )
    if service.read_token:  # in front of everything: the JSON routes, /docs, the page and the page's own calls
        mounted.add_middleware(ReadGate, read_token=service.read_token, admin_token=service.admin_token)
    return mounted


def build_blocks(service: Service) -> Any:
    """The page: Ask, Watching, Articles and Index tabs, and the article drawer."""
    import gradio as gr

    def respond(
        question: str, turns: list[dict[str, Any]], since: str, until: str, sources: list[str], as_of: str = ""
    ) -> tuple[str, list[dict[str, Any]], str]:
        if not (question or "").strip():
            return render.conversation(turns, service.examples(_EXAMPLES)), turns, question
        history = [
            turn
            for t in turns
            if not t.get("error")
            for turn in (Turn("user", t["question"]), Turn("assistant", t["answer"]["answer"]))
        ]
        turn: dict[str, Any] = {"question": question, "passages": {}}
        try:
            answer = service.ask(
                question, history, _date(since, "From"), _date(until, "Until"), sources or (),
                as_of=_date(as_of, "As of"),
            )  # fmt: skip
            turn["answer"] = answer.as_json()
            for citation in (*answer.citations, *answer.closest):
                stored = service.passage_text(citation.passage_id)
                if stored:
                    turn["passages"][citation.passage_id] = list(stored)
        except _POLITE as exc:
            turn["error"] = str(exc)
        except Exception:
            turn["error"] = "Something went wrong while answering; please try again."
        turns = [*turns, turn]
        return render.conversation(turns, []), turns, ""

    def on_load(turns: list[dict[str, Any]]) -> tuple[Any, ...]:
        examples = service.examples(_EXAMPLES)
        buttons = [gr.update(value=q, visible=True) for q in examples] + [gr.update(visible=False)] * (
            _EXAMPLES - len(examples)
        )
        status = service.status()
        return (
            # a question asked before the page finished loading keeps its answer
            render.header(status), gr.update() if turns else render.conversation([], examples), *buttons,
            gr.update(choices=service.sources()), render.status_panel(status),
            _article_list(""), gr.update(choices=_delete_choices()), render.feeds_table(status["feeds"]),
        )  # fmt: skip

    def _article_list(search: str) -> str:
        rows = service.articles(search)
        return render.article_list(rows, len(service.articles()) if search else len(rows))

    def _delete_choices() -> list[tuple[str, str]]:
        return [(f"{r['title']} ({r['id']})", r["id"]) for r in service.articles()]

    def refresh() -> tuple[str, str, str]:
        status = service.status()
        return render.header(status), render.status_panel(status), render.feeds_table(status["feeds"])

    def index_change(
        action: str,
        token: str,
        files: list[str] | None,
        article_id: str | None,
        progress: Any = None,
        url: str = "",
        columns: str = "",
    ) -> tuple[Any, ...]:
        try:
            service.check_admin(token)
            if action == "reindex":
                result = service.reindex(
                    lambda done, total: progress((done, total), desc="Reindexing") if progress else None
                )
                message = "Reindexed: " + _summary(result)
            elif action in ("url", "poll"):
                if action == "url" and not url.strip():
                    raise UploadError("Type the URL of a feed or an article page first.")
                message = render.fetch_message(service.add_urls([url]) if action == "url" else service.poll())
            elif action == "upload":
                if not files:
                    raise UploadError("Choose one or more files first.")
                outcome = service.upload([(Path(f).name, Path(f).read_bytes()) for f in files], columns)
                message = _upload_message(outcome)
            else:
                if not article_id:
                    raise UploadError("Choose an article to delete first.")
                outcome = service.delete(article_id)
                message = f"{outcome['message'].capitalize()}. Reindexed: {_summary(outcome['report'])}"
        except _POLITE as exc:
            message = str(exc)
        status = service.status()
        return (
            f"<p class='vb-message'>{render.esc(message)}</p>", render.status_panel(status), render.header(status),
            _article_list(""), gr.update(choices=_delete_choices(), value=None), gr.update(choices=service.sources()),
            render.feeds_table(status["feeds"]),
        )  # fmt: skip

    with gr.Blocks(title="Verbatim — answers from your articles", analytics_enabled=False) as demo:
        turns = gr.State([])
        header = gr.HTML(elem_id="vb-header-host")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                conversation = gr.HTML(render.conversation([], []), elem_id="vb-conversation-host")
                with gr.Row(equal_height=True, elem_id="vb-input"):
                    question = gr.Textbox(
                        placeholder="Ask about the articles…",
                        show_label=False,
                        scale=8,
                        max_lines=4,
                        autofocus=True,
                        elem_id="vb-question",
                    )
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="vb-ask")
                with gr.Row(elem_id="vb-examples"):
                    example_buttons = [
                        gr.Button(visible=False, size="sm", variant="secondary") for _ in range(_EXAMPLES)
                    ]
                with gr.Accordion("Filters", open=False):
                    with gr.Row():
                        since = gr.Textbox(label="From", placeholder="YYYY-MM-DD", max_lines=1)
                        until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD", max_lines=1)
                        as_of = gr.Textbox(
                            label="As of (“this week” counts back from it)",
                            placeholder="YYYY-MM-DD (default: today or the newest article)",
                            max_lines=1,
                            elem_id="vb-as-of",
                        )
                    sources = gr.CheckboxGroup(label="Sources (none ticked: all)", choices=[])
                new = gr.Button("New conversation", size="sm", variant="secondary")
            with gr.Tab("Watching", id="watching") as watching_tab:
                watching, _ = build_watching_tab(service)
            with gr.Tab("Articles", id="articles"):
                search = gr.Textbox(placeholder="Search titles, sources, ids and text…", show_label=False, max_lines=1)
                articles = gr.HTML()
            with gr.Tab("Index", id="index"):
                status = gr.HTML()
                token = gr.Textbox(
                    label="Admin token", type="password", visible=service.admin_token is not None, max_lines=1
                )
                message = gr.HTML()
                reindex = gr.Button("Reindex now", variant="primary")
                upload = gr.File(
                    label="Upload articles (txt, md, html, jsonl, csv, tsv, pdf, warc)",
                    file_count="multiple",
                    file_types=_TYPES,
                    type="filepath",
                )
                columns = gr.Textbox(
                    label="Columns of a CSV or TSV upload (if not the usual names)",
                    placeholder="text=body,date=pub_date,id=ref",
                    max_lines=1,
                )
                add = gr.Button("Add to the corpus and reindex")
                with gr.Row(equal_height=True):
                    url = gr.Textbox(
                        label="Add a feed (RSS, Atom) or an article page by URL",
                        max_lines=1,
                        scale=6,
                        placeholder="https://example.com/news.rss or https://example.com/2024/article.html",
                        elem_id="vb-url",
                    )
                    add_url = gr.Button("Add URL and reindex", scale=1, min_width=120, elem_id="vb-add-url")
                feeds = gr.HTML(elem_id="vb-feeds-host")
                poll = gr.Button("Poll the feeds now", size="sm", variant="secondary")
                doomed = gr.Dropdown(label="Delete an article", choices=[], value=None)
                delete = gr.Button("Delete it and reindex", variant="stop")
        gr.HTML(
            "<aside id='vb-drawer' class='vb-drawer' aria-hidden='true' aria-label='Article'></aside>",
            elem_id="vb-drawer-host",
        )

        ask_inputs = [question, turns, since, until, sources, as_of]
        ask_outputs = [conversation, turns, question]
        ask.click(respond, ask_inputs, ask_outputs, concurrency_limit=8, api_visibility="private")
        question.submit(respond, ask_inputs, ask_outputs, concurrency_limit=8, api_visibility="private")
        for button in example_buttons:
            button.click(lambda q: q, button, question, api_visibility="private").then(
                respond, ask_inputs, ask_outputs, concurrency_limit=8, api_visibility="private"
            )
        new.click(
            lambda: (render.conversation([], service.examples(_EXAMPLES)), []),
            None,
            [conversation, turns],
            api_visibility="private",
        )
        search.change(_article_list, search, articles, api_visibility="private")
        changed = [message, status, header, articles, doomed, sources, feeds]

        def reindex_now(token: str, progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 (Gradio's way)
            return index_change("reindex", token, None, None, progress)

        reindex.click(
            reindex_now,
            token,
            changed,
            concurrency_id="index",
            concurrency_limit=1,
            api_visibility="private",
        )
        add.click(
            lambda t, f, c: index_change("upload", t, f, None, columns=c),
            [token, upload, columns],
            changed,
            concurrency_id="index",
            concurrency_limit=1,
            api_visibility="private",
        ).then(lambda: None, None, upload, api_visibility="private")
        for trigger, action in ((add_url, "url"), (url, "url"), (poll, "poll")):
            event = trigger.click if isinstance(trigger, gr.Button) else trigger.submit
            event(
                lambda t, u, action=action: index_change(action, t, None, None, url=u),
                [token, url],
                changed,
                concurrency_id="index",
                concurrency_limit=1,
                api_visibility="private",
            )
        delete.click(
            lambda t, a: index_change("delete", t, None, a),
            [token, doomed],
            changed,
            concurrency_id="index",
            concurrency_limit=1,
            api_visibility="private",
        )
        demo.load(
            on_load,
            turns,
            [header, conversation, *example_buttons, sources, status, articles, doomed, feeds],
            api_visibility="private",
        )
        gr.Timer(3.0).tick(refresh, None, [header, status, feeds], api_visibility="private", show_progress="hidden")
        watching_tab.select(lambda: watching_html(service), None, watching, api_visibility="private")
        gr.Timer(5.0).tick(
            lambda: watching_html(service), None, watching, api_visibility="private", show_progress="hidden"
        )

        def ask_api(question: str, history: list[dict[str, str]] | None = None) -> dict[str, Any]:
            """Answer a question; the same object as POST /api/ask."""
            turns_in = [
                Turn("user" if m.get("role") == "user" else "assistant", str(m.get("content", "")))
                for m in history or []
                if m.get("role") in ("user", "assistant")
            ]
            try:
                return service.ask(question, turns_in).as_json()
            except _POLITE as exc:
                return {
                    "question": question,
                    "answered": False,
                    "answer": str(exc),
                    "confidence": 0.0,
                    "citations": [],
                    "closest": [],
                    "timeline": [],
                    "unsure": False,
                }

        gr.api(ask_api, api_name="ask")  # type: ignore[attr-defined]
    return demo


def _summary(report: dict[str, Any] | None) -> str:
    if not report:
        return "nothing to do"
    counts = ", ".join(f"{len(report[k])} {k}" for k in ("added", "updated", "removed") if report[k])
    return (counts or "no changes") + f" ({report['seconds']:.1f} s)"


def _upload_message(outcome: dict[str, Any]) -> str:
    parts = []
    for saved in outcome["saved"]:
        plural = "s" if saved["articles"] != 1 else ""
        replaced = ", replacing the old file" if saved["replaced"] else ""
        parts.append(f"Added {saved['name']} ({saved['articles']} article{plural}{replaced})")
    parts += [f"Refused {r}" for r in outcome["refused"]]
    if outcome["report"]:
        parts.append("Reindexed: " + _summary(outcome["report"]))
    return ". ".join(parts) + "."
