"""Watching corpus paths: a burst of saves becomes one reindex, started under half a second after the last."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from index.formats import format_of

QUIET_MS = 400  # a burst ends after this long without a change
DEBOUNCE_MS = 1600  # ...or after this long, if the changes never stop


def relevant(change: object, path: str) -> bool:
    """Supported article files (and folders, whose deletion removes their articles); no hidden or backup files."""
    name = os.path.basename(path)
    if not name or name.startswith(".") or name.endswith(("~", ".swp", ".tmp")):
        return False
    suffix = os.path.splitext(name)[1].lower()
    return format_of(name) is not None or not suffix


def watch_paths(
    paths: Sequence[Path],
    on_change: Callable[[list[str]], None],
    stop: threading.Event | None = None,
    debounce_ms: int = DEBOUNCE_MS,
    quiet_ms: int = QUIET_MS,
) -> None:
    """Call ``on_change`` with the changed paths after each burst, until ``stop`` is set (or Ctrl-C)."""
    from watchfiles import watch

    folders = sorted({str(p if p.is_dir() else p.parent) for p in paths if p.exists() or p.parent.exists()})
    if not folders:
        return
    for changes in watch(
        *folders, watch_filter=relevant, debounce=debounce_ms, step=quiet_ms, stop_event=stop, raise_interrupt=False
    ):
        wanted = {str(p.resolve()) for p in paths}
        changed = sorted({path for _, path in changes})
        if any(path in wanted or any(path.startswith(w + os.sep) for w in wanted) for path in changed):
            on_change(changed)
