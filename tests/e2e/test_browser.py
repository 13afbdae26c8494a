"""The chat in a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import REPO
from tests.e2e.conftest import TOKEN, Server, start_server, stop_server
from tests.site import Site, article, rss
from tests.story import TOLL, story_with_copy

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-quic", "--no-first-run", "--disable-sync"]  # fmt: skip
OUTSIDE: dict[int, list[str]] = {}  # requests each page made beyond the server
HOSTILE = (
    "The <script>window.__pwned = 'script'</script> summit in Lima discussed trade tariffs at length. "
    "Delegates wrote <img src=x onerror=\"window.__pwned = 'img'\"> on the whiteboard during the talks.\n"
)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (make test installs it where it can: apt-get install chromium)")
    folder = tmp_path_factory.mktemp("web")
    shutil.copytree(REPO / "seeds", folder / "corpus")
    (folder / "corpus" / "lima.txt").write_text(HOSTILE, encoding="utf-8")
    running = start_server(folder, "--allow-private-urls")  # the feed test's site is on 127.0.0.1
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screenshots go to $VERBATIM_SCREENSHOT_DIR (docs/screenshots for the README), else a temp folder."""
    folder = Path(os.environ.get("VERBATIM_SCREENSHOT_DIR") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def new_page(browser: Browser, web: Server, width: int = 1280, height: int = 860) -> Page:
    """A page that records every request it makes beyond this server in ``OUTSIDE``."""
    page = browser.new_page(viewport={"width": width, "height": height})
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((web.url, "data:", "blob:")) else None)
    OUTSIDE[id(page)] = outside
    return page


def open_page(browser: Browser, web: Server, width: int = 1280, height: int = 860) -> Page:
    page = new_page(browser, web, width, height)
    page.goto(web.url)
    page.wait_for_selector(".vb-welcome")
    page.locator(".vb-pill").wait_for()  # the page has loaded: its header and its suggestions come together
    return page


def ask(page: Page, question: str) -> None:
    count = page.locator(".vb-turn").count()
    page.fill("#vb-question textarea", question)
    page.click("#vb-ask")
    page.locator(".vb-turn").nth(count).locator(".vb-a").wait_for(timeout=90_000)  # a loaded CI machine is slow
    # Gradio dims a pending output and fades it back in: wait until the answer is fully opaque
    page.wait_for_function(
        """n => { for (let e = document.querySelectorAll('.vb-turn')[n]; e; e = e.parentElement)
                    if (getComputedStyle(e).opacity !== '1') return false;
                  return true; }""",
        arg=count,
    )


def column(page: Page) -> tuple[float, float, float]:
    """Where the header sits: x, y and width (the same on every tab and in every state)."""
    box = page.locator("#vb-header-host").bounding_box()
    assert box is not None
    return round(box["x"]), round(box["y"]), round(box["width"])


def in_view(page: Page, selector: str, height: int = 860) -> bool:
    box = page.locator(selector).last.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


