"""PDF files: the text layer with its page starts, mended line-end hyphens, running headers and
footers dropped, scans and damaged files."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from index.formats.pdf import NO_TEXT, join_pages
from index.formats.pdf_margins import drop_margins, page_number
from index.reindex import Reindexer
from index.sentences import sentences
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


def _encrypted(source: Path, target: Path, user_password: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(source))
    writer.encrypt(user_password, owner_password="owner-secret", algorithm="RC4-128")
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        writer.write(out)
    return target


def test_a_password_protected_pdf_says_to_save_an_unprotected_copy(tmp_path: Path) -> None:
    plain = council_pdf(tmp_path / "plain.pdf")
    locked = _encrypted(plain, tmp_path / "locked" / "court-papers.pdf", user_password="letmein")
    plain.unlink()
    result = read(locked)
    assert result.articles == ()
    [problem] = result.problems
    assert problem.level == "error" and "password" in problem.message and "unprotected copy" in problem.message


def test_a_pdf_encrypted_only_against_editing_is_read_like_any_other(tmp_path: Path) -> None:
    plain = council_pdf(tmp_path / "plain.pdf")
    expected = read(plain).articles[0].text
    locked = _encrypted(plain, tmp_path / "locked" / "press-release.pdf", user_password="")
    [article] = read(locked).articles
    assert article.text == expected and "develop" in article.text


def test_a_word_broken_across_a_page_break_is_mended_on_the_page_it_starts() -> None:
    text, pages = join_pages(["The plan for develop-", "ment was approved.", "", "Last page."])
    assert text == "The plan for development was approved.\n\nLast page."
    assert pages == (0, text.index("was"), text.index("Last"), text.index("Last"))


@pytest.mark.parametrize(
    ("texts", "joined"),
    [
        (["Costs rose to", "26.2 million euros."], "Costs rose to 26.2 million euros."),
        (["The board, it said,", "will meet."], "The board, it said, will meet."),
        (["The board met.", "it was late."], "The board met.\n\nit was late."),
        (["The board met with", "Anna Berg."], "The board met with\n\nAnna Berg."),
        (["A broken Brun-", "Mouth is a name."], "A broken Brun-\n\nMouth is a name."),
    ],
    ids=["open-sentence-then-digit", "open-sentence-then-lower-case", "closed-sentence", "capital", "hyphen-capital"],
)
def test_a_page_going_on_with_an_open_sentence_is_joined_by_a_space(texts: list[str], joined: str) -> None:
    text, pages = join_pages(texts)
    assert text == joined and text[pages[1] :] == texts[1]


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


def indexed(tmp_path: Path, make: Callable[[Path], Path], name: str) -> str:
    """A corpus holding the one PDF ``make`` writes as ``name``, indexed through the CLI: its index folder."""
    corpus, index_dir = tmp_path / "corpus", str(tmp_path / "ix")
    corpus.mkdir()
    make(corpus / name)
    code, _, err = run("index", str(corpus), "--index-dir", index_dir)
    assert code == 0, err
    return index_dir


def test_an_answer_quotes_the_right_sentence_with_its_page_and_show_gives_that_slice(tmp_path: Path) -> None:
    index_dir = indexed(tmp_path, council_pdf, "council.pdf")
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


HEADER = "Harbour Authority Annual Report 2025"
REPORT = [
    [
        "Cargo volumes at the harbour rose by six percent in",
        "2025, the authority said in its annual report to the",
        "council. Container traffic grew fastest, driven by",
        "two new scheduled services to the southern ports.",
    ],
    [
        "Passenger numbers recovered almost completely, and",
        "the ferries carried 1.1 million people in the year.",
        "The board said that the new ferry terminal on the",
        "eastern quay would open to passengers in Sep-",
    ],
    [
        "tember 2027 if the environmental permit is granted.",
        "Operating revenue amounted to 31.7 million euros,",
        "and the authority invested 9.8 million euros in the",
        "renewal of its quay structures and its electrics.",
    ],
    [
        "The number of employees remained stable at 212, and",
        "the board proposes that no dividend be paid to the",
        "municipality for the financial year.",
    ],
]
TERMINAL = (
    "The board said that the new ferry terminal on the eastern quay would open to passengers in September 2027 "
    "if the environmental permit is granted."
)


def report_pdf(path: Path, pages: list[list[str]] = REPORT, header: str = HEADER) -> Path:
    """A report with a running header and "Page n of N" footers, drawn before and after each page's body."""
    drawn = [
        Page(column([header], 50, top=810) + column(body, 50) + column([f"Page {n} of {len(pages)}"], 270, top=40))
        for n, body in enumerate(pages, start=1)
    ]
    return write_pdf(path, drawn, created="D:20250301090000Z")


def test_running_headers_and_footers_are_dropped_and_a_sentence_across_pages_is_whole(tmp_path: Path) -> None:
    [article] = read(report_pdf(tmp_path / "report.pdf")).articles
    assert "Harbour Authority" not in article.text and "Page" not in article.text
    assert article.title.startswith("Cargo volumes at the harbour")
    assert TERMINAL in [article.text[a:b] for a, b in sentences(article.text)]
    firsts = ("Cargo volumes", "Passenger numbers", "2027 if the", "The number of employees")
    assert article.pages == tuple(article.text.index(first) for first in firsts)
    assert [article.page_at(article.text.index(w)) for w in ("September", "Operating", "212")] == [2, 3, 4]


