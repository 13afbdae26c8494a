"""PDF files: the text layer with its page starts, mended line-end hyphens, scans and damaged files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from index.formats.pdf import NO_TEXT, join_pages
from index.reindex import Reindexer
from index.sources import ReadResult, discover, read_source
from tests.conftest import LiveFactory
from tests.pdfmaker import Page, column, write_pdf
from ui.cli import main

LEFT = [
    "The city council met on Tuesday to debate the",
    "new budget for the coming year. The develop-",
    "ment plan was approved after a long session.",
    "Members said the vote was close.",
]
RIGHT = [
    "In other news, the river rose by two metres",
    "overnight. Residents near the old mill were",
    "told to stay away from the banks.",
]
SECOND = [
    "The harbour bridge in Tallinn will reopen on",
    "14 March after repairs costing twelve million",
    "euros, the transport office said on Monday.",
]


def read(path: Path) -> ReadResult:
    [found], problems = discover([(path, path.parent)])
    assert problems == []
    return read_source(found)


def council_pdf(path: Path) -> Path:
    pages = [Page(column(LEFT, 50) + column(RIGHT, 310)), Page(column(SECOND, 50))]
    return write_pdf(path, pages, title="Council and harbour", created="D:20240205093000Z")


def test_two_columns_and_pages_become_one_text_with_page_starts_and_mended_words(tmp_path: Path) -> None:
    result = read(council_pdf(tmp_path / "council.pdf"))
    assert result.problems == ()
    [article] = result.articles
    first = (
        "The city council met on Tuesday to debate the new budget for the coming year. The development plan was "
        "approved after a long session. Members said the vote was close.\n\nIn other news, the river rose by two "
        "metres overnight. Residents near the old mill were told to stay away from the banks."
    )
    second = (
        "The harbour bridge in Tallinn will reopen on 14 March after repairs costing twelve million euros, "
        "the transport office said on Monday."
    )
    assert article.text == first + "\n\n" + second
    assert (article.id, article.title, article.date) == ("council.pdf", "Council and harbour", dt.date(2024, 2, 5))
    assert article.pages == (0, len(first) + 2)
    assert article.text[article.pages[1] :].startswith("The harbour bridge")
    assert [article.page_at(article.text.index(w)) for w in ("development", "river", "Tallinn")] == [1, 1, 2]


def test_a_scan_without_a_text_layer_says_to_run_ocr(tmp_path: Path) -> None:
    result = read(write_pdf(tmp_path / "scan.pdf", [Page(drawing=True), Page(drawing=True)]))
    assert result.articles == ()
    assert [(p.level, p.message) for p in result.problems] == [("error", NO_TEXT)]
    assert "ocrmypdf" in NO_TEXT


def test_a_scanned_page_among_text_pages_is_warned_and_the_page_numbers_stay_right(tmp_path: Path) -> None:
    pages = [Page(column(["Page one text."], 50)), Page(drawing=True), Page(column(["Page three text."], 50))]
    result = read(write_pdf(tmp_path / "mixed.pdf", pages))
    [article] = result.articles
    assert article.text == "Page one text.\n\nPage three text."
    assert article.page_at(article.text.index("three")) == 3
    [problem] = result.problems
    assert problem.level == "warning" and problem.message.startswith("page 2 has no text layer")


def test_a_damaged_pdf_is_reported_and_the_other_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ngarbage")
    council_pdf(tmp_path / "good.pdf")
    files, _ = discover([(tmp_path, tmp_path)])
    results = {f.path.name: read_source(f) for f in files}
    assert [a.id for a in results["good.pdf"].articles] == ["good.pdf"]
    [problem] = results["broken.pdf"].problems
    assert problem.level == "error" and "PDF" in problem.message and results["broken.pdf"].articles == ()


def test_a_word_broken_across_a_page_break_is_mended_on_the_page_it_starts() -> None:
    text, pages = join_pages(["The plan for develop-", "ment was approved.", "", "Last page."])
    assert text == "The plan for development\n\nwas approved.\n\nLast page."
    assert pages == (0, text.index("was"), text.index("Last"), text.index("Last"))


@given(st.lists(st.text(alphabet="ab .\n", max_size=30).map(lambda s: " ".join(s.split())), max_size=6))
def test_each_page_start_points_at_that_page_text(texts: list[str]) -> None:
    text, pages = join_pages(texts)
    assert len(pages) == len(texts)
    assert list(pages) == sorted(pages)
    for start, page in zip(pages, texts, strict=True):
        if page:
            assert text[start : start + len(page)] == page


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_an_answer_quotes_the_right_sentence_with_its_page_and_show_gives_that_slice(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", str(tmp_path / "ix")
    corpus.mkdir()
    council_pdf(corpus / "council.pdf")
    code, _, err = run("index", str(corpus), "--index-dir", index_dir)
    assert code == 0, err
    question = "When will the harbour bridge in Tallinn reopen?"
    code, out, _ = run("ask", question, "--index-dir", index_dir, "--json")
    answer = json.loads(out)
    cited = (answer["citations"] or answer["closest"])[0]
    assert (cited["article_id"], cited["page"]) == ("council.pdf", 2)
    assert cited["excerpt"].startswith("The harbour bridge in Tallinn will reopen on 14 March")
    code, out, _ = run("show", "council.pdf", "--index-dir", index_dir, "--json")
    shown = json.loads(out)
    assert shown["text"][cited["start"] : cited["end"]] == cited["excerpt"]
    assert shown["pages"] == [0, shown["text"].index("The harbour bridge")]
    code, out, _ = run("ask", question, "--index-dir", index_dir)
    assert f"council.pdf, p. 2, characters {cited['start']}-{cited['end']}" in out


def test_page_starts_survive_the_store_and_the_replica(tmp_path: Path, make_live: LiveFactory) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    expected = read(council_pdf(corpus / "council.pdf")).articles[0].pages
    live = make_live()
    Reindexer(live).run([corpus])
    [stored] = live.generation.articles(["council.pdf"])
    assert stored.article.pages == expected
    with live.reading() as snapshot:
        record = snapshot.article("council.pdf")
    assert record is not None and record.article.pages == expected
