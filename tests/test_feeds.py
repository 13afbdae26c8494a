"""Feeds and pages from a local site, through the service the server uses: real Chroma, the real model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fetch.fetching import FetchSettings
from fetch.webcorpus import UnknownFeedError
from tests.conftest import LiveFactory
from tests.invariants import assert_consistent, corpus_articles
from tests.site import Route, Site, article, atom, rss
from ui.service import Service

HARBOUR = [
    "The city council approved the harbour repair plan on Tuesday after a long debate.",
    "The repairs will cost 4 million dollars and start in March, the mayor said.",
    "Fishermen welcomed the decision but asked for the work to avoid the spring season.",
]
CORRECTED = "The repairs will cost 6 million dollars and start in May, the mayor said."
COUNCIL = [
    "The council also voted to extend the opening hours of the central library to ten in the evening.",
    "Librarians had asked for the change for three years, citing long queues after work.",
]
BOILERPLATE = ("Subscribe now", "Copyright", "Most read", "Privacy policy", "Sport")


@pytest.fixture
def service(make_live: LiveFactory, tmp_path: Path) -> Iterator[Service]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = FetchSettings(trusted_addresses=frozenset({"127.0.0.1"}), timeout=1.0, host_delay=0.0)
    running = Service(make_live(), corpus, fetch_settings=settings)
    yield running
    running.close()


def urls(report: dict[str, Any], key: str) -> list[str]:
    return [entry["url"] for entry in report[key]]


def gazette(site: Site) -> tuple[str, str, str]:
    """A feed of two articles; the first names a canonical URL."""
    harbour = site.page(
        "/2024/03/harbour.html",
        article("Harbour repairs approved", HARBOUR, date="2024-03-05", canonical="https://gazette.example/harbour"),
    )
    council = site.page("/2024/03/library.html", article("Library opens later", COUNCIL, date="2024-03-06"))
    feed = site.feed("/news.rss", rss("Harbour Gazette", [{"title": "Harbour", "link": harbour},
                                                           {"title": "Library", "link": council}]))  # fmt: skip
    return feed, harbour, council


def test_a_feed_is_indexed_then_polled_politely_and_a_correction_replaces_the_old_text(
    service: Service, site: Site
) -> None:
    feed, harbour, council = gazette(site)
    first = service.add_urls([feed])
    assert (urls(first, "fetched"), first["failed"], first["problems"]) == ([feed, harbour, council], [], [])
    ids = [entry["article_id"] for entry in first["fetched"][1:]]
    assert sorted(first["added"]) == sorted(ids)
    assert ids[0].startswith("web/gazette.example/harbour-")
    assert ids[1].startswith(f"web/127.0.0.1_{site.port}/library-")
    shown = service.article(ids[0])
    assert (shown["title"], shown["date"]) == ("Harbour repairs approved", "2024-03-05")
    assert shown["source"] == "Harbour Gazette"
    assert shown["url"] == "https://gazette.example/harbour" and service.article(ids[1])["url"] == council
    assert shown["text"] == "\n\n".join(HARBOUR) and not any(b in shown["text"] for b in BOILERPLATE)
    answer = service.ask("How much will the harbour repairs cost?")
    assert answer.answered and answer.citations[0].url == "https://gazette.example/harbour"
    assert "4 million dollars" in answer.citations[0].excerpt

    quiet = service.poll()  # nothing changed: 304s, nothing re-read or re-embedded
    assert (quiet["added"], quiet["updated"], quiet["passages_embedded"]) == ([], [], 0)
    assert urls(quiet, "not_modified") == [feed, harbour, council] and quiet["fetched"] == []
    assert site.count("/news.rss", 304) == site.count("/2024/03/harbour.html", 304) == 1

    site.page("/2024/03/harbour.html", article("Harbour repairs approved", [HARBOUR[0], CORRECTED, HARBOUR[2]],
              date="2024-03-05", canonical="https://gazette.example/harbour"))  # fmt: skip
    ferry = ["The night ferry to the islands returns on Friday after a two-year pause, the operator announced."]
    late = site.page("/2024/03/ferry.html", article("Night ferry returns", ferry))
    items = [{"title": "Ferry", "link": late}, {"title": "Harbour", "link": harbour}]
    site.feed("/news.rss", rss("Harbour Gazette", items))
    changed = service.poll()
    assert (changed["updated"], changed["removed"], changed["failed"]) == ([ids[0]], [], [])
    assert len(changed["added"]) == 1 and urls(changed, "fetched") == [feed, late, harbour]
    assert ids[1] in changed["unchanged"]  # dropped out of the feed: still indexed
    answer = service.ask("How much will the harbour repairs cost?")
    assert "6 million dollars" in answer.citations[0].excerpt
    assert not any("4 million" in c.excerpt for c in answer.citations)
    assert "4 million" not in service.article(ids[0])["text"]
    assert [f["articles"] for f in service.feeds()] == [3]
    assert_consistent(service.live, corpus_articles(service.corpus))


def test_an_atom_feed_and_a_page_added_by_url(service: Service, site: Site) -> None:
    page = site.page("/library.html", article("Library opens later", COUNCIL))
    feed = site.feed("/atom.xml", atom("Gazette Atom", [("Library", page, "2024-03-06T10:00:00Z")]))
    report = service.add_urls([feed])
    assert urls(report, "fetched") == [feed, page] and report["failed"] == []
    assert service.feeds()[0]["title"] == "Gazette Atom"
    assert service.article(report["added"][0])["date"] == "2024-03-06"  # the page has none: the feed's
    direct = site.page("/ferry.html", article("Ferry", ["The night ferry returns on Friday after a long pause."]))
    added = service.add_urls([direct])
    assert urls(added, "fetched") == [direct] and len(added["added"]) == 1 and added["unchanged"] == report["added"]
    again = service.poll()
    assert urls(again, "not_modified") == [feed, page, direct]


def test_bad_input_is_reported_by_url_and_the_rest_of_the_feed_is_indexed(service: Service, site: Site) -> None:
    feed, harbour, _ = gazette(site)
    kept = service.add_urls([feed])["added"]
    bad = {
        "/gone.html": Route(b"gone", 404),
        "/broken.html": Route(b"oops", 500),
        "/slow.html": Route(b"<p>late</p>", delay=2.0),
        "/loop.html": Route(status=302, location="/loop.html"),
        "/huge.html": Route(stream_mb=50),
        "/empty.html": Route(b"<html><body><nav><a href='/'>Home</a></nav><footer>(c) 2024</footer></body></html>"),
        "/private.html": Route(status=302, location="http://10.0.0.7/admin"),
    }
    site.routes.update(bad)
    undated = site.page("/undated.html", article("Tram line", ["The new tram line opens to passengers next week."]))
    items = [{"title": "Harbour", "link": harbour}, {"title": "No link here"},
             {"title": "Tram", "link": undated, "pubDate": "the day after tomorrow"},
             *({"title": path, "link": site.url + path} for path in bad)]  # fmt: skip
    site.feed("/news.rss", rss("Harbour Gazette", items))
    report = service.poll()
    reasons = {entry["url"]: entry["reason"] for entry in report["failed"]}
    assert reasons == {
        feed: "entry “No link here” has no link; nothing to fetch for it",
        site.url + "/gone.html": "HTTP 404 Not Found",
        site.url + "/broken.html": "HTTP 500 Internal Server Error",
        site.url + "/slow.html": "timed out after 1 s",
        site.url + "/loop.html": f"redirect loop: {site.url}/loop.html -> {site.url}/loop.html",
        site.url + "/huge.html": "is 50.0 MB, over the 10 MB limit",
        site.url + "/empty.html": "no article text found in this HTML page (only “Home”); is it an article?",
        site.url + "/private.html": "http://10.0.0.7/admin leads to 10.0.0.7, a private address: internal addresses "
        "are refused. To fetch from your own network, pass --allow-private-urls (or set VERBATIM_ALLOW_PRIVATE_URLS=1)",
    }
    assert [(p["path"], p["level"]) for p in report["problems"]] == [(undated, "warning")]
    assert "'the day after tomorrow' does not parse" in report["problems"][0]["message"]
    assert len(report["added"]) == 1 and sorted(report["unchanged"]) == sorted(kept) and report["removed"] == []
    assert service.article(report["added"][0])["date"] is None
    assert_consistent(service.live, corpus_articles(service.corpus))


def test_a_broken_feed_keeps_its_subscription_and_is_retried(service: Service, site: Site) -> None:
    feed, _, _ = gazette(site)
    kept = service.add_urls([feed])["added"]
    good = site.routes["/news.rss"]
    site.routes["/news.rss"] = Route(b"<<< this is { not xml", content_type="application/rss+xml")
    broken = service.poll()
    assert urls(broken, "failed") == [feed] and broken["failed"][0]["reason"].startswith("is not an RSS or Atom feed")
    assert sorted(broken["unchanged"]) == sorted(kept) and broken["removed"] == []
    listed = service.feeds()[0]
    assert str(listed["error"]).startswith("is not an RSS or Atom feed") and listed["articles"] == 2
    site.routes["/news.rss"] = Route(b"down", 500)
    assert service.poll()["failed"][0]["reason"] == "HTTP 500 Internal Server Error"
    site.routes["/news.rss"] = good
    fixed = service.poll()
    assert fixed["failed"] == [] and service.feeds()[0]["error"] is None


def test_adding_something_that_is_not_a_feed_subscribes_to_nothing(service: Service, site: Site) -> None:
    page = site.page("/library.html", article("Library opens later", COUNCIL))
    report = service.add_urls([page], "feed")
    reason = "is an HTML page, not an RSS or Atom feed; add it as an article page instead"
    assert report["failed"] == [{"url": page, "kind": "feed", "reason": reason}]
    assert service.feeds() == [] and report["added"] == []


def test_removing_a_feed_keeps_its_articles_unless_asked(service: Service, site: Site) -> None:
    feed, _, _ = gazette(site)
    ids = service.add_urls([feed])["added"]
    kept = service.remove_feed(feed)
    assert kept["unsubscribed"] == feed and kept["removed"] == [] and service.feeds() == []
    with pytest.raises(UnknownFeedError, match="no subscription to"):
        service.remove_feed(feed)
    service.add_urls([feed])
    service.delete(ids[0])  # the user deletes one article: a poll does not bring it back
    assert service.poll()["added"] == []
    gone = service.remove_feed(feed, delete_articles=True)
    assert gone["removed"] == [ids[1]] == gone["deleted"]
    assert service.articles() == []
    assert_consistent(service.live, corpus_articles(service.corpus))


def cli(*args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from ui.cli import main

    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_the_command_line_subscribes_lists_polls_adds_and_removes(site: Site, tmp_path: Path) -> None:
    feed, harbour, council = gazette(site)
    corpus, index_dir = tmp_path / "corpus", str(tmp_path / "ix")
    corpus.mkdir()
    where = ["--index-dir", index_dir, "--corpus", str(corpus)]
    code, _, err = cli("feeds", "add", feed, *where)
    assert code == 1 and "leads to 127.0.0.1, a loopback address" in err and "--allow-private-urls" in err
    assert not (corpus / "web").exists() or list((corpus / "web").rglob("*.txt")) == []
    code, out, err = cli("feeds", "add", feed, *where, "--allow-private-urls", "--json")
    report = json.loads(out)
    assert code == 0, err
    assert {"added", "updated", "unchanged", "removed", "passages_embedded", "passages_reused", "seconds",
            "problems", "fetched", "not_modified", "failed"} <= set(report)  # fmt: skip
    assert len(report["added"]) == 2 and urls(report, "fetched") == [feed, harbour, council]
    code, out, _ = cli("feeds", "list", "--index-dir", index_dir)  # the corpus: the one the index was built from
    assert code == 0 and "Harbour Gazette" in out and feed in out and "2 articles" in out
    code, out, _ = cli("feeds", "poll", *where, "--allow-private-urls", "--json")
    polled = json.loads(out)
    assert (code, polled["added"], polled["updated"], polled["fetched"]) == (0, [], [], [])
    direct = site.page("/ferry.html", article("Ferry", ["The night ferry returns on Friday after a long pause."]))
    code, out, err = cli("add", direct, site.url + "/nothing-here", *where, "--allow-private-urls")
    assert code == 1 and "added          1" in out and f"failed: {site.url}/nothing-here: HTTP 404 Not Found" in err
    code, out, _ = cli("feeds", "remove", feed, *where, "--delete-articles")
    assert code == 0 and "Unsubscribed from" in out and "deleted 2 articles" in out and "removed        2" in out
    code, out, _ = cli("feeds", "list", *where, "--json")
    assert json.loads(out) == {"feeds": []}
    code, out, err = cli("feeds", "remove", feed, *where)
    assert code == 2 and f"no subscription to {feed}" in err


def test_without_a_corpus_the_command_line_asks_for_one(tmp_path: Path) -> None:
    code, _, err = cli("feeds", "list", "--index-dir", str(tmp_path / "ix"))
    assert code == 2 and "Name it with --corpus" in err
