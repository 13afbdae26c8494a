"""The fetcher against a local site on 127.0.0.1: safety, politeness and every bad answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from fetch.fetching import USER_AGENT, BlockedAddressError, Fetcher, FetchError, FetchSettings, blocked_reason
from tests.site import Route, Site

LOCAL = frozenset({"127.0.0.1"})  # the test site's own address, and no other


@pytest.fixture
def fetcher(request: pytest.FixtureRequest) -> Iterator[Fetcher]:
    """A fetcher trusting only the test site; a generous timeout (a loaded CI machine is slow),
    except for the case that tests the timeout itself."""
    timeout = 1.0 if "timeout" in request.node.name else 10.0
    client = Fetcher(FetchSettings(trusted_addresses=LOCAL, timeout=timeout, host_delay=0.0))
    yield client
    client.close()


def test_fetches_with_a_clear_user_agent_and_answers_304_when_unchanged(site: Site, fetcher: Fetcher) -> None:
    url = site.page("/a.html", "<p>hello</p>")
    first = fetcher.get(url)
    assert (first.status, first.body, first.url) == (200, b"<p>hello</p>", url)
    again = fetcher.get(url, first.etag, first.last_modified)
    assert again.status == 304 and again.body == b""
    page_hits = [h for h in site.hits if h.path == "/a.html"]
    assert [h.status for h in page_hits] == [200, 304]
    assert page_hits[0].headers["User-Agent"] == USER_AGENT
    assert page_hits[1].headers["If-None-Match"] == first.etag
    assert page_hits[1].headers["If-Modified-Since"] == first.last_modified


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (Route(b"gone", 404), "HTTP 404 Not Found"),
        (Route(b"oops", 500), "HTTP 500 Internal Server Error"),
        (Route(b"late", delay=2.5), "timed out after 1 s"),
        (Route(location="/bad", status=302), "redirect loop: "),
        (Route(stream_mb=50), "is 50.0 MB, over the 10 MB limit"),
        (Route(stream_mb=50, declare_length=False), "is over the 10 MB limit"),
    ],
    ids=["404", "500", "timeout", "redirect-loop", "50mb-declared", "50mb-undeclared"],
)
def test_each_bad_answer_is_a_fetch_error_with_its_reason(
    site: Site, fetcher: Fetcher, route: Route, reason: str
) -> None:
    site.routes["/bad"] = route
    with pytest.raises(FetchError) as caught:
        fetcher.get(site.url + "/bad")
    assert str(caught.value).startswith(reason)


def test_a_redirect_to_an_internal_address_is_refused_after_the_hop(site: Site, fetcher: Fetcher) -> None:
    site.routes["/story"] = Route(status=302, location="http://169.254.169.254/latest/meta-data/")
    with pytest.raises(BlockedAddressError) as caught:
        fetcher.get(site.url + "/story")
    assert str(caught.value) == (
        "http://169.254.169.254/latest/meta-data/ leads to 169.254.169.254, a link-local address: internal "
        "addresses are refused. To fetch from your own network, pass --allow-private-urls "
        "(or set VERBATIM_ALLOW_PRIVATE_URLS=1)"
    )
    assert site.count("/story") == 1


def test_internal_names_are_refused_by_their_dns_answer_unless_allowed(site: Site) -> None:
    site.page("/a.html", "<p>hello</p>")
    strict = Fetcher(FetchSettings(host_delay=0.0))
    with pytest.raises(BlockedAddressError, match=r"leads to 127\.0\.0\.1, a loopback address"):
        strict.get(f"http://localhost:{site.port}/a.html")  # the URL text names no address
    assert site.hits == []  # refused before connecting
    allowed = Fetcher(FetchSettings(allow_private=True, host_delay=0.0))
    assert allowed.get(f"http://localhost:{site.port}/a.html").body == b"<p>hello</p>"


@pytest.mark.parametrize(
    ("address", "kind"),
    [("10.1.2.3", "private"), ("192.168.0.1", "private"), ("::1", "loopback"), ("fe80::1", "link-local"),
     ("::ffff:127.0.0.1", "loopback"), ("100.64.0.1", "non-public"), ("0.0.0.0", "unspecified"),
     ("93.184.215.14", None)],
)  # fmt: skip
def test_internal_address_kinds(address: str, kind: str | None) -> None:
    assert blocked_reason(address) == kind


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x/", "http:///nohost"])
def test_only_http_and_https(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(FetchError, match="only http and https URLs can be fetched"):
        fetcher.get(url)


def test_robots_txt_is_honoured(site: Site, fetcher: Fetcher) -> None:
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.page("/private/a.html", "<p>secret</p>")
    site.page("/public/a.html", "<p>open</p>")
    with pytest.raises(FetchError, match=r"robots.txt does not allow VerbatimBot to fetch it"):
        fetcher.get(site.url + "/private/a.html")
    assert fetcher.get(site.url + "/public/a.html").body == b"<p>open</p>"
    assert site.count("/private/a.html") == 0 and site.count("/robots.txt") == 1


def test_one_request_at_a_time_per_host(site: Site) -> None:
    site.routes["/slow"] = Route(b"<p>slow</p>", delay=0.3)
    fetcher = Fetcher(FetchSettings(trusted_addresses=LOCAL, host_delay=0.2))
    fetcher.get(site.url + "/slow")  # robots.txt read, so the timing below is only the pages
    started = time.monotonic()
    threads = [threading.Thread(target=fetcher.get, args=(site.url + "/slow",)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started >= 3 * 0.3 + 2 * 0.2