def test_ask_see_the_excerpt_and_open_the_article_at_the_highlight(browser: Browser, web: Server, shots: Path) -> None:
    page = open_page(browser, web)
    page.locator("#vb-examples button").first.wait_for()  # the seeds support suggestions, each answered
    layout = column(page)
    page.screenshot(path=str(shots / "welcome.png"))
    ask(page, "Who did Blinken meet in Ramallah?")
    answer = page.locator(".vb-answered").last
    assert (
        "Blinken recently met with Palestinian President Mahmoud Abbas"
        in answer.locator(".vb-quote").first.inner_text()
    )
    assert answer.locator("mark.vb-short").first.inner_text() == "Mahmoud Abbas"
    x, _, width = column(page)  # the page may scroll to the new answer's top (a source shows its whole passage)
    assert (x, width) == (layout[0], layout[2])
    page.screenshot(path=str(shots / "answer.png"))
    ask(page, "And in Turkey?")
    assert "Erdogan" in page.locator(".vb-answered").last.inner_text()
    assert in_view(page, ".vb-turn") and in_view(page, "#vb-question textarea")  # new answer's top and the input
    page.screenshot(path=str(shots / "followup.png"))
    ask(page, "What did Netanyahu reject?")
    quotes = page.locator(".vb-answered").last.locator(".vb-quote").all_inner_texts()
    assert any("“full force.” [" in q for q in quotes) and not any("””" in q for q in quotes)
    page.locator(".vb-answered").last.locator(".vb-source").first.click()
    cited = page.locator("#vb-cited-span")
    cited.wait_for()
    page.keyboard.press("Escape")
    ask(page, "Who did Blinken meet in Ramallah?")
    page.locator(".vb-answered").last.locator(".vb-source").first.click()
    cited.wait_for()
    assert cited.inner_text().startswith("Blinken recently met with Palestinian President Mahmoud Abbas in Ramallah")
    assert page.locator("#vb-drawer mark.vb-short").inner_text() == "Mahmoud Abbas"
    box = cited.bounding_box()
    assert box is not None and 0 <= box["y"] < 860  # scrolled into view
    page.wait_for_timeout(300)  # the drawer slides in
    assert close_button_offset(page) <= 1.5
    page.screenshot(path=str(shots / "article.png"))
    page.keyboard.press("Escape")
    ask(page, "How do I bake sourdough bread at home?")
    assert page.locator(".vb-refused").last.inner_text().startswith("The indexed articles don't answer this.")
    assert page.locator(".vb-refused").last.locator(".vb-closest .vb-source").count() >= 1
    page.screenshot(path=str(shots / "refusal.png"))
    assert OUTSIDE[id(page)] == []  # the page never reaches beyond this server
    page.close()


def close_button_offset(page: Page) -> float:
    """How far the × glyph's centre is from its button's centre, in pixels."""
    return float(
        page.evaluate(
            """() => { const b = document.querySelector('#vb-drawer .vb-close');
                       const r = document.createRange(); r.selectNodeContents(b);
                       const g = r.getBoundingClientRect(), o = b.getBoundingClientRect();
                       return Math.max(Math.abs((g.left + g.right - o.left - o.right) / 2),
                                       Math.abs((g.top + g.bottom - o.top - o.bottom) / 2)); }"""
        )
    )


def test_articles_and_index_tabs_keep_the_layout(browser: Browser, web: Server, shots: Path) -> None:
    page = open_page(browser, web)
    layout = column(page)
    page.get_by_role("tab", name="Articles").click()
    page.locator(".vb-article-row").first.wait_for()
    assert column(page) == layout
    page.get_by_placeholder("Search titles, sources, ids and text…").fill("Erdogan")
    page.locator(".vb-snippet mark", has_text="Erdogan").first.wait_for()
    page.screenshot(path=str(shots / "articles.png"))
    page.get_by_role("tab", name="Index").click()
    page.locator(".vb-status table").wait_for()
    assert column(page) == layout
    borders = page.evaluate(
        """() => [...document.querySelectorAll('.vb-status table, .vb-status th, .vb-status td')]
                 .flatMap(e => { const s = getComputedStyle(e);
                   return ['Top', 'Right', 'Bottom', 'Left'].filter(k => s['border' + k + 'Width'] !== '0px')
                     .map(k => s['border' + k + 'Color']); })"""
    )
    assert borders and "rgb(0, 0, 0)" not in borders  # soft lines like the rest of the page
    page.screenshot(path=str(shots / "index.png"))
    page.close()


def test_article_text_with_markup_is_shown_as_text_and_never_run(browser: Browser, web: Server) -> None:
    page = open_page(browser, web)
    ask(page, "What did the summit in Lima discuss?")
    answer = page.locator(".vb-a").last
    assert "<script>window.__pwned = 'script'</script>" in answer.inner_text()
    answer.locator(".vb-source").first.click()
    page.locator("#vb-cited-span").wait_for()
    text = page.locator("#vb-article-text").inner_text()
    assert "<img src=x onerror=\"window.__pwned = 'img'\">" in text
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("#vb-drawer img, .vb-conversation img, .vb-conversation script").count() == 0
    page.close()


