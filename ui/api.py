"""The JSON API, served beside the chat (FastAPI; OpenAPI at /docs)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, File, Form, Header, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from fetch.webcorpus import UnknownFeedError
from index.errors import (
    CatalogSessionError,
    CatalogShareError,
    EmptyIndexError,
    ReadOnlyIndexError,
    StoreUnavailableError,
    UnknownArticleError,
    VerbatimIndexError,
)
from index.uploads import UploadError
from qa.query import QuestionError, Turn
from qa.watches import UnknownWatchError, WatchError
from ui.api_schema import AnswerOut
from ui.service import AdminError, BusyError, CatalogTokenError, Service
from ui.tokens import presented


class Message(BaseModel):
    """One earlier turn of the conversation."""

    model_config = {"extra": "forbid"}

    role: Literal["user", "assistant"]
    content: str = Field(max_length=20000)


class AskRequest(BaseModel):
    """``POST /api/ask``: the same inputs as ``verbatim ask``, plus the conversation so far."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "question": "And in Turkey?",
                    "history": [
                        {"role": "user", "content": "Who did Blinken meet in Ramallah?"},
                        {"role": "assistant", "content": "“Blinken recently met with ... Mahmoud Abbas ...” [1]"},
                    ],
                }
            ]
        },
    }

    question: str = Field(max_length=20000, description="The question (at most 1,000 characters are searched).")
    history: list[Message] = Field(
        default_factory=list,
        max_length=50,
        description="Earlier turns, oldest first, each {role, content}: the user's questions and the "
        "assistant's answers (its `answer` text).",
    )
    top_k: int | None = Field(default=None, ge=1, le=50, description="Top passages an answer may quote from.")
    since: dt.date | None = Field(default=None, description="Only articles dated on or after (YYYY-MM-DD).")
    until: dt.date | None = Field(default=None, description="Only articles dated on or before (YYYY-MM-DD).")
    source: str | list[str] | None = Field(default=None, description="Only articles from this source (or these).")
    as_of: dt.date | None = Field(
        default=None,
        description="The day the question is asked (YYYY-MM-DD): “this week”, “recently” count back from it. "
        "Default: today, or the newest article's date if that is older.",
    )


class FeedRequest(BaseModel):
    """``POST /api/feeds``: a feed to subscribe to, or article pages to add."""

    model_config = {"extra": "forbid"}

    url: str | None = Field(default=None, max_length=2000, description="One URL (a feed or an article page).")
    urls: list[str] = Field(default_factory=list, max_length=100, description="Several URLs.")
    kind: Literal["auto", "feed", "page"] = Field(
        default="auto", description="What the URLs are; 'auto' fetches each and tells a feed from a page."
    )

    def all_urls(self) -> list[str]:
        """``url`` and ``urls`` together; an error if there is none."""
        urls = [u.strip() for u in ([self.url] if self.url else []) + self.urls if u.strip()]
        if not urls:
            raise UploadError("Give the URL of a feed or an article page (http or https).")
        return urls


class CatalogCall(BaseModel):
    """``POST /api/catalog/call``: one read of this app's replica, for an app started with --catalog-url."""

    model_config = {"extra": "forbid"}

    session: str | None = Field(default=None, max_length=64, description="The answer's snapshot session (none: new).")
    method: str = Field(max_length=64, description="The snapshot call (keyword_search, passages, vectors, ...).")
    args: dict[str, Any] = Field(default_factory=dict, description="Its arguments, by name.")


class CatalogClose(BaseModel):
    """``POST /api/catalog/close``: end a snapshot session."""

    model_config = {"extra": "forbid"}

    session: str = Field(max_length=64)


_BODIES: dict[str, type[BaseModel]] = {
    "/api/ask": AskRequest, "/api/feeds": FeedRequest, "/api/catalog/call": CatalogCall,
    "/api/catalog/close": CatalogClose,
}  # fmt: skip

