"""The vector store: the only module that imports chromadb.

Chroma is the source of truth. An index *generation* is a pair of collections, passages
(vectors) and articles (the manifest: one record per article, holding its live version and
text), and one ``state`` record names the active generation. Rebuilding writes a new
generation and flips the pointer, so the old one serves until the new one is complete.
"""

from __future__ import annotations

import dataclasses
import json
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import StoreUnavailableError
from index.generation import Generation

_PLACEHOLDER = [1.0]  # manifest and state records need a vector; they are never searched


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """What an index was built with; opening it with anything else needs ``--full``."""

    model: str
    dimension: int
    chunk_words: int
    chunk_overlap: int
    layout: int = 1  # how passages are cut and what the encoder reads; see PASSAGE_LAYOUT


PASSAGE_LAYOUT = 2  # 1: paragraphs alone, no context; 2: paragraphs packed, the title read before each passage


@dataclass(frozen=True, slots=True)
class StoreState:
    """The pointer record: active generation, a change counter, and a crash marker."""

    token: str | None = None
    generation: int = 0
    clean: bool = True
    settings: IndexSettings | None = None


class ChromaStore:
    """Chroma embedded on disk (``path``) or a Chroma server (``url``).

    Args:
        path: folder of the embedded store; used when ``url`` is None.
        url: ``http://host:port`` of a ``chroma run`` server.
        prefix: collection name prefix, so several indexes can share one server.
    """

    def __init__(self, path: Path | None = None, url: str | None = None, prefix: str = "verbatim") -> None:
        self._path = path
        self._url = url
        self._prefix = prefix
        self._client: Any = None

    @property
    def location(self) -> str:
        """Where the vectors live, for messages."""
        return self._url or str(self._path)

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except StoreUnavailableError:
            raise
        except Exception as exc:
            if self._url is None or not _is_connection_error(exc):
                raise
            raise StoreUnavailableError(
                f"cannot reach the Chroma server at {self._url} ({type(exc).__name__}). "
                "Start it (chroma run --path DIR --port N) or fix --chroma-url"
            ) from exc

    def client(self) -> Any:
        """The chromadb client, created on first use."""
        if self._client is None:
            with self._guard():
                self._client = _connect(self._path, self._url)
        return self._client

    def _meta(self) -> Any:
        with self._guard():
            return self.client().get_or_create_collection(f"{self._prefix}_meta")

    def state(self) -> StoreState:
        """Read the pointer record (a fresh read every call: other processes may write it)."""
        with self._guard():
            got = self._meta().get(ids=["state"], include=["metadatas"])
        if not got["ids"]:
            return StoreState()
        return _state_from(got["metadatas"][0])

    def set_state(self, state: StoreState) -> None:
        """Write the pointer record."""
        meta: dict[str, Any] = {"generation": state.generation, "clean": state.clean}
        if state.token is not None:
            meta["token"] = state.token
        if state.settings is not None:
            meta["settings"] = json.dumps(dataclasses.asdict(state.settings))
        with self._guard():
            self._meta().upsert(ids=["state"], embeddings=[_PLACEHOLDER], metadatas=[meta])

    def leases(self) -> dict[int, dict[str, object]]:
        """Every writer-lease record (server mode), by epoch."""
        with self._guard():
            got = self._meta().get(where={"kind": "lease"}, include=["metadatas"])
        return {int(str(meta["epoch"])): dict(meta) for meta in got["metadatas"]}

    def claim_lease(self, epoch: int, owner: str, expires: float) -> dict[str, object] | None:
        """Insert the lease record of ``epoch`` unless one exists; return whichever record is stored.

        Chroma's ``add`` leaves an existing id untouched, and the server applies writes in one
        order, so of several writers claiming the same epoch exactly one reads its own name back.
        """
        record = {"kind": "lease", "epoch": epoch, "owner": owner, "expires": expires, "released": False}
        lease_id = f"lease-{epoch:012d}"
        with self._guard():
            meta = self._meta()
            meta.add(ids=[lease_id], embeddings=[_PLACEHOLDER], metadatas=[record])
            got = meta.get(ids=[lease_id], include=["metadatas"])
        return dict(got["metadatas"][0]) if got["ids"] else None

    def update_lease(self, epoch: int, expires: float, released: bool = False) -> None:
        """Renew or release the lease of ``epoch`` (only its holder calls this)."""
        with self._guard():
            self._meta().update(ids=[f"lease-{epoch:012d}"], metadatas=[{"expires": expires, "released": released}])

    def drop_leases(self, epochs: list[int]) -> None:
        """Delete old lease records."""
        if epochs:
            with self._guard():
                self._meta().delete(ids=[f"lease-{e:012d}" for e in epochs])

    def create_generation(self) -> Generation:
        """Make a new, empty pair of collections; it serves nothing until made active."""
        token = f"g{time.time_ns():x}"
        return self.generation(token, create=True)

    def generation(self, token: str, create: bool = False) -> Generation:
        """Open a generation's collections."""
        names = (f"{self._prefix}_{token}_passages", f"{self._prefix}_{token}_articles")
        with self._guard():
            client = self.client()
            if create:
                passages = client.create_collection(names[0], configuration={"hnsw": {"space": "cosine"}})
                articles = client.create_collection(names[1])
            else:
                passages = client.get_collection(names[0])
                articles = client.get_collection(names[1])
        return Generation(token, passages, articles, self._guard)

    def tokens(self) -> list[str]:
        """Every generation present in the store (the active one and any leftovers)."""
        with self._guard():
            names = [c if isinstance(c, str) else c.name for c in self.client().list_collections()]
        head, tail = f"{self._prefix}_", "_passages"
        return sorted(n[len(head) : -len(tail)] for n in names if n.startswith(head) and n.endswith(tail))

    def drop_generation(self, token: str) -> None:
        """Delete a generation's collections (a finished rebuild's predecessor, or a failed one)."""
        with self._guard():
            for kind in ("passages", "articles"):
                try:
                    self.client().delete_collection(f"{self._prefix}_{token}_{kind}")
                except Exception:  # already gone: nothing to do
                    continue

    def heartbeat(self) -> None:
        """Raise ``StoreUnavailableError`` unless the store answers."""
        with self._guard():
            self.client().heartbeat()


def _state_from(meta: dict[str, Any]) -> StoreState:
    settings = None
    if meta.get("settings"):
        settings = IndexSettings(**json.loads(meta["settings"]))
    return StoreState(
        token=meta.get("token"),
        generation=int(meta.get("generation", 0)),
        clean=bool(meta.get("clean", True)),
        settings=settings,
    )


def _connect(path: Path | None, url: str | None) -> Any:
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False, allow_reset=False)
    if url is None:
        if path is None:
            raise ValueError("a store needs a path or a url")
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=settings)
    parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    if not parts.hostname:
        raise StoreUnavailableError(f"{url!r} is not a server address; use http://HOST:PORT")
    port = parts.port or (443 if parts.scheme == "https" else 8000)
    client = chromadb.HttpClient(host=parts.hostname, port=port, ssl=parts.scheme == "https", settings=settings)
    client.heartbeat()
    return client


def _is_connection_error(exc: Exception) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__}
    markers = (
        "ConnectError",
        "ConnectionError",
        "ConnectTimeout",
        "ReadTimeout",
        "RemoteProtocolError",
        "TimeoutException",
        "NetworkError",
    )
    text = str(exc).lower()
    return bool(names.intersection(markers)) or "connect" in text or "could not connect" in text
