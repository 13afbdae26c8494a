"""Feeds on a launched server: the API, the command line handing work to it, and background polling."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner

from tests.e2e.conftest import TOKEN, Server, start_server, stop_server
from tests.site import Site, article, rss
from ui.cli import main

pytestmark = pytest.mark.e2e
OLD = "The repairs will cost 4 million dollars and start in March, the mayor said."
NEW = "The repairs will cost 6 million dollars and start in May, the mayor said."
QUESTION = "How much will the harbour repairs cost?"


def harbour(sentence: str) -> str:
    paragraphs = ["The city council approved the harbour repair plan on Tuesday after a long debate.", sentence]
    return article("Harbour repairs approved", paragraphs, date="2024-03-05", canonical="https://gazette.example/h")


@pytest.fixture(scope="module")
def news() -> Iterator[Site]:
    running = Site().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def polling(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("feeds"), "--allow-private-urls", "--poll-minutes", "0.05")
    yield running
    stop_server(running)


def ask(server: Server) -> dict[str, object]:
    response = httpx.post(f"{server.url}/api/ask", json={"question": QUESTION}, timeout=30)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_subscribe_ask_and_background_polling_while_questions_run(polling: Server, news: Site) -> None:
    page = news.page("/harbour.html", harbour(OLD))
    feed = news.feed("/news.rss", rss("Harbour Gazette", [{"title": "Harbour", "link": page}]))
    assert httpx.post(f"{polling.url}/api/feeds", json={"url": feed}, timeout=60).status_code == 401
    response = httpx.post(f"{polling.url}/api/feeds", json={"url": feed}, headers=polling.admin(), timeout=120)
    report = response.json()
    assert response.status_code == 200 and len(report["added"]) == 1 and report["failed"] == []
    listed = httpx.get(f"{polling.url}/api/feeds").json()["feeds"]
    assert [(f["url"], f["title"], f["articles"], f["error"]) for f in listed] == [(feed, "Harbour Gazette", 1, None)]
    first = ask(polling)
    citation = first["citations"][0]  # type: ignore[index]
    assert citation["url"] == "https://gazette.example/h" and OLD in citation["excerpt"]

    seen: list[str] = []
    errors: list[str] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                excerpts = " ".join(c["excerpt"] for c in ask(polling)["citations"])  # type: ignore[attr-defined]
            except AssertionError as exc:
                errors.append(str(exc))
                continue
            seen.append("both" if ("4 million" in excerpts and "6 million" in excerpts) else excerpts)

    askers = [threading.Thread(target=keep_asking) for _ in range(2)]
    for thread in askers:
        thread.start()
    try:
        news.page("/harbour.html", harbour(NEW))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("6 million" in s for s in seen):
            time.sleep(0.5)
    finally:
        stop.set()
        for thread in askers:
            thread.join()
    assert errors == [] and "both" not in seen
    assert any("6 million" in s for s in seen), "the background poll did not pick up the correction"
    latest = ask(polling)
    assert not any("4 million" in c["excerpt"] for c in latest["citations"])  # type: ignore[attr-defined]
    assert news.count("/news.rss", 304) >= 1  # polls ask conditionally


def test_the_command_line_hands_feed_work_to_the_server(polling: Server, news: Site) -> None:
    runner = CliRunner()
    where = ["--index-dir", str(polling.index_dir)]
    listed = runner.invoke(main, ["feeds", "list", *where, "--json"])
    assert listed.exit_code == 0 and "holds this index" in listed.stderr
    feeds = json.loads(listed.stdout)["feeds"]
    refused = runner.invoke(main, ["feeds", "poll", *where])
    assert refused.exit_code == 2 and "admin token" in refused.stderr
    page = news.page("/ferry.html", article("Ferry", ["The night ferry returns on Friday after a long pause."]))
    added = runner.invoke(main, ["add", page, *where, "--admin-token", TOKEN, "--json"])
    assert added.exit_code == 0, added.stderr
    assert [f["url"] for f in json.loads(added.stdout)["fetched"]] == [page]
    polled = runner.invoke(main, ["feeds", "poll", *where, "--admin-token", TOKEN, "--json"])
    assert polled.exit_code == 0 and json.loads(polled.stdout)["added"] == []
    removed = runner.invoke(main, ["feeds", "remove", feeds[0]["url"], *where, "--admin-token", TOKEN, "--json"])
    assert removed.exit_code == 0 and json.loads(removed.stdout)["unsubscribed"] == feeds[0]["url"]
    assert httpx.get(f"{polling.url}/api/feeds").json() == {"feeds": []}


def test_the_feed_routes_are_in_the_openapi_docs(polling: Server) -> None:
    paths = httpx.get(f"{polling.url}/openapi.json").json()["paths"]
    assert set(paths["/api/feeds"]) == {"get", "post", "delete"} and "post" in paths["/api/feeds/poll"]
    missing = httpx.post(f"{polling.url}/api/feeds", json={"urls": []}, headers=polling.admin(), timeout=30)
    assert missing.status_code == 400 and "Give the URL" in missing.json()["detail"]
    unknown = httpx.delete(f"{polling.url}/api/feeds", params={"url": "http://x/"}, headers=polling.admin())
    assert unknown.status_code == 404 and "no subscription to http://x/" in unknown.json()["detail"]
