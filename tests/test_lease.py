"""The writer lease in a Chroma server: one winner however close the race, and a fenced loser."""

from __future__ import annotations

import contextlib
import threading
import uuid
from pathlib import Path

import pytest

from index.errors import IndexBusyError, LeaseLostError
from index.lease import StoreLease
from index.reindex import Reindexer
from index.store import ChromaStore
from tests.conftest import LiveFactory


@pytest.fixture
def backend(chroma_server: str) -> str:
    return chroma_server


def race(url: str, writers: int) -> list[StoreLease]:
    """``writers`` clients released by one barrier, each trying once to take the same lease."""
    prefix = f"r{uuid.uuid4().hex[:10]}"
    leases = [StoreLease(ChromaStore(url=url, prefix=prefix)) for _ in range(writers)]
    for lease in leases:
        lease._store.leases()  # connect first, so the race is the claim, not the connection
    barrier = threading.Barrier(writers)

    def attempt(lease: StoreLease) -> None:
        barrier.wait()
        with contextlib.suppress(IndexBusyError):
            lease.acquire(timeout=0.0)

    threads = [threading.Thread(target=attempt, args=(lease,)) for lease in leases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return leases


def test_of_writers_starting_at_the_same_instant_exactly_one_takes_the_lease(chroma_server: str) -> None:
    for _ in range(5):
        leases = race(chroma_server, 6)
        assert sum(lease.held for lease in leases) == 1


def test_a_released_or_expired_lease_is_taken_by_the_next_writer_and_fences_the_old_one(chroma_server: str) -> None:
    prefix = f"f{uuid.uuid4().hex[:10]}"
    first = StoreLease(ChromaStore(url=chroma_server, prefix=prefix), ttl=0.5)
    second = StoreLease(ChromaStore(url=chroma_server, prefix=prefix), ttl=60)
    first.acquire(timeout=0)
    with pytest.raises(IndexBusyError):
        second.acquire(timeout=0)
    first.release()
    second.acquire(timeout=0)  # released: taken at once
    second._store.update_lease(second.epoch or 0, expires=0.0)  # as if its writer had stalled past the ttl
    first.acquire(timeout=0)
    with pytest.raises(LeaseLostError, match="another writer took it over"):
        second.renew()
    assert not second.held
    second.release()  # a no-op: it must not release the new holder's lease
    first.fence()
    assert first.held


def test_a_full_rebuild_whose_lease_is_taken_over_stops_before_switching(make_live: LiveFactory, corpus: Path) -> None:
    live = make_live()
    Reindexer(live).run([corpus])
    before, before_token = live.generation.manifest(), live.state.token
    lease = live.lease
    assert lease is not None
    rival = StoreLease(live.store)

    def steal(step: str) -> None:
        if step == "built" and not rival.held:
            live.store.update_lease(lease.epoch or 0, expires=0.0)  # this writer stalled too long
            rival.acquire(timeout=0)

    path = corpus / "001_b0c10fa15994f385.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("in Ramallah", "in the city of Ramallah"), "utf-8")
    with pytest.raises(LeaseLostError):
        Reindexer(live, checkpoint=steal).run([corpus], full=True)
    assert rival.held
    assert live.store.state().token == before_token
    fresh = make_live(live.config.index_dir.parent / "other")
    fresh.refresh(force=True)
    assert {i: e.checksum for i, e in fresh.generation.manifest().items()} == {i: e.checksum for i, e in before.items()}


def test_a_lease_left_by_a_killed_process_of_this_machine_does_not_make_the_next_writer_wait(
    chroma_server: str,
) -> None:
    import socket
    import subprocess
    import time

    store = ChromaStore(url=chroma_server, prefix=f"k{uuid.uuid4().hex[:10]}")
    dead = subprocess.Popen(["sleep", "0"])  # a process that has exited
    dead.wait()
    store.claim_lease(1, f"{socket.gethostname()}:{dead.pid}:abcd", time.time() + 600)
    store.claim_lease(2, "another-machine:1:abcd", time.time() - 1)  # expired
    lease = StoreLease(store)
    lease.acquire(timeout=0)
    assert lease.epoch == 3
    lease.release()
    alive = subprocess.Popen(["sleep", "30"])
    try:
        store.claim_lease(4, f"{socket.gethostname()}:{alive.pid}:live", time.time() + 600)
        with pytest.raises(IndexBusyError):
            StoreLease(store).acquire(timeout=0)  # a live writer on this machine is waited for
    finally:
        alive.kill()
        alive.wait()
