"""The doors of a launched server: the read token in front of every route and the page, the
catalog behind the admin token, and each client's fair share of the catalog's snapshot sessions."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner
from gradio_client import Client

from index.catalog_sessions import MAX_SESSIONS
from index.errors import CatalogSessionError
from index.remote_catalog import RemoteCatalog
from tests.e2e.conftest import TOKEN, Server, start_server, stop_server
from ui.cli import main
from ui.gate import COOKIE, cookie_value

pytestmark = pytest.mark.e2e
READ = "test-read-token"
ARTICLE = "000_c355127225fa61d9.txt"
QUESTION = "Who did Blinken meet in Ramallah?"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("doors"), "--read-token", READ)  # and the admin token
    yield running
    stop_server(running)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def routes(server: Server) -> list[tuple[str, str]]:
    """Every route the API documents (method, path with the article id filled in)."""
    spec = httpx.get(f"{server.url}/openapi.json", headers=bearer(READ)).json()
    return sorted(
        (method.upper(), path.replace("{article_id}", ARTICLE))
        for path, methods in spec["paths"].items()
        for method in methods
    )


def test_without_the_read_token_every_route_and_the_page_are_refused(guarded: Server) -> None:
    found = routes(guarded)
    assert ("POST", "/api/ask") in found and ("POST", "/api/catalog/call") in found and len(found) > 10
    gradio = [("GET", "/config"), ("GET", "/gradio_api/info"), ("POST", "/gradio_api/queue/join"), ("GET", "/docs")]
    let_in = set()
    for method, path in [*found, *gradio]:
        for n, headers in enumerate(({}, bearer("wrong"), {"Cookie": f"{COOKIE}=forged"})):
            if httpx.request(method, guarded.url + path, headers=headers, timeout=30).status_code != 401:
                let_in.add((method, path, n))
    assert let_in == {("GET", "/healthz", n) for n in range(3)}  # liveness probes carry no token
    detail = httpx.get(f"{guarded.url}/api/status").json()["detail"]
    assert "Authorization: Bearer <token>" in detail and "--read-token" in detail
    page = httpx.get(guarded.url, headers={"Accept": "text/html"})
    assert page.status_code == 401 and 'name="token"' in page.text and "vb-login" in page.text
    assert READ not in page.text and "gradio" not in page.text.lower()


def test_with_the_read_token_every_read_works(guarded: Server) -> None:
    for token in (READ, TOKEN):  # the admin token opens the gate too
        headers = bearer(token)
        answer = httpx.post(f"{guarded.url}/api/ask", json={"question": QUESTION}, headers=headers, timeout=60)
        assert answer.status_code == 200 and "Mahmoud Abbas" in answer.json()["citations"][0]["excerpt"]
        for path in ("/api/articles", f"/api/articles/{ARTICLE}", "/api/status", "/api/feeds", "/docs", "/config"):
            assert httpx.get(guarded.url + path, headers=headers, timeout=30).status_code == 200, path
        assert httpx.post(f"{guarded.url}/api/catalog/stats", headers=headers).json()["articles"] == 2
    assert httpx.get(f"{guarded.url}/api/status", headers=bearer(READ)).json()["read_token_required"] is True
    # the read token is not the admin token: changes still need that one
    assert httpx.post(f"{guarded.url}/api/reindex", headers=bearer(READ), timeout=60).status_code == 401
    ok = httpx.post(f"{guarded.url}/api/reindex", headers=bearer(TOKEN), params={"dry_run": True}, timeout=60)
    assert ok.status_code == 200


def test_the_page_asks_for_the_token_once_and_its_own_calls_then_work(guarded: Server) -> None:
    with httpx.Client(base_url=guarded.url, timeout=60) as browser:
        wrong = browser.post("/login", data={"token": "wrong", "next": "/"})
        assert wrong.status_code == 401 and "not this server's read token" in wrong.text
        assert COOKIE not in browser.cookies
        signed = browser.post("/login", data={"token": READ, "next": "/"}, follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == "/"
        assert browser.cookies[COOKIE] == cookie_value(READ) != READ  # the browser never keeps the token
        assert "httponly" in signed.headers["set-cookie"].lower()
        page = browser.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "vb-login" not in page.text and "gradio" in page.text.lower()
        assert browser.get("/api/status").status_code == 200
        away = browser.post("/login", data={"token": READ, "next": "//elsewhere.example/"}, follow_redirects=False)
        assert away.headers["location"] == "/"  # never sent off this server
    # the page's own calls (queue, events) pass with the cookie, and only with it or the token
    cookie = {"Cookie": f"{COOKIE}={cookie_value(READ)}"}
    for headers in (cookie, bearer(READ)):
        answer = Client(guarded.url, headers=headers, verbose=False).predict(QUESTION, [], api_name="/ask")
        assert answer["answered"] and "Mahmoud Abbas" in answer["citations"][0]["excerpt"]
    with pytest.raises(Exception):  # noqa: B017 - gradio_client's own error for the 401 of its first call
        Client(guarded.url, verbose=False)


def test_the_command_line_passes_the_read_token_to_the_server(guarded: Server) -> None:
    runner = CliRunner()
    index_dir = ["--index-dir", str(guarded.index_dir)]
    refused = runner.invoke(main, ["ask", QUESTION, *index_dir, "--json"])
    assert refused.exit_code == 2 and "needs its read token: pass --read-token" in refused.stderr
    asked = runner.invoke(main, ["ask", QUESTION, *index_dir, "--json", "--read-token", READ])
    assert asked.exit_code == 0 and "Mahmoud Abbas" in json.loads(asked.stdout)["citations"][0]["excerpt"]
    status = runner.invoke(main, ["status", *index_dir], env={"VERBATIM_READ_TOKEN": READ})
    assert status.exit_code == 0 and f"served by {guarded.url}" in status.stdout


def test_the_catalog_needs_a_token_and_reads_through_it(guarded: Server) -> None:
    body = {"method": "passage_count", "args": {}}
    for headers in ({}, bearer("wrong")):
        assert httpx.post(f"{guarded.url}/api/catalog/call", json=body, headers=headers).status_code == 401
    for token, says in ((None, "needed"), ("wrong", "was refused")):
        refused = RemoteCatalog(guarded.url, token=token)
        with pytest.raises(CatalogSessionError, match=f"{says}; pass it with --catalog-token"):
            refused.stats()
        refused.close()
    for token in (TOKEN, READ):
        remote = RemoteCatalog(guarded.url, token=token)
        try:
            with remote.snapshot() as view:
                assert view.article_exists(ARTICLE) and view.passage_count() > 2
            assert remote.stats().articles == 2
        finally:
            remote.close()


def test_one_client_holds_at_most_its_share_of_snapshot_sessions(guarded: Server) -> None:
    call = f"{guarded.url}/api/catalog/call"
    body = {"method": "passage_count", "args": {}}
    held: list[str] = []
    with httpx.Client(headers=bearer(TOKEN), timeout=30) as client:
        try:
            while len(held) < MAX_SESSIONS:
                response = client.post(call, json=body)
                if response.status_code != 200:
                    break
                held.append(response.json()["session"])
            assert len(held) == MAX_SESSIONS // 4  # the rest stay for other apps
            assert response.status_code == 429 and response.headers["Retry-After"]
            detail = response.json()["detail"]
            assert f"its share of the {MAX_SESSIONS}" in detail and "/api/catalog/close" in detail
            # the client's own sessions keep working, and a closed one makes room again
            assert client.post(call, json={**body, "session": held[0]}).status_code == 200
            client.post(f"{guarded.url}/api/catalog/close", json={"session": held.pop()})
            again = client.post(call, json=body)
            assert again.status_code == 200
            held.append(again.json()["session"])
        finally:
            for session in held:
                client.post(f"{guarded.url}/api/catalog/close", json={"session": session})
