"""Standing questions over the JSON API (``/api/watches``) and their changes as an Atom feed (``/watches.atom``)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qa.watches import Change
from ui.service import Service


class WatchRequest(BaseModel):
    """``POST /api/watches``: a question to ask again after every reindex that changes the index."""

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"question": "Who did Blinken meet?"}]}}

    question: str = Field(max_length=20000, description="The question (at most 1,000 characters are searched).")
    source: str | list[str] | None = Field(default=None, description="Only articles from this source (or these).")


class ReadRequest(BaseModel):
    """``POST /api/watches/changes/read``: mark changes as read."""

    model_config = {"extra": "forbid"}

    ids: list[int] | None = Field(default=None, max_length=1000, description="These changes (none given: all).")


def watch_router(service: Service) -> APIRouter:
    """The watch routes, bound to one service."""
    api = APIRouter()
    watches = service.watches

    @api.get("/api/watches", tags=["watches"], summary="The standing questions, each with its current answer")
    async def list_watches() -> dict[str, Any]:
        found = await run_in_threadpool(watches.store.watches)
        return {"count": len(found), "limit": watches.limit, "watches": [w.as_json() for w in found]}

    @api.post("/api/watches", tags=["watches"], summary="Watch a question: asked again after every changing reindex")
    async def add_watch(request: WatchRequest, response: Response) -> dict[str, Any]:
        sources = [request.source] if isinstance(request.source, str) else list(request.source or [])
        watch, created = await run_in_threadpool(watches.add, request.question, sources)
        response.status_code = 201 if created else 200
        return {**watch.as_json(), "created": created}

    @api.delete("/api/watches/{watch_id}", tags=["watches"], summary="Stop watching a question")
    async def remove_watch(watch_id: str) -> dict[str, Any]:
        await run_in_threadpool(watches.remove, watch_id)
        return {"removed": watch_id}

    @api.get("/api/watches/changes", tags=["watches"], summary="Recorded changes of the watched answers, newest first")
    async def changes(
        unread: Annotated[bool, Query(description="Only changes not yet marked read.")] = False,
        watch: Annotated[str | None, Query(max_length=64, description="Only this watch's changes.")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> dict[str, Any]:
        found = await run_in_threadpool(watches.store.changes, watch, unread, limit)
        return {"count": len(found), "changes": [c.as_json() for c in found]}

    @api.post("/api/watches/changes/read", tags=["watches"], summary="Mark changes as read")
    async def mark_read(request: ReadRequest) -> dict[str, int]:
        return {"marked": await run_in_threadpool(watches.store.mark_read, request.ids)}

    @api.get(
        "/watches.atom", tags=["watches"], summary="The changes as an Atom feed (one entry per change)",
        response_class=Response, responses={200: {"content": {"application/atom+xml": {}}}},
    )  # fmt: skip
    async def atom(request: Request) -> Response:
        found = await run_in_threadpool(watches.store.changes, None, False, 100)
        base = str(request.base_url).rstrip("/")
        return Response(atom_feed(found, base), media_type="application/atom+xml; charset=utf-8")

    return api


def span_link(base: str, article_id: str, start: int | None, end: int | None) -> str:
    """The page, opened at an article's cited characters."""
    query = {"article": article_id}
    if start is not None and end is not None:
        query |= {"start": str(start), "end": str(end)}
    return f"{base}/?{urlencode(query, quote_via=quote)}"


def atom_feed(changes: list[Change], base: str) -> str:
    """An Atom 1.0 document: one entry per change, its new excerpt, linked to the cited span."""
    updated = changes[0].at if changes else "1970-01-01T00:00:00+00:00"
    entries = "".join(_entry(c, base) for c in changes)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Verbatim: watched questions</title><id>{escape(base)}/watches.atom</id>"
        f'<link rel="self" href="{escape(base)}/watches.atom"/><link href="{escape(base)}/"/>'
        f"<updated>{updated}</updated><author><name>Verbatim</name></author>{entries}</feed>\n"
    )


def _entry(change: Change, base: str) -> str:
    new, old = change.new, change.old
    if new.answered and new.article_id:
        link = span_link(base, new.article_id, new.start, new.end)
        said = f"“{new.excerpt}” ({_cited(new.title, new.source, new.date)})"
        title = f"{change.question}: {new.short or new.excerpt}"
    else:
        link = f"{base}/"
        said = "The articles no longer answer it."
        title = f"{change.question}: no longer answered"
    before = f"“{old.excerpt}” ({_cited(old.title, old.source, old.date)})" if old.answered else "not answered"
    summary = f"{said} Before: {before}. Why: {change.why}."
    return (
        f"<entry><id>urn:verbatim:change:{change.id}</id><title>{escape(title)}</title>"
        f'<updated>{change.at}</updated><link href="{escape(link)}"/>'
        f"<summary>{escape(summary)}</summary>"
        f'<content type="text">{escape(said)}</content></entry>'
    )


def _cited(title: str | None, source: str | None, date: str | None) -> str:
    return ", ".join(part for part in (title, source, date) if part)