_ERRORS: tuple[tuple[type[Exception], int], ...] = (
    (QuestionError, 400),
    (UploadError, 400),
    (AdminError, 401),
    (CatalogTokenError, 401),
    (CatalogShareError, 429),
    (UnknownArticleError, 404),
    (UnknownFeedError, 404),
    (UnknownWatchError, 404),
    (WatchError, 409),
    (EmptyIndexError, 409),
    (ReadOnlyIndexError, 409),
    (CatalogSessionError, 409),
    (BusyError, 503),
    (StoreUnavailableError, 503),
    (VerbatimIndexError, 500),
)


def install_errors(app: FastAPI) -> None:
    """Map our errors to status codes with a one-line ``detail``, never a traceback."""
    for kind, status in _ERRORS:

        async def handler(_: Request, exc: Exception, status: int = status) -> JSONResponse:
            headers = {"Retry-After": "2"} if status in (429, 503) else None
            if status == 401:
                headers = {"WWW-Authenticate": "Bearer"}
            return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)

        app.add_exception_handler(kind, handler)
    app.add_exception_handler(RequestValidationError, _invalid_request)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """422 as FastAPI words it, but a field the route does not know is named outright, never ignored."""
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    unknown = [".".join(str(part) for part in e["loc"][1:]) for e in errors if e.get("type") == "extra_forbidden"]
    if not unknown:
        return await request_validation_exception_handler(request, exc)
    model = _BODIES.get(request.url.path)
    known = f"Known fields: {', '.join(model.model_fields)}. " if model and all("." not in u for u in unknown) else ""
    detail = f"Unknown field{'s' * (len(unknown) > 1)}: {', '.join(unknown)}. {known}See /docs for each route's fields."
    return JSONResponse({"detail": detail, "errors": jsonable_encoder(errors)}, status_code=422)


