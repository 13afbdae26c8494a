"""Several app processes behind one Chroma server; the server going away and coming back."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from lab.chroma_server import free_port, start_chroma, stop_process
from tests.e2e.conftest import TOKEN, Server, start_server, stop_server

pytestmark = pytest.mark.e2e


def ask(server: Server, question: str) -> httpx.Response:
    return httpx.post(f"{server.url}/api/ask", json={"question": question}, timeout=30)


def wait_for(check: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


@dataclass
class Cluster:
    root: Path
    first: Server
    second: Server
    data: Path
    port: int
    chroma: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One `chroma run`, two `verbatim serve` processes on it (own index folders, one corpus).

    Shared by the module's tests (starting it is most of their time): each test leaves the cluster
    serving, so either runs alone or after the other.
    """
    root = tmp_path_factory.mktemp("cluster")
    port = free_port()
    data = root / "chroma-data"
    chroma = start_chroma(data, port)
    url = f"http://127.0.0.1:{port}"
    first = start_server(root, "--chroma-url", url, index_dir=root / "index-a")
    second = start_server(root, "--chroma-url", url, index_dir=root / "index-b")
    running = Cluster(root, first, second, data, port, chroma)
    try:
        yield running
    finally:
        stop_server(first)
        stop_server(second)
        stop_process(running.chroma)


def test_a_reindex_by_one_app_is_answered_by_the_others_one_reading_the_writers_catalog(cluster: Cluster) -> None:
    first = cluster.first
    # a third app keeps no replica: it reads the first app's keyword index over HTTP (--catalog-url),
    # with the first app's admin token, which its catalog needs (--catalog-token)
    third = start_server(
        cluster.root, "--chroma-url", cluster.url, "--catalog-url", first.url, "--catalog-token", TOKEN,
        index_dir=cluster.root / "index-c",
    )  # fmt: skip
    try:
        _the_others_answer_a_reindex(cluster, third)
    finally:
        stop_server(third)


def _the_others_answer_a_reindex(cluster: Cluster, third: Server) -> None:
    first, second = cluster.first, cluster.second
    answers = [ask(server, "Who did Blinken meet in Ramallah?").json() for server in (first, second, third)]
    for answer in answers:
        assert "Mahmoud Abbas" in answer["citations"][0]["excerpt"]
    assert answers[2]["citations"] == answers[0]["citations"]  # the same excerpts at the same offsets
    assert not list(third.index_dir.glob("catalog-*"))  # no replica of its own
    refused = httpx.post(f"{third.url}/api/reindex", headers=third.admin(), timeout=60)
    assert refused.status_code == 409 and first.url in refused.json()["detail"]
    drop = {"method": "drop", "args": {}}
    unknown = httpx.post(f"{first.url}/api/catalog/call", json=drop, timeout=10)
    assert unknown.status_code == 401 and "--catalog-token" in unknown.json()["detail"]
    bad = httpx.post(f"{first.url}/api/catalog/call", json=drop, headers=first.admin(), timeout=10)
    assert bad.status_code == 409 and "keyword_search" in bad.json()["detail"]
    path = first.corpus / "001_b0c10fa15994f385.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("traveled to Turkey", "flew on to Turkey"), encoding="utf-8"
    )
    report = httpx.post(f"{first.url}/api/reindex", headers=first.admin(), timeout=120).json()
    assert report["updated"] == ["001_b0c10fa15994f385.txt"]

    def second_sees_it() -> bool:
        answer = ask(second, "Where did Blinken fly on to after meeting Abbas?").json()
        return any("flew on to Turkey" in c["excerpt"] for c in answer["citations"])

    assert wait_for(second_sees_it)
    status = httpx.get(f"{second.url}/api/status").json()
    assert status["articles"] == 2 and status["index"] == cluster.url
    answer = ask(third, "Where did Blinken fly on to after meeting Abbas?").json()
    assert any("flew on to Turkey" in c["excerpt"] for c in answer["citations"])  # no wait: the writer's own replica
    article = httpx.get(f"{third.url}/api/articles/001_b0c10fa15994f385.txt", timeout=30).json()
    for citation in answer["citations"]:
        if citation["article_id"] == "001_b0c10fa15994f385.txt":
            assert article["text"][citation["start"] : citation["end"]] == citation["excerpt"]
    assert httpx.get(f"{third.url}/api/status").json()["articles"] == 2


def test_an_unreachable_chroma_server_is_named_and_the_app_recovers(cluster: Cluster) -> None:
    first = cluster.first
    assert ask(first, "What did Netanyahu reject?").status_code == 200
    stop_process(cluster.chroma)
    response = ask(first, "What did Netanyahu reject?")
    deadline = time.monotonic() + 15
    while response.status_code == 200 and time.monotonic() < deadline:  # the first second may still be cached
        time.sleep(0.3)
        response = ask(first, "What did Netanyahu reject?")
    assert response.status_code == 503
    assert cluster.url in response.json()["detail"] and "Traceback" not in response.text
    cluster.chroma = start_chroma(cluster.data, cluster.port)
    assert wait_for(lambda: ask(first, "What did Netanyahu reject?").status_code == 200, 30)
    assert ask(first, "What did Netanyahu reject?").json()["answered"]
