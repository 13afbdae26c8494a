"""Watches: a standing question asked again after every reindex that changed the index, each change
recorded with both answers and why; nothing asked after a reindex that changed nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.config import IndexConfig
from index.embedding import SentenceTransformerEmbedder
from index.live import LiveIndex
from index.reindex import Reindexer
from qa.answering import Answerer
from qa.query import QuestionError
from qa.watches import WATCHES_FILE, UnknownWatchError, WatchError, Watches, WatchStore, watch_id
from tests.stories import STORIES

QUESTION = "How many people have been killed by the flooding in the Selbu delta?"


def _records() -> dict[str, dict[str, Any]]:
    lines = (STORIES / "selbu-floods.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


def _write(corpus: Path, record: dict[str, Any]) -> None:
    (corpus / f"{record['id']}.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")


class Desk:
    """A corpus folder, its index and its watches, changed the way a user would."""

    def __init__(self, root: Path, embedder: SentenceTransformerEmbedder) -> None:
        self.corpus = root / "corpus"
        self.corpus.mkdir()
        self.live = LiveIndex(IndexConfig(index_dir=root / "index"), embedder=embedder)
        self.watches = Watches(WatchStore(root / "index" / WATCHES_FILE), Answerer(self.live), limit=3)

    def reindex(self) -> dict[str, Any]:
        report = Reindexer(self.live).run([self.corpus]).as_json()
        return {"report": report, "round": self.watches.refresh(report)}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Iterator[Desk]:
    made = Desk(tmp_path_factory.mktemp("watch-desk"), embedder)
    yield made
    made.live.close()


def test_a_watch_records_a_new_an_updated_and_a_removed_article_and_not_a_no_op(desk: Desk) -> None:
    records = _records()
    _write(desk.corpus, records["selbu-monday"])
    desk.reindex()
    watch, created = desk.watches.add(QUESTION)
    assert created and watch.heard is not None and watch.heard.answered
    assert watch.heard.excerpt and "Six" in watch.heard.excerpt

    nothing = desk.reindex()  # no file changed: nobody is asked again
    assert nothing["round"]["asked"] == 0 and desk.watches.store.changes() == []

    _write(desk.corpus, records["selbu-wednesday"])  # a new article
    desk.reindex()
    (new,) = desk.watches.store.changes()
    assert new.kind == "changed" and new.why.startswith("a new article")
    assert new.old.excerpt and "Six" in new.old.excerpt
    assert new.new.excerpt and "fourteen" in new.new.excerpt and new.new.article_id == "selbu-wednesday"

    corrected = dict(records["selbu-wednesday"], text=records["selbu-wednesday"]["text"].replace("fourteen", "fifteen"))
    _write(desk.corpus, corrected)  # a correction in place
    desk.reindex()
    update = desk.watches.store.changes()[0]
    assert update.why.startswith("an updated article") and update.new.short == "fifteen"
    assert update.old.excerpt and "fourteen" in update.old.excerpt  # the corrected sentence stays readable

    (desk.corpus / "selbu-wednesday.jsonl").unlink()  # a removed article
    desk.reindex()
    removed = desk.watches.store.changes()[0]
    assert removed.why.startswith("a removed article") and removed.new.excerpt and "Six" in removed.new.excerpt
    assert [c.id for c in desk.watches.store.changes()] == sorted(
        (c.id for c in desk.watches.store.changes()), reverse=True
    )
    assert len(desk.watches.store.changes()) == 3

    again = WatchStore(desk.watches.store.path)  # what a restarted server reads
    assert [w.id for w in again.watches()] == [watch.id] and again.watches()[0].unread == 3
    assert again.mark_read() == 3 and again.changes(unread=True) == []


def test_duplicates_limits_bad_questions_and_unknown_ids(desk: Desk) -> None:
    first, _ = desk.watches.add("Who is the prime minister visiting?")
    same, created = desk.watches.add("  who is the PRIME minister   visiting?")
    assert not created and same.id == first.id
    assert watch_id("a b", ["X"]) != watch_id("a b", [])
    for bad in ("", "   ", "x" * 1001, "?!"):
        with pytest.raises(QuestionError):
            desk.watches.add(bad)
    count = desk.watches.store.count()
    for n in range(desk.watches.limit - count):
        desk.watches.add(f"What did the civil protection agency say about shelter number {n}?")
    with pytest.raises(WatchError, match="remove some"):
        desk.watches.add("What did the mayor say?")
    with pytest.raises(UnknownWatchError):
        desk.watches.remove("no-such-id")
    desk.watches.remove(first.id)
    assert desk.watches.store.get(first.id) is None


def test_a_kill_9_while_recording_leaves_no_half_change_and_the_next_round_completes(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    desk = Desk(tmp_path, embedder)
    records = _records()
    _write(desk.corpus, records["selbu-monday"])
    desk.reindex()
    questions = (QUESTION, "Where did residents spend the night?", "Who asked the mayor for help?")
    for question in questions:
        desk.watches.add(question)
    _write(desk.corpus, records["selbu-wednesday"])
    Reindexer(desk.live).run([desk.corpus])  # the index moves on; the watches are not asked yet
    generation = int(desk.live.state.generation)
    desk.live.close()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    killed = subprocess.run(
        [sys.executable, "-m", "tests.watch_crash_runner", str(tmp_path / "index"), "2"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert killed.returncode == -9, killed.stdout + killed.stderr
    store = WatchStore(tmp_path / "index" / WATCHES_FILE)
    after = {w.id: w for w in store.watches()}
    asked = [w for w in after.values() if w.generation == generation]
    assert len(asked) == 1  # the first watch was recorded; the second died inside its transaction
    for change in store.changes():  # every recorded change is whole: its watch holds its new answer
        assert after[change.watch_id].generation == generation and after[change.watch_id].heard == change.new
    desk.live = LiveIndex(IndexConfig(index_dir=tmp_path / "index"), embedder=embedder)
    desk.watches = Watches(store, Answerer(desk.live))
    round_ = desk.watches.refresh()  # the next round asks the two not yet recorded, and only them
    assert round_["asked"] == 2 and all(w.generation == generation for w in store.watches())
    toll = next(w for w in store.watches() if w.question == QUESTION)
    assert len(store.changes(toll.id)) == 1 and toll.heard and toll.heard.short == "fourteen"
    desk.live.close()
