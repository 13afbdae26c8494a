"""Web archives: the newest capture of each archived HTML page, with its URL, date and id."""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from index.reindex import Reindexer
from index.sources import ReadResult, discover, read_source
from qa.answering import Answerer
from tests.conftest import LiveFactory

TOPICS = [
    "harbour", "railway", "library", "museum", "stadium", "hospital", "airport", "market", "tunnel", "theatre",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Capture:
    url: str
    when: str  # WARC-Date
    body: bytes
    status: str = "200 OK"
    content_type: str = "text/html; charset=utf-8"
    kind: str = "response"


def page(topic: str, edition: int, published: str | None) -> bytes:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    number = TOPICS.index(topic) + 2 if topic in TOPICS else 1
    paragraphs = (
        f"<p>Edition {edition}: the {topic} project in Riverton moved ahead this week, officials said.</p>"
        f"<p>Work on the {topic} costs {number * 3} million euros and will go on for {number} years.</p>"
        + (
            "<p>The tunnel under the Vistra river is paid for by a toll of two euros per car.</p>"
            if topic == "tunnel"
            else ""
        )
    )
    return (
        f"<html><head><title>The {topic} project</title>{meta}</head><body><nav>Home | News</nav>"
        f"<article><h1>The {topic} project</h1>{paragraphs}</article><footer>© Riverton Post</footer></body></html>"
    ).encode()


def write_warc(path: Path, captures: list[Capture]) -> Path:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=path.suffix == ".gz")
        for c in captures:
            headers = StatusAndHeaders(c.status, [("Content-Type", c.content_type)], protocol="HTTP/1.1")
            http = headers if c.kind in ("response", "revisit") else None
            record = writer.create_warc_record(
                c.url,
                c.kind,
                payload=io.BytesIO(c.body),
                length=len(c.body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": c.when},
            )  # fmt: skip (with its length: no temporary file left to the garbage collector)
            writer.write_record(record)
    return path


def archive(path: Path) -> tuple[Path, dict[str, tuple[int, dt.date]]]:
    """Ten pages captured 1 to 5 times each (30 captures, shuffled), and records that are no pages."""
    chance = random.Random(41)
    captures: list[Capture] = []
    newest: dict[str, tuple[int, dt.date]] = {}
    for i, topic in enumerate(TOPICS):
        url = f"https://riverton.example/news/{topic}-project"
        published = "2023-06-0" + str(i % 9 + 1) if i % 2 == 0 else None  # half the pages carry their own date
        days = chance.sample(range(1, 28), i % 5 + 1)
        for edition, day in enumerate(sorted(days), start=1):
            when = f"2024-03-{day:02d}T12:00:00Z"
            captures.append(Capture(url, when, page(topic, edition, published)))
        own = dt.date.fromisoformat(published) if published else dt.date(2024, 3, max(days))
        newest[url] = (len(days), own)
    chance.shuffle(captures)
    captures += [
        Capture("https://riverton.example/logo.png", "2024-03-02T00:00:00Z", b"\x89PNG", content_type="image/png"),
        Capture("https://riverton.example/gone", "2024-03-02T00:00:00Z", page("gone", 1, None), status="404 Not Found"),
        Capture(  # a request for a page: no capture of it
            "https://riverton.example/news/harbour-project",
            "2024-03-30T00:00:00Z",
            b"GET /news/harbour-project HTTP/1.1\r\nHost: riverton.example\r\n\r\n",
            kind="request",
        ),  # fmt: skip
    ]
    return write_warc(path, captures), newest


def read(path: Path) -> ReadResult:
    [found], problems = discover([(path, path.parent)])
    assert problems == []
    return read_source(found)


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_each_page_once_from_its_newest_capture_with_url_and_date(tmp_path: Path, name: str) -> None:
    path, newest = archive(tmp_path / name)
    result = read(path)
    assert result.problems == ()
    found = {a.url or "": a for a in result.articles}
    assert sorted(found) == sorted(newest)
    for url, (edition, date) in newest.items():
        article = found[url]
        assert article.id == f"{name}#{url}"
        assert article.text.startswith(f"Edition {edition}: the ")
        assert f"Edition {edition - 1}:" not in article.text
        assert article.date == date
        assert article.title == f"The {url.rsplit('/', 1)[1].split('-')[0]} project"


def test_a_damaged_archive_is_reported_and_a_page_less_one_warned(tmp_path: Path) -> None:
    (tmp_path / "bad.warc.gz").write_bytes(b"\x1f\x8b\x08\x00garbage that is no gzip stream")
    write_warc(
        tmp_path / "empty.warc",
        [Capture("https://x.example/a.png", "2024-01-01T00:00:00Z", b"x", "200 OK", "image/png")],
    )
    files, _ = discover([(tmp_path, tmp_path)])
    results = {f.path.name: read_source(f) for f in files}
    [bad] = results["bad.warc.gz"].problems
    assert bad.level == "error" and ("cannot be read as a WARC file" in bad.message or "no WARC record" in bad.message)
    [empty] = results["empty.warc"].problems
    assert empty.level == "warning" and "holds no archived HTML page" in empty.message


def test_an_archived_page_is_answered_from_and_a_newer_capture_updates_it(
    tmp_path: Path, make_live: LiveFactory
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    path, newest = archive(corpus / "crawl.warc.gz")
    live = make_live()
    report = Reindexer(live).run([corpus])
    assert len(report.added) == len(TOPICS) and report.problems == ()
    answer = Answerer(live).ask("How is the tunnel under the Vistra river paid for?")
    cited = (answer.citations or answer.closest)[0]
    assert cited.article_id == "crawl.warc.gz#https://riverton.example/news/tunnel-project"
    assert "toll of two euros" in cited.excerpt
    url = "https://riverton.example/news/tunnel-project"
    with path.open("ab") as out:  # a later crawl appended: one more capture of one page
        writer = WARCWriter(out, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        body = io.BytesIO(page("tunnel", 99, None))
        record = writer.create_warc_record(
            url, "response", payload=body, length=len(body.getvalue()), http_headers=http,
            warc_headers_dict={"WARC-Date": "2024-04-01T08:00:00Z"},
        )  # fmt: skip
        writer.write_record(record)
    report = Reindexer(live).run([corpus])
    assert report.updated == (f"crawl.warc.gz#{url}",) and report.added == () and report.removed == ()
    with live.reading() as snapshot:
        record = snapshot.article(f"crawl.warc.gz#{url}")
    assert record is not None and record.article.text.startswith("Edition 99:")
    assert record.article.date == dt.date(2024, 4, 1)
    assert newest[url][0] < 99