def test_the_sentence_across_a_page_break_is_answered_with_its_page_and_show_slices_it(tmp_path: Path) -> None:
    index_dir = indexed(tmp_path, report_pdf, "report.pdf")
    code, out, _ = run("show", "report.pdf", "--index-dir", index_dir, "--json")
    shown = json.loads(out)
    for question, excerpt, page in [
        ("When will the new ferry terminal on the eastern quay open?", TERMINAL, 2),
        ("How much was the operating revenue?", "Operating revenue amounted to 31.7 million euros", 3),
        ("What dividend does the board propose?", "the board proposes that no dividend be paid", 4),
    ]:
        code, out, _ = run("ask", question, "--index-dir", index_dir, "--json")
        [cited, *_] = json.loads(out)["citations"]
        assert (cited["article_id"], cited["page"]) == ("report.pdf", page)
        assert excerpt in cited["excerpt"] and "Harbour Authority" not in cited["excerpt"]
        assert shown["text"][cited["start"] : cited["end"]] == cited["excerpt"]


def test_one_and_two_page_pdfs_that_open_with_a_sentence_are_unchanged(tmp_path: Path) -> None:
    one = [Page(column(LEFT, 50))]
    two = [Page(column([SECOND[0], *LEFT[:2]], 50)), Page(column([SECOND[0], *RIGHT], 50))]
    [single] = read(write_pdf(tmp_path / "one.pdf", one)).articles
    assert single.text == " ".join(LEFT).replace("develop- ment", "development")
    [double] = read(write_pdf(tmp_path / "two.pdf", two)).articles
    assert double.text.count(SECOND[0]) == 2  # a line at the top of both pages of two is not dropped
    assert double.pages == (0, double.text.index(SECOND[0], 1))


def test_a_line_repeated_at_the_edge_of_only_one_page_stays_everywhere(tmp_path: Path) -> None:
    line = "The harbour master retired in March after forty years."
    pages = [[line, *REPORT[0]], [REPORT[1][0], line, *REPORT[1][1:]], [*REPORT[2][:2], line, *REPORT[2][2:]]]
    [article] = read(report_pdf(tmp_path / "repeat.pdf", pages)).articles
    assert article.text.count(line) == 3 and HEADER not in article.text


@pytest.mark.parametrize(
    ("pages", "kept"),
    [
        (
            ["Daily Courier — 12\nOne.", "Daily Courier — 13\nTwo.", "Daily Courier — 14\nThree."],
            ["One.", "Two.", "Three."],
        ),
        (["A.\nPage 1 of 2", "B.\nPage 2 of 2"], ["A.", "B."]),
        (["Head\nA.\n17", "Head\nB.\n18"], ["Head\nA.", "Head\nB."]),
        (["A.\n1"], ["A."]),
        (["A.\n2019"], ["A.\n2019"]),
        (["A.\n2019", "B.\n2024"], ["A.\n2019", "B.\n2024"]),
        (["Head\nA.", "Head\nB.", "Other\nC.", "Other\nD."], ["Head\nA.", "Head\nB.", "Other\nC.", "Other\nD."]),
        (["Head\nA.", "Head\nB.", "Head\nC.", "Other\nHead\nD."], ["A.", "B.", "C.", "Other\nHead\nD."]),
    ],
    ids=[
        "digits-replaced",
        "page-n-of-m",
        "numbers-in-order",
        "one-page-number",
        "a-year",
        "two-years",
        "half",
        "body",
    ],
)
def test_only_lines_at_the_edges_of_most_pages_and_page_numbers_are_dropped(pages: list[str], kept: list[str]) -> None:
    assert drop_margins(pages) == kept


@pytest.mark.parametrize(
    ("line", "number"),
    [("7", (7, False)), ("- 7 -", (7, False)), ("Page 7", (7, True)), ("page 7 of 9", (7, True)), ("7 / 9", (7, True))]
    + [("9 of 7", None), ("Page seven", None), ("In 7 days", None), ("12345", None)],
)
def test_a_page_number_line_says_its_number(line: str, number: tuple[int, bool] | None) -> None:
    assert page_number(line) == number


LINES = st.sampled_from(["Head 1", "Head 2", "Body text.", "Other line", "3", "Page 2 of 4", ""])


@given(st.lists(st.lists(LINES, max_size=6).map("\n".join), max_size=5))
def test_a_dropped_line_is_a_page_number_or_dropped_from_most_pages(pages: list[str]) -> None:
    cleaned = drop_margins(pages)
    assert len(cleaned) == len(pages)
    texts = sum(1 for page in pages if page.strip())
    dropped: dict[str, set[int]] = {}
    for p, (before, after) in enumerate(zip(pages, cleaned, strict=True)):
        rest = [line for line in after.splitlines() if line.strip()]
        for line in filter(str.strip, before.splitlines()):
            if rest and rest[0] == line:
                rest.pop(0)
            elif page_number(line) is None:
                dropped.setdefault(" ".join("#" if w.isdigit() else w for w in line.split()), set()).add(p)
        assert rest == []  # what is kept is the page's lines in order
    assert all(texts >= 3 and 2 * len(on) > texts and len(on) >= 2 for on in dropped.values())
