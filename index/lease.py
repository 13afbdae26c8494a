"""One writer per index across machines: a lease record in a shared Chroma server.

A file lock protects one machine's index folder; app processes on several machines behind one
Chroma server need the lock in the server. Chroma has no compare-and-set, so the lease is
written, then read back after a pause: a writer that sees its own token still there owns
the lease until it expires (renewed while a long reindex runs). Two writers racing inside the
same pause could both believe they won; docs/SCALING.md says so and how to avoid it (one
designated writer).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable

from index.errors import IndexBusyError
from index.store import ChromaStore

_SETTLE = 0.3


class StoreLease:
    """The writer lease of one index in a Chroma server.

    Args:
        store: the shared store.
        ttl: seconds the lease lasts unless renewed (a crashed writer blocks others this long).
    """

    def __init__(self, store: ChromaStore, ttl: float = 120.0) -> None:
        self._store = store
        self._ttl = ttl
        self._token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held = False

    def acquire(self, timeout: float | None = None, on_wait: Callable[[dict[str, object]], None] | None = None) -> None:
        """Take the lease, waiting for the current holder to release it or let it expire."""
        deadline = None if timeout is None else time.monotonic() + timeout
        told = False
        while True:
            holder = self._store.read_lease()
            if not holder or float(str(holder.get("expires", 0))) < time.time() or holder.get("owner") == self._token:
                self._store.write_lease(self._token, time.time() + self._ttl)
                time.sleep(_SETTLE)
                if (self._store.read_lease() or {}).get("owner") == self._token:
                    self.held = True
                    return
                continue
            if deadline is not None and time.monotonic() > deadline:
                raise IndexBusyError(
                    f"the index in {self._store.location} is being written by {holder.get('owner')}; "
                    "try again when it has finished"
                )
            if on_wait is not None and not told:
                on_wait({"pid": holder.get("owner"), "purpose": "a reindex on another machine"})
                told = True
            time.sleep(1.0)

    def renew(self) -> None:
        """Extend the lease (called between batches of a long reindex)."""
        if self.held:
            self._store.write_lease(self._token, time.time() + self._ttl)

    def release(self) -> None:
        """Give the lease back, if it is still ours."""
        if self.held and (self._store.read_lease() or {}).get("owner") == self._token:
            self._store.clear_lease()
        self.held = False
