"""Watches on a launched server: the API, the Atom feed, the command line through the server, and a restart."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import feedparser
import httpx
from click.testing import CliRunner

from tests.e2e.conftest import Server, start_server, stop_server
from tests.stories import STORIES
from ui.cli import main

QUESTION = "How many people have been killed by the flooding in the Selbu delta?"


def _record(article_id: str) -> dict[str, Any]:
    lines = (STORIES / "selbu-floods.jsonl").read_text(encoding="utf-8").splitlines()
    return next(r for r in map(json.loads, lines) if r["id"] == article_id)


def _changes(server: Server, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = httpx.get(f"{server.url}/api/watches/changes", params=params).json()["changes"]
    return found


def test_watching_over_the_api_the_feed_and_a_restart(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "monday.jsonl").write_text(json.dumps(_record("selbu-monday")) + "\n", encoding="utf-8")
    server = start_server(tmp_path, "--max-watches", "2")
    try:
        made = httpx.post(f"{server.url}/api/watches", json={"question": QUESTION}, timeout=60)
        assert made.status_code == 201 and "Six" in made.json()["answer"]["excerpt"]
        again = httpx.post(f"{server.url}/api/watches", json={"question": QUESTION.upper()}, timeout=60)
        assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
        assert httpx.post(f"{server.url}/api/watches", json={"question": " "}, timeout=60).status_code == 400
        assert httpx.delete(f"{server.url}/api/watches/nope").status_code == 404
        httpx.post(f"{server.url}/api/watches", json={"question": "Where did residents spend the night?"}, timeout=60)
        full = httpx.post(f"{server.url}/api/watches", json={"question": "Who is the mayor?"}, timeout=60)
        assert full.status_code == 409 and "remove some" in full.json()["detail"]
        paths = set(httpx.get(f"{server.url}/openapi.json").json()["paths"])
        assert {"/api/watches", "/api/watches/changes", "/watches.atom"} <= paths

        friday = json.dumps(_record("selbu-friday")) + "\n"
        uploaded = httpx.post(
            f"{server.url}/api/articles", headers=server.admin(), timeout=120,
            files=[("files", ("friday.jsonl", friday.encode(), "application/x-ndjson"))],
        )  # fmt: skip
        assert uploaded.status_code == 200
        deadline = time.monotonic() + 120
        while not _changes(server) and time.monotonic() < deadline:
            time.sleep(0.5)  # the watches are asked again in the background after the reindex
        change = next(c for c in _changes(server, unread="true") if c["watch_id"] == made.json()["id"])
        assert change["new"]["article_id"] == "selbu-friday" and "Twenty-three" in change["new"]["excerpt"]
        assert "Six" in change["old"]["excerpt"] and change["why"].startswith("a new article")

        atom = httpx.get(f"{server.url}/watches.atom")
        assert atom.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(atom.text)
        assert not feed.bozo and len(feed.entries) == len(_changes(server))
        entry = next(e for e in feed.entries if "Twenty-three" in e.summary)
        start = int(entry.link.split("start=")[1].split("&")[0])
        end = int(entry.link.split("end=")[1].split("&")[0])
        assert "article=friday.jsonl" in entry.link or "article=selbu-friday" in entry.link
        text = httpx.get(f"{server.url}/api/articles/selbu-friday").json()["text"]
        assert "Twenty-three" in text[start:end]  # the link points at the cited span

        runner = CliRunner()  # the command line hands its work to the running server
        listed = runner.invoke(main, ["watch", "list", "--json", "--index-dir", str(server.index_dir)])
        assert listed.exit_code == 0, listed.output
        assert {w["id"] for w in json.loads(listed.output)} >= {made.json()["id"]}
        shown = runner.invoke(main, ["watch", "changes", "--unread", "--index-dir", str(server.index_dir)])
        assert shown.exit_code == 0 and "Twenty-three" in shown.output and "a new article" in shown.output
        assert _changes(server, unread="true") == []  # shown, so read
    finally:
        stop_server(server)
    restarted = start_server(tmp_path)  # watches and changes persist beside the index
    try:
        watches = httpx.get(f"{restarted.url}/api/watches").json()["watches"]
        assert made.json()["id"] in {w["id"] for w in watches}
        assert any("Twenty-three" in c["new"]["excerpt"] for c in _changes(restarted))
    finally:
        stop_server(restarted)