def router(service: Service) -> APIRouter:
    """The routes, bound to one service."""
    api = APIRouter()

    def admin(
        authorization: Annotated[str | None, Header()] = None,
        x_admin_token: Annotated[str | None, Header()] = None,
    ) -> None:
        service.check_admin(presented(authorization, x_admin_token))

    def catalog_reader(
        authorization: Annotated[str | None, Header()] = None,
        x_admin_token: Annotated[str | None, Header()] = None,
    ) -> None:
        service.check_catalog(presented(authorization, x_admin_token))

    @api.post("/api/ask", tags=["answers"], summary="Answer a question with cited excerpts", response_model=AnswerOut)
    async def ask(request: AskRequest) -> dict[str, Any]:
        sources = [request.source] if isinstance(request.source, str) else list(request.source or [])
        history = [Turn(m.role, m.content) for m in request.history]
        answer = await run_in_threadpool(
            service.ask, request.question, history, request.since, request.until, sources, request.top_k, request.as_of
        )
        return answer.as_json()

    @api.get("/api/articles", tags=["articles"], summary="List the indexed articles")
    async def articles(
        q: Annotated[
            str, Query(max_length=200, description="Search titles, ids, sources and text (text matches: a snippet).")
        ] = "",
    ) -> dict[str, Any]:
        rows = await run_in_threadpool(service.articles, q)
        return {"count": len(rows), "articles": rows}

    @api.get("/api/articles/{article_id:path}", tags=["articles"], summary="An article and the text offsets refer to")
    async def article(article_id: str) -> dict[str, Any]:
        return await run_in_threadpool(service.article, article_id)

    @api.post(
        "/api/articles", tags=["index"], summary="Upload article files, then reindex", dependencies=[Depends(admin)]
    )
    async def upload(
        files: Annotated[list[UploadFile], File(description="txt, md, html, jsonl, csv, tsv, pdf or warc files")],
        columns: Annotated[
            str, Form(description="A CSV/TSV upload's columns, if not the usual names: text=body,date=pub_date")
        ] = "",
    ) -> dict[str, Any]:
        contents = [(f.filename or "upload", await f.read()) for f in files]
        return await run_in_threadpool(service.upload, contents, columns)

    @api.delete(
        "/api/articles/{article_id:path}",
        tags=["index"],
        summary="Delete an article, then reindex",
        dependencies=[Depends(admin)],
    )
    async def delete(article_id: str) -> dict[str, Any]:
        return await run_in_threadpool(service.delete, article_id)

    @api.get("/api/status", tags=["index"], summary="What the index holds, and the reindex job")
    async def status() -> dict[str, Any]:
        found = await run_in_threadpool(service.status)
        return {**found, "device": service.answerer.reader.device}  # where the encoder and the reader run

    @api.post("/api/reindex", tags=["index"], summary="Reindex the corpus incrementally", dependencies=[Depends(admin)])
    async def reindex(
        wait: Annotated[bool, Query(description="Wait for the report (else 202 and poll /api/status).")] = True,
        dry_run: Annotated[bool, Query(description="Only report what would change; write nothing.")] = False,
    ) -> Any:
        if dry_run:
            return await run_in_threadpool(service.plan)
        if wait:
            return await run_in_threadpool(service.reindex)
        threading.Thread(target=_quietly, args=(service,), daemon=True, name="reindex").start()
        return JSONResponse({"status": "started", "poll": "/api/status"}, status_code=202)

    @api.get("/api/feeds", tags=["feeds"], summary="The subscriptions: title, URL, last fetch, articles, last error")
    async def feeds() -> dict[str, Any]:
        return {"feeds": await run_in_threadpool(service.feeds)}

    @api.post(
        "/api/feeds", tags=["feeds"], summary="Subscribe to a feed or add article pages, then reindex",
        dependencies=[Depends(admin)],
    )  # fmt: skip
    async def add_feed(request: FeedRequest) -> dict[str, Any]:
        return await run_in_threadpool(service.add_urls, request.all_urls(), request.kind)

    @api.delete("/api/feeds", tags=["feeds"], summary="Unsubscribe from a feed", dependencies=[Depends(admin)])
    async def remove_feed(
        url: Annotated[str, Query(max_length=2000, description="The feed's URL, as listed.")],
        delete_articles: Annotated[bool, Query(description="Also delete the articles only this feed brought.")] = False,
    ) -> dict[str, Any]:
        return await run_in_threadpool(service.remove_feed, url, delete_articles)

    @api.post(
        "/api/feeds/poll", tags=["feeds"], summary="Fetch every subscription now, then reindex",
        dependencies=[Depends(admin)],
    )  # fmt: skip
    async def poll() -> dict[str, Any]:
        return await run_in_threadpool(service.poll)

    @api.post(
        "/api/catalog/call", tags=["catalog"], summary="Read this app's keyword index (for --catalog-url)",
        dependencies=[Depends(catalog_reader)],
    )  # fmt: skip
    async def catalog_call(request: CatalogCall, raw: Request) -> Response:
        client = raw.client.host if raw.client else ""  # whose share of the sessions a new one counts against
        try:
            session, result = await run_in_threadpool(
                service.catalog.call, request.session, request.method, request.args, client
            )
        except TypeError as exc:  # arguments the call does not take
            raise CatalogSessionError(f"{request.method}: {exc}") from exc
        return Response(json.dumps({"session": session, "result": result}), media_type="application/json")

    @api.post(
        "/api/catalog/close", tags=["catalog"], summary="End a snapshot session of the keyword index",
        dependencies=[Depends(catalog_reader)],
    )  # fmt: skip
    async def catalog_close(request: CatalogClose) -> dict[str, bool]:
        await run_in_threadpool(service.catalog.close, request.session)
        return {"closed": True}

    @api.post(
        "/api/catalog/stats", tags=["catalog"], summary="Articles and passages in this app's keyword index",
        dependencies=[Depends(catalog_reader)],
    )  # fmt: skip
    async def catalog_stats() -> dict[str, int]:
        return await run_in_threadpool(service.catalog.stats)

    @api.get("/healthz", tags=["health"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return api


def _quietly(service: Service) -> None:
    try:
        service.reindex()
    except Exception:  # the job's error is kept for /api/status
        return
