"""One writer per index across machines: a lease in a shared Chroma server, fenced by epochs.

A file lock protects one machine's index folder; app processes on several machines behind one
Chroma server need the lock in the server. Chroma has no compare-and-set, but it has
insert-if-absent: ``add`` of an id that exists leaves the stored record alone, and the server
applies writes in one order. So each lease is a record of its own, ``lease-<epoch>``: a writer
takes the lease by claiming the next epoch, and of several writers claiming it at the same
moment exactly one reads its own name back. No timing is involved.

The epoch also fences a writer that stalled past its lease (a paused VM, a long GC): before it
renews, and before it moves the generation pointer, it checks that no later epoch exists, and
stops with ``LeaseLostError`` if one does, instead of writing over the new holder's work.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable

from index.errors import IndexBusyError, LeaseLostError
from index.store import ChromaStore

_KEEP = 4  # old lease records kept for diagnosis


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
        self.epoch: int | None = None

    @property
    def held(self) -> bool:
        """Whether this writer believes it holds the lease (``fence`` checks it with the store)."""
        return self.epoch is not None

    def acquire(self, timeout: float | None = None, on_wait: Callable[[dict[str, object]], None] | None = None) -> None:
        """Take the lease, waiting for the current holder to release it or let it expire."""
        deadline = None if timeout is None else time.monotonic() + timeout
        told = False
        while True:
            leases = self._store.leases()
            latest = max(leases, default=0)
            holder = leases.get(latest)
            if holder is None or holder.get("released") or _lapsed(holder):
                claimed = self._store.claim_lease(latest + 1, self._token, time.time() + self._ttl)
                if claimed is not None and claimed.get("owner") == self._token:
                    self.epoch = latest + 1
                    self._store.drop_leases(sorted(leases)[:-_KEEP])
                    return
                continue  # another writer claimed that epoch first: look again
            if deadline is not None and time.monotonic() > deadline:
                raise IndexBusyError(
                    f"the index in {self._store.location} is being written by {holder.get('owner')}; "
                    "try again when it has finished"
                )
            if on_wait is not None and not told:
                on_wait({"pid": holder.get("owner"), "purpose": "a reindex (on this or another machine)"})
                told = True
            time.sleep(1.0)

    def fence(self) -> None:
        """Raise ``LeaseLostError`` unless this writer's epoch is still the latest and unexpired."""
        if self.epoch is None:
            return
        leases = self._store.leases()
        mine = leases.get(self.epoch)
        later = [e for e in leases if e > self.epoch]
        if later or mine is None or float(str(mine.get("expires", 0))) < time.time():
            epoch, self.epoch = self.epoch, None
            raise LeaseLostError(
                f"this reindex's writer lease (epoch {epoch}) in {self._store.location} expired and "
                f"{'another writer took it over' if later else 'was not renewed in time'}; it stopped "
                "without switching the index. Run the reindex again"
            )

    def renew(self) -> None:
        """Extend the lease (called between batches of a long reindex), after checking it is still ours."""
        if self.epoch is not None:
            self.fence()
            self._store.update_lease(self.epoch, time.time() + self._ttl)

    def release(self) -> None:
        """Give the lease back, if it is still ours."""
        if self.epoch is not None:
            leases = self._store.leases()
            if max(leases, default=0) == self.epoch:
                self._store.update_lease(self.epoch, time.time(), released=True)
        self.epoch = None


def _lapsed(holder: dict[str, object]) -> bool:
    """Expired, or held by a process of this machine that no longer exists (killed mid-reindex)."""
    if float(str(holder.get("expires", 0))) < time.time():
        return True
    host, _, rest = str(holder.get("owner", "")).partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False
