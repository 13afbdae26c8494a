"""One writer per index: an advisory file lock in the index folder."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from index.errors import IndexBusyError


class WriterLock:
    """Held by the one process that may write the index (released on exit, even on kill -9).

    Args:
        path: the lock file.
        purpose: what the holder does, shown to anyone who has to wait.
    """

    def __init__(self, path: Path, purpose: str) -> None:
        self._path = path
        self._purpose = purpose
        self._fd: int | None = None

    def holder(self) -> dict[str, object]:
        """Who holds (or last held) the lock: pid, purpose, since, and any server url."""
        try:
            return dict(json.loads(self._path.read_text() or "{}"))
        except (OSError, ValueError):
            return {}

    def acquire(
        self,
        wait: bool = True,
        timeout: float | None = None,
        on_wait: Callable[[dict[str, object]], None] | None = None,
    ) -> None:
        """Take the lock; wait for it (telling ``on_wait`` once) or raise ``IndexBusyError``."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = None if timeout is None else time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = self.holder()
                if not wait or (deadline is not None and time.monotonic() > deadline):
                    os.close(fd)
                    raise IndexBusyError(_busy_message(self._path.parent, holder)) from None
                if on_wait is not None and not told:
                    on_wait(holder)
                    told = True
                time.sleep(0.2)
        self._fd = fd
        self.describe({})

    def describe(self, extra: dict[str, object]) -> None:
        """Publish who holds the lock (and, for a server, where to hand work to)."""
        if self._fd is None:
            return
        info = {"pid": os.getpid(), "purpose": self._purpose, "since": time.time(), **extra}
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps(info).encode(), 0)

    def release(self) -> None:
        """Give the lock back."""
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def held_elsewhere(self) -> bool:
        """Whether another process holds the lock right now."""
        if self._fd is not None or not self._path.exists():
            return False
        fd = os.open(self._path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops any lock we took
        return False

    @contextmanager
    def reading(self, on_wait: Callable[[dict[str, object]], None] | None = None) -> Iterator[None]:
        """A shared hold for a reader process: waits while a writer process is writing."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait is not None:
                    on_wait(self.holder())
                fcntl.flock(fd, fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _busy_message(index_dir: Path, holder: dict[str, object]) -> str:
    who = f"process {holder.get('pid', '?')} ({holder.get('purpose', 'unknown')})"
    return f"the index at {index_dir} is being written by {who}; try again when it has finished"
