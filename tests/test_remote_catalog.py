"""The keyword index as a service (``--catalog-url``): what travels comes back equal, one answer is one snapshot.

The sessions run on a real indexed replica; the transport here calls them in process, so these
tests hold the codec and the session rules. Over HTTP, between launched apps on a Chroma server,
``tests/e2e/test_scaling.py`` runs the same path.
"""

from __future__ import annotations

import datetime as dt
import inspect
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index import catalog_sessions
from index.catalog_sessions import CatalogSessions
from index.catalog_wire import SERVED
from index.config import IndexConfig
from index.errors import CatalogSessionError, CatalogShareError
from index.filters import Filters
from index.live import LiveIndex
from index.reindex import Reindexer
from index.remote_catalog import RemoteCatalog, RemoteSnapshot
from index.snapshot import Snapshot

ARTICLE = "001_b0c10fa15994f385.txt"


class InProcess(RemoteCatalog):
    """The remote catalog with the HTTP hop replaced by a direct call of the serving side."""

    def __init__(self, sessions: CatalogSessions) -> None:
        super().__init__("http://127.0.0.1:9")
        self.sessions = sessions
        self.calls = 0

    def post(self, path: str, body: dict[str, Any]) -> Any:
        self.calls += 1
        if path == "/call":
            session, result = self.sessions.call(body["session"], body["method"], body["args"])
            return {"session": session, "result": result}
        if path == "/close":
            self.sessions.close(body["session"])
            return {"closed": True}
        return self.sessions.stats()


@pytest.fixture
def served(seeds_live: LiveIndex) -> Iterator[tuple[LiveIndex, InProcess]]:
    sessions = CatalogSessions(lambda: seeds_live.catalog.path, seeds_live.catalog.stats)
    yield seeds_live, InProcess(sessions)
    sessions.close_all()


def test_every_snapshot_read_is_served_and_overridden() -> None:
    public = {n for n, f in inspect.getmembers(Snapshot, inspect.isfunction) if not n.startswith("_")}
    assert public == SERVED
    for name in public:
        assert getattr(RemoteSnapshot, name) is not getattr(Snapshot, name), name


def test_what_travels_comes_back_equal(served: tuple[LiveIndex, InProcess]) -> None:
    live, remote = served
    words, stems = ["Blinken", "Abbas", "humanitarian"], ["blinken", "abba", "humanitarian"]
    with live.catalog.snapshot() as local, remote.snapshot() as far:
        ids = [p.id for p in local.passages_of(ARTICLE)]
        article_ids = [r.article.id for r in local.articles()]
        assert len(ids) > 2 and len(article_ids) == 2
        since = Filters(since=dt.date(2023, 11, 12))
        calls: list[tuple[str, tuple[Any, ...]]] = [
            ("keyword_search", (words, 5)), ("keyword_search", (words, 5, since)),
            ("text_matches", (["Blinken", "Abbas"],)), ("keyword_scores", (words, ids)), ("passages", (ids,)),
            ("document_frequencies", (stems,)), ("article_dates", (article_ids,)), ("passage_count", ()),
            ("newest_date", ()), ("live_versions", (article_ids,)), ("article", (ARTICLE,)), ("article", ("nope",)),
            ("articles", ()), ("headers", (article_ids + ["nope"],)), ("headers", ([],)),
            ("passages_of", (ARTICLE,)), ("copies", (ARTICLE,)), ("article_source", (ARTICLE,)),
            ("article_exists", (ARTICLE,)), ("article_exists", ("nope",)), ("copy_groups", ()), ("sources", ()),
        ]  # fmt: skip
        for name, args in calls:
            assert getattr(far, name)(*args) == getattr(local, name)(*args), name
        assert far.keyword_search(words, 5, since) != far.keyword_search(words, 5)  # the filter travelled
        near, got = local.vectors(ids), far.vectors(ids)
        assert near.keys() == got.keys()
        for key, vectors in near.items():
            assert np.array_equal(vectors.passage, got[key].passage) and vectors.spans == got[key].spans
            assert np.array_equal(vectors.sentences, got[key].sentences)
        assert far.session is not None
    assert remote.sessions._sessions == {}  # closed with the answer


