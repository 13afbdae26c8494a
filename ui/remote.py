"""When a `verbatim serve` process holds the index, the command line works through its API.

An embedded Chroma store must have one process on it. The server holds the writer lock for
its whole life and publishes its address in the lock file; ``index``, ``ask``, ``show`` and
``status`` then hand their work to it instead of opening the store a second time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from index.errors import IndexBusyError, StoreUnavailableError, VerbatimIndexError
from index.lock import WriterLock


def serving(index_dir: Path) -> dict[str, Any] | None:
    """The running server that owns this index folder, if any (its pid, url, corpus)."""
    lock = WriterLock(index_dir / "writer.lock", "check")
    if not lock.held_elsewhere():
        return None
    holder = lock.holder()
    return holder if holder.get("purpose") == "serve" and holder.get("url") else None


def call(server: dict[str, Any], method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
    """One API call to the server, errors turned into our own with the server's message."""
    url = f"{server['url']}{path}"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.request(method, url, headers=headers, timeout=600, **kwargs)
    except httpx.HTTPError as exc:
        raise StoreUnavailableError(
            f"the server at {server['url']} (pid {server.get('pid')}) holds this index but does not answer ({exc}); "
            "wait for it or stop it"
        ) from exc
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        if response.status_code == 401 and "read token" in str(detail):  # the read gate, before any route
            raise IndexBusyError(f"the server at {server['url']} needs its read token: pass --read-token")
        if response.status_code == 401:
            raise IndexBusyError(f"the server at {server['url']} needs its admin token for this: pass --admin-token")
        raise VerbatimIndexError(f"the server at {server['url']} says: {detail}")
    return response.json()


def check_scope(server: dict[str, Any], paths: list[Path]) -> None:
    """The server reindexes its own corpus only."""
    corpus = Path(str(server.get("corpus", "")))
    outside = [p for p in paths if corpus not in (p.resolve(), *p.resolve().parents)]
    if outside:
        raise IndexBusyError(
            f"the server at {server['url']} writes this index and indexes only its corpus {corpus}; "
            f"{', '.join(map(str, outside))} is outside it. Put the files in {corpus}, or stop the server first"
        )