def test_reindex_from_the_page_while_questions_are_asked(browser: Browser, web: Server) -> None:
    errors: list[str] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            response = httpx.post(f"{web.url}/api/ask", json={"question": "What did Netanyahu reject?"}, timeout=30)
            if response.status_code != 200:
                errors.append(response.text[:200])

    path = web.corpus / "001_b0c10fa15994f385.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("traveled to Turkey", "flew on to Turkey"), encoding="utf-8"
    )
    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        page = open_page(browser, web)
        page.get_by_role("tab", name="Index").click()
        page.get_by_label("Admin token").fill(TOKEN)
        page.get_by_role("button", name="Reindex now").click()
        page.locator(".vb-message").filter(has_text="Reindexed").wait_for(timeout=120_000)
        assert "1 updated" in page.locator(".vb-message").inner_text()
    finally:
        stop.set()
        asker.join()
    assert errors == []
    page.get_by_role("tab", name="Ask").click()
    ask(page, "Where did Blinken fly on to after Abbas?")
    assert "flew on to Turkey" in page.locator(".vb-a").last.inner_text()
    page.close()


def test_phone_width_layout_has_no_sideways_scroll(browser: Browser, web: Server, shots: Path) -> None:
    page = open_page(browser, web, 390, 844)
    ask(page, "Which countries are aligning around Blinken's priorities?")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 391
    page.screenshot(path=str(shots / "phone.png"))
    page.locator(".vb-source").first.click()
    page.locator("#vb-cited-span").wait_for()
    drawer = page.locator("#vb-drawer").bounding_box()
    assert drawer is not None and drawer["width"] >= 389
    page.close()


def test_subscribe_to_a_feed_in_the_index_tab(browser: Browser, web: Server, site: Site) -> None:
    paragraphs = ["The night ferry to the islands returns on Friday after a two-year pause, the operator announced."]
    page_url = site.page("/ferry.html", article("Night ferry returns", paragraphs))
    title = "Island <b>News</b> <img src=x onerror=\"window.__pwned='feed'\">"
    feed = site.feed("/islands.rss", rss(title.replace("<", "&lt;"), [{"title": "Ferry", "link": page_url}]))
    page = open_page(browser, web)
    page.get_by_role("tab", name="Index").click()
    page.get_by_label("Admin token").fill(TOKEN)
    page.fill("#vb-url input", feed)
    page.click("#vb-add-url")
    page.locator(".vb-message").filter(has_text="Fetched 1 feed(s) and 1 page(s)").wait_for(timeout=120_000)
    assert "1 added" in page.locator(".vb-message").inner_text()
    row = page.locator(".vb-feeds tr").filter(has_text=feed)
    assert "Island <b>News</b>" in row.inner_text() and "ok" in row.locator(".vb-feed-state").inner_text()
    assert page.locator(".vb-feeds b, .vb-feeds img").count() == 0 and page.evaluate("() => window.__pwned") is None
    page.get_by_role("tab", name="Ask").click()
    ask(page, "When does the night ferry to the islands return?")
    assert "returns on Friday" in page.locator(".vb-a").last.inner_text()
    page.close()


def test_api_docs_render_offline_from_this_server(browser: Browser, web: Server, shots: Path) -> None:
    page = new_page(browser, web)
    page.goto(f"{web.url}/docs")
    page.locator(".opblock-summary-path", has_text="/api/ask").first.wait_for()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(shots / "docs.png"))
    assert OUTSIDE[id(page)] == []  # Swagger UI comes from this server, not a CDN
    assert httpx.get(f"{web.url}/redoc").status_code == 404  # ReDoc would fetch its logo from a CDN
    page.close()