def test_one_answer_reads_one_snapshot_while_the_replica_changes(tmp_path: Path, embedder: Any, corpus: Path) -> None:
    live = LiveIndex(IndexConfig(index_dir=tmp_path / "index"), embedder=embedder)
    try:
        Reindexer(live).run([corpus])
        sessions = CatalogSessions(lambda: live.catalog.path, live.catalog.stats)
        remote = InProcess(sessions)
        with remote.snapshot() as far:
            assert far.article_exists(ARTICLE)
            (corpus / ARTICLE).unlink()
            Reindexer(live).run([corpus])  # the article is gone from the replica, committed
            with remote.snapshot() as later:
                assert not later.article_exists(ARTICLE)
            assert far.article_exists(ARTICLE) and far.passages_of(ARTICLE)  # still the answer's own view
        assert remote.stats().articles == 1
    finally:
        live.close()


def test_bad_calls_and_expired_sessions_say_what_to_do(
    served: tuple[LiveIndex, InProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, remote = served
    with pytest.raises(CatalogSessionError, match="not 'drop_everything'"):
        remote.sessions.call(None, "drop_everything", {})
    session, _ = remote.sessions.call(None, "passage_count", {})
    monkeypatch.setattr(catalog_sessions, "SESSION_SECONDS", -1.0)
    with pytest.raises(CatalogSessionError, match="unknown or expired.*ask again"):
        remote.sessions.call(session, "passage_count", {})


def test_an_app_with_a_catalog_url_needs_the_chroma_server_and_does_not_write(tmp_path: Path) -> None:
    from index.errors import ReadOnlyIndexError, VerbatimIndexError

    with pytest.raises(VerbatimIndexError, match="give --chroma-url too"):
        LiveIndex(IndexConfig(index_dir=tmp_path / "a", catalog_url="http://127.0.0.1:9"))
    live = LiveIndex(IndexConfig(index_dir=tmp_path / "b", chroma_url="http://127.0.0.1:9", catalog_url="http://x:1"))
    try:
        with pytest.raises(ReadOnlyIndexError, match="reindex, upload or delete through that app"):
            Reindexer(live).run([tmp_path])
    finally:
        live.close()


def test_a_session_reuses_an_idle_connection_and_drops_those_of_an_old_replica(
    seeds_live: LiveIndex, tmp_path: Path
) -> None:
    # SQLite's page cache lives in the connection: at a million passages a fresh connection per
    # answer made every answer read its pages cold
    current = [seeds_live.catalog.path]
    sessions = CatalogSessions(lambda: current[0], seeds_live.catalog.stats)
    try:
        first, _ = sessions.call(None, "passage_count", {})
        held = sessions._sessions[first].db
        sessions.close(first)
        second, count = sessions.call(None, "passage_count", {})
        assert sessions._sessions[second].db is held and count > 0
        sessions.close(second)
        other = tmp_path / "catalog-other.sqlite"
        with sqlite3.connect(current[0]) as source, sqlite3.connect(other) as copy:
            source.backup(copy)
        current[0] = other  # the generation moved: a connection to the old file is closed, not reused
        third, _ = sessions.call(None, "passage_count", {})
        assert sessions._sessions[third].db is not held
        with pytest.raises(sqlite3.ProgrammingError):
            held.execute("SELECT 1")
        sessions.close(third)
    finally:
        sessions.close_all()


def test_one_client_holds_at_most_its_share_and_the_others_keep_reading(seeds_live: LiveIndex) -> None:
    sessions = CatalogSessions(lambda: seeds_live.catalog.path, seeds_live.catalog.stats, max_sessions=8)
    try:
        assert sessions.per_client == 2  # a quarter of the sessions
        greedy = [sessions.call(None, "passage_count", {}, client="10.0.0.9")[0] for _ in range(2)]
        with pytest.raises(CatalogShareError, match=r"10\.0\.0\.9 holds 2 open snapshot sessions.*close each session"):
            sessions.call(None, "passage_count", {}, client="10.0.0.9")
        other, count = sessions.call(None, "passage_count", {}, client="10.0.0.7")
        assert count > 0 and sessions.call(other, "passage_count", {}, client="10.0.0.7")[1] == count
        assert sessions.call(greedy[0], "passage_count", {}, client="10.0.0.9")[1] == count  # its own go on
        sessions.close(greedy[1])
        greedy[1], _ = sessions.call(None, "passage_count", {}, client="10.0.0.9")  # a closed one makes room
        for client in ("10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2", "10.0.0.7"):
            sessions.call(None, "passage_count", {}, client=client)  # 8 now, none beyond its share
        with pytest.raises(CatalogSessionError, match="8 snapshot sessions are open"):
            sessions.call(None, "passage_count", {}, client="10.0.0.3")
    finally:
        sessions.close_all()
