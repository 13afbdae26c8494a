"""Watching: created, changed, deleted and renamed files are reindexed within about two seconds,
and a burst of saves is one reindex."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.reindex import Reindexer
from index.watching import watch_paths
from tests.conftest import LiveFactory
from tests.invariants import assert_consistent, corpus_articles


class Watcher:
    def __init__(self, reindexer: Reindexer, corpus: Path) -> None:
        self.reports: list[dict[str, Any]] = []
        self.stop = threading.Event()
        self._thread = threading.Thread(target=watch_paths, args=([corpus], self._changed, self.stop), daemon=True)
        self._reindexer = reindexer
        self._thread.start()
        time.sleep(0.5)  # let the watcher settle before the first change

    def _changed(self, _: list[str]) -> None:
        self.reports.append(self._reindexer.run().as_json())

    def wait(self, count: int, seconds: float = 6.0) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while len(self.reports) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.reports) >= count, f"no reindex within {seconds} s"
        return self.reports[count - 1]

    def close(self) -> None:
        self.stop.set()
        self._thread.join(timeout=10)


@pytest.fixture
def watcher(corpus: Path, make_live: LiveFactory) -> Iterator[tuple[Watcher, Any]]:
    live = make_live()
    reindexer = Reindexer(live)
    reindexer.run([corpus])
    running = Watcher(reindexer, corpus)
    yield running, live
    running.close()


def test_created_changed_deleted_and_renamed_files_are_picked_up(watcher: tuple[Watcher, Any], corpus: Path) -> None:
    running, live = watcher
    started = time.monotonic()
    (corpus / "new.md").write_text("# Talks in Lima\n\nTrade ministers met in Lima.\n", encoding="utf-8")
    assert running.wait(1)["added"] == ["new.md"]
    assert time.monotonic() - started < 3.0
    (corpus / "new.md").write_text("# Talks in Lima\n\nTrade ministers met again in Lima.\n", encoding="utf-8")
    assert running.wait(2)["updated"] == ["new.md"]
    (corpus / "new.md").rename(corpus / "moved.md")
    moved = running.wait(3)
    assert (moved["added"], moved["removed"]) == (["moved.md"], ["new.md"])
    (corpus / "moved.md").unlink()
    assert running.wait(4)["removed"] == ["moved.md"]
    assert_consistent(live, corpus_articles(corpus))


def test_a_burst_of_saves_is_one_reindex(watcher: tuple[Watcher, Any], corpus: Path) -> None:
    running, _ = watcher
    path = corpus / "000_c355127225fa61d9.txt"
    text = path.read_text(encoding="utf-8")
    for n in range(6):
        path.write_text(text.replace("in the region.", f"in the region (draft {n})."), encoding="utf-8")
        time.sleep(0.08)
    report = running.wait(1)
    time.sleep(2.0)
    assert len(running.reports) == 1
    assert report["updated"] == ["000_c355127225fa61d9.txt"] and report["passages_embedded"] == 1


def test_hidden_and_unsupported_files_are_ignored(watcher: tuple[Watcher, Any], corpus: Path) -> None:
    running, _ = watcher
    (corpus / ".draft.txt").write_text("hidden", encoding="utf-8")
    (corpus / "photo.png").write_bytes(b"\x89PNG")
    (corpus / "notes.txt~").write_text("backup", encoding="utf-8")
    time.sleep(2.0)
    assert running.reports == []