def test_follow_a_story_timeline_copies_and_corrections_on_the_page(browser: Browser, web: Server, shots: Path) -> None:
    """A dated story (tests/data/story/), a syndicated copy of its newest report, then a correction."""
    text, friday, copy = story_with_copy()
    story = web.corpus / "story.jsonl"
    story.write_text(text, encoding="utf-8")
    reindex(web)
    page = open_page(browser, web)
    page.get_by_text("Filters", exact=True).first.click()
    page.fill("#vb-as-of textarea, #vb-as-of input", "2025-03-08")
    ask(page, TOLL)
    answer = page.locator(".vb-answered").last
    assert "seventeen" in answer.locator(".vb-quote").first.inner_text()
    titles = answer.locator(".vb-source .vb-title").all_inner_texts()
    assert sum(t in (friday["title"], copy["title"]) for t in titles) == 1  # one copy cited, never both
    also = answer.locator(".vb-also").first.inner_text()
    assert also.startswith("also published by") and ("Coast Times" in also or "Valley Courier" in also)
    timeline = answer.locator(".vb-timeline li")
    assert timeline.count() >= 1
    days = timeline.locator(".vb-when").all_inner_texts()
    assert days and all(d.endswith("Mar 2025") for d in days) and "7 Mar 2025" not in days
    answer.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "timeline.png"))
    story.write_text(
        story.read_text(encoding="utf-8").replace("Officials said seventeen people", "Officials said eighteen people"),
        encoding="utf-8",
    )
    reindex(web)
    ask(page, TOLL)
    answer = page.locator(".vb-answered").last
    assert "eighteen" in answer.locator(".vb-quote").first.inner_text()
    answer.locator(".vb-source").first.click()
    page.locator("#vb-cited-span").wait_for()
    changed = page.locator("#vb-drawer .vb-changed")
    assert changed.count() >= 1 and "eighteen" in " ".join(changed.all_inner_texts())
    page.wait_for_timeout(300)  # the drawer slides in
    page.screenshot(path=str(shots / "changes.png"))
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="Articles").click()
    page.get_by_placeholder("Search titles, sources, ids and text…").fill("Arnsby")
    row = page.locator(".vb-article-row", has_text=copy["title"])
    row.wait_for()
    assert "same text as" in row.inner_text()
    page.screenshot(path=str(shots / "copies.png"))
    assert OUTSIDE[id(page)] == []
    page.close()


def reindex(web: Server) -> None:
    response = httpx.post(f"{web.url}/api/reindex", headers=web.admin(), timeout=300)
    assert response.status_code == 200, response.text


def test_watch_a_question_from_its_answer_and_see_the_change(browser: Browser, web: Server, shots: Path) -> None:
    """Watch this question under an answer; a newer report arrives; the Watching tab shows the change."""
    import json
    import time

    from tests.stories import STORIES

    question = "How many people have been killed by the flooding in the Selbu delta?"
    records = {r["id"]: r for r in map(json.loads, (STORIES / "selbu-floods.jsonl").read_text().splitlines())}
    (web.corpus / "selbu.jsonl").write_text(json.dumps(records["selbu-monday"]) + "\n", encoding="utf-8")
    reindex(web)
    page = open_page(browser, web)
    ask(page, question)
    button = page.locator(".vb-turn").last.locator(".vb-watch")
    button.click()
    page.wait_for_function("b => b.classList.contains('vb-watching')", arg=button.element_handle())
    assert "Watching" in button.inner_text()
    (web.corpus / "selbu.jsonl").write_text(
        "".join(json.dumps(records[i]) + "\n" for i in ("selbu-monday", "selbu-wednesday")), encoding="utf-8"
    )
    reindex(web)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # asked again in the background after the reindex
        if httpx.get(f"{web.url}/api/watches/changes", params={"unread": "true"}).json()["count"]:
            break
        time.sleep(0.5)
    page.get_by_role("tab", name="Watching").click()
    card = page.locator(".vb-watch-card", has_text=question)
    card.wait_for()
    assert "1 new" in card.locator(".vb-unread").inner_text()
    change = card.locator(".vb-change").first
    assert "fourteen" in change.inner_text() and "a new article" in change.inner_text()
    change.locator(".vb-marker").first.click()  # opens the article at the new cited sentence
    page.locator("#vb-cited-span").wait_for()
    assert "fourteen" in page.locator("#vb-cited-span").inner_text()
    page.keyboard.press("Escape")
    page.screenshot(path=str(shots / "watching.png"))
    page.get_by_role("button", name="Mark all changes read").click()
    card.locator(".vb-unread").wait_for(state="detached")
    assert OUTSIDE[id(page)] == []
    page.close()
