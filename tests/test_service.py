"""The server's reindex yields the cores to the answers: it runs in a thread of its own, nicer
than the threads that answer, and hands back its report or its error unchanged."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from ui.background import REINDEX_NICENESS, yielding


def _own() -> tuple[int, int]:
    me = threading.get_native_id()
    return me, os.getpriority(os.PRIO_PROCESS, me)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="threads have their own niceness on Linux only")
def test_the_work_runs_in_a_nicer_thread_and_the_caller_keeps_its_priority() -> None:
    caller, before = _own()
    worker, niceness = yielding(_own)
    assert worker != caller
    assert niceness == min(19, before + REINDEX_NICENESS)
    assert _own() == (caller, before)


def test_the_result_and_the_error_come_back_to_the_caller() -> None:
    assert yielding(lambda: {"added": ["a.txt"]}) == {"added": ["a.txt"]}

    def broken() -> None:
        raise ValueError("a.txt: not UTF-8")

    with pytest.raises(ValueError, match="not UTF-8"):
        yielding(broken)
