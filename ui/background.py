"""Work off the answering threads: a reindex or a round of re-asked watches runs at a lower CPU priority."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
REINDEX_NICENESS = 10  # how much nicer than the answers a reindex runs (Linux threads; nothing elsewhere)


def yielding(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread of its own at a lower CPU priority, and wait for it.

    A reindex runs beside the answers: lowered, its file scan and writes take the cores only when
    answers leave them free, so users keep their answer times while it runs. On Linux a thread has
    its own niceness; elsewhere, or where it cannot be set, the work runs as it would have.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="verbatim-reindex", initializer=nicer) as worker:
        return worker.submit(work).result()


def nicer() -> None:
    """Lower the calling thread's CPU priority by REINDEX_NICENESS (Linux; elsewhere nothing)."""
    with contextlib.suppress(AttributeError, OSError):
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + REINDEX_NICENESS))
