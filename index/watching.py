"""Watching corpus paths: a burst of saves becomes one reindex, about a second after the last."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from index.sources import KINDS

DEBOUNCE_MS = 700


def relevant(change: object, path: str) -> bool:
    """Supported article files (and folders, whose deletion removes their articles); no hidden or backup files."""
    name = os.path.basename(path)
    if not name or name.startswith(".") or name.endswith(("~", ".swp", ".tmp")):
        return False
    suffix = os.path.splitext(name)[1].lower()
    return suffix in KINDS or not suffix


def watch_paths(
    paths: Sequence[Path],
    on_change: Callable[[list[str]], None],
    stop: threading.Event | None = None,
    debounce_ms: int = DEBOUNCE_MS,
) -> None:
    """Call ``on_change`` with the changed paths after each burst, until ``stop`` is set (or Ctrl-C)."""
    from watchfiles import watch

    folders = sorted({str(p if p.is_dir() else p.parent) for p in paths if p.exists() or p.parent.exists()})
    if not folders:
        return
    for changes in watch(
        *folders, watch_filter=relevant, debounce=debounce_ms, step=100, stop_event=stop, raise_interrupt=False
    ):
        wanted = {str(p.resolve()) for p in paths}
        changed = sorted({path for _, path in changes})
        if any(path in wanted or any(path.startswith(w + os.sep) for w in wanted) for path in changed):
            on_change(changed)
