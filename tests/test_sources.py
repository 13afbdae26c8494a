"""Reading every supported format, and every kind of bad input, into articles or problems."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

from index.article import Article, derive_title, make_article
from index.sources import ReadResult, SourceFile, discover, iter_source, read_source
from tests.conftest import SEEDS


def read(path: Path, root: Path | None = None, max_file_mb: float = 10.0) -> ReadResult:
    files, problems = discover([(path, root or path.parent)])
    assert problems == []
    assert len(files) == 1
    return read_source(files[0], max_file_mb)


def only_article(result: ReadResult) -> Article:
    assert len(result.articles) == 1, result.problems
    return result.articles[0]


def test_seed_of_15_november_parses_to_date_source_body_and_title() -> None:
    raw = (SEEDS / "000_c355127225fa61d9.txt").read_text(encoding="utf-8")
    result = read(SEEDS / "000_c355127225fa61d9.txt")
    assert result.problems == ()
    article = only_article(result)
    assert article.id == "000_c355127225fa61d9.txt"
    assert article.date == dt.date(2023, 11, 15)
    assert article.source == "AP News"
    assert article.text == raw[len(" date 2023-11-15 ") : raw.index("\n\nSources: AP News")]
    assert article.text.startswith("In the ongoing Israel-Hamas conflict")
    assert article.text.endswith("peace and stability in the region.")
    assert article.title == "In the ongoing Israel-Hamas conflict, U.S. Secretary of State Antony Blinken…"


def test_seed_of_10_november_parses_and_has_no_source_line() -> None:
    raw = (SEEDS / "001_b0c10fa15994f385.txt").read_text(encoding="utf-8")
    article = only_article(read(SEEDS / "001_b0c10fa15994f385.txt"))
    assert article.date == dt.date(2023, 11, 10)
    assert article.source is None  # this file has no closing Sources: line
    assert article.text == raw[len(" date 2023-11-10 ") :]
    assert article.title == "The US has taken a firm stance against a ceasefire in the ongoing conflict in Gaza"


def test_markdown_front_matter_gives_metadata_and_markup_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(
        "---\ntitle: Talks in Ankara\ndate: 2023-11-06\nsource: Reuters\nurl: https://example.org/a\n---\n"
        "# Ignored heading\n\nBlinken **met** [Erdogan](https://x.y) in *Ankara*.\n\n## Next\n\n- A list item\n",
        encoding="utf-8",
    )
    article = only_article(read(path))
    assert (article.title, article.date, article.source, article.url) == (
        "Talks in Ankara",
        dt.date(2023, 11, 6),
        "Reuters",
        "https://example.org/a",
    )
    assert article.text == "Blinken met Erdogan in Ankara.\n\nNext\n\n- A list item"


def test_markdown_heading_becomes_the_title_when_no_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("# Blinken in Tokyo\n\nThe G7 met in Tokyo.\n", encoding="utf-8")
    article = only_article(read(path))
    assert (article.title, article.text) == ("Blinken in Tokyo", "The G7 met in Tokyo.")


def test_html_main_text_and_title_are_extracted(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Blinken meets Abbas</title></head><body><nav>Home | World | Sports</nav>"
        "<article><h1>Blinken meets Abbas</h1><p>Secretary of State Antony Blinken met Palestinian "
        "President Mahmoud Abbas in Ramallah on Sunday to discuss the West Bank.</p><p>He then flew "
        "to Turkey for talks with President Recep Tayyip Erdogan about the war.</p></article>"
        "<footer>Copyright 2023</footer></body></html>",
        encoding="utf-8",
    )
    article = only_article(read(path))
    assert article.title == "Blinken meets Abbas"
    assert article.text.startswith("Secretary of State Antony Blinken met Palestinian")
    assert "\n\nHe then flew to Turkey" in article.text
    assert "Copyright" not in article.text and "Home | World" not in article.text


def test_jsonl_records_become_articles_with_their_own_ids(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    records = [
        {
            "id": "ap-1",
            "title": "One",
            "date": "2023-11-01",
            "source": "AP",
            "url": "https://a/1",
            "text": "First text.",
        },
        {"id": "ap-2", "text": "Second text. It has two sentences."},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    result = read(path)
    assert result.problems == ()
    assert [(a.id, a.title, a.date, a.source, a.text) for a in result.articles] == [
        ("ap-1", "One", dt.date(2023, 11, 1), "AP", "First text."),
        ("ap-2", "Second text", None, None, "Second text. It has two sentences."),
    ]


def test_checksum_changes_with_text_or_metadata_but_not_with_line_endings() -> None:
    base = make_article(id="a", text="Some text.\n\nMore.", title="T", date=dt.date(2023, 1, 2))
    assert (
        make_article(id="a", text="Some text.\r\n\r\nMore.\r\n", title="T", date=dt.date(2023, 1, 2)).checksum
        == base.checksum
    )
    assert (
        make_article(id="a", text="Some text.\n\nMore!", title="T", date=dt.date(2023, 1, 2)).checksum != base.checksum
    )
    assert (
        make_article(id="a", text="Some text.\n\nMore.", title="T2", date=dt.date(2023, 1, 2)).checksum != base.checksum
    )
    assert make_article(id="a", text="Some text.\n\nMore.", title="T", date=None).checksum != base.checksum


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Short opening. Then more.", "Short opening"),
        (
            "Blinken, who arrived on Friday after a long flight from Washington via Tel Aviv and Amman, met leaders.",
            "Blinken, who arrived on Friday after a long flight from Washington via Tel Aviv and Amman",
        ),
        (
            "A" * 5 + " very long sentence " * 10,
            "AAAAA very long sentence very long sentence very long sentence very long…",
        ),
    ],
    ids=["whole-sentence", "clause-break", "word-boundary"],
)
def test_derived_titles(text: str, title: str) -> None:
    assert derive_title(text) == title


# --- bad input: each case names the file, says what to do, and loses nothing else ----------


def problems_of(path: Path, max_file_mb: float = 10.0) -> list[tuple[str, str, int | None]]:
    result = read(path, max_file_mb=max_file_mb)
    return [(p.level, p.message, p.line) for p in result.problems]


def test_binary_file_is_refused_with_the_supported_types(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    [(level, message, _)] = problems_of(path)
    assert level == "error"
    assert "binary" in message and ".jsonl" in message


def test_empty_file_is_a_warning_and_not_indexed(tmp_path: Path) -> None:
    path = tmp_path / "empty.md"
    path.write_text("  \n\n", encoding="utf-8")
    assert problems_of(path) == [("warning", "is empty; add the article's text or remove the file", None)]


def test_non_utf8_file_is_decoded_with_a_fallback_and_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Café talks in Genève – “quoted”.".encode("cp1252"))
    result = read(path)
    assert only_article(result).text == "Café talks in Genève – “quoted”."
    [problem] = result.problems
    assert problem.level == "warning" and "not valid UTF-8" in problem.message and "UTF-8" in problem.message


def test_malformed_date_is_indexed_without_a_date_and_warned(tmp_path: Path) -> None:
    path = tmp_path / "bad-date.txt"
    path.write_text(" date 2023-13-45 Body of the article.", encoding="utf-8")
    result = read(path)
    article = only_article(result)
    assert (article.date, article.text) == (None, "Body of the article.")
    [problem] = result.problems
    assert problem.level == "warning" and "2023-13-45" in problem.message and "without a date" in problem.message


def test_invalid_jsonl_line_is_reported_with_its_number_and_the_rest_indexed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(
        '{"id": "a", "text": "Fine."}\n{"id": "b", "text": "broken\n{"id": "c", "text": "Also fine."}\n',
        encoding="utf-8",
    )
    result = read(path)
    assert [a.id for a in result.articles] == ["a", "c"]
    [problem] = result.problems
    assert (problem.line, problem.level) == (2, "error")
    assert "not valid JSON" in problem.message and str(path) in str(problem)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"text": "no id"}', 'has no "id"'),
        ('{"id": "x"}', 'has no "text"'),
        ('{"id": 5, "text": "t"}', '"id" must be a string'),
        ('["a list"]', "must be a JSON object"),
    ],
    ids=["no-id", "no-text", "id-not-string", "not-object"],
)
def test_jsonl_record_errors_say_what_is_missing(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    [(level, text, number)] = problems_of(path)
    assert (level, number) == ("error", 1) and message in text


def test_unreadable_file_is_reported_and_others_still_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text("Secret text.", encoding="utf-8")
    (tmp_path / "open.txt").write_text("Open text.", encoding="utf-8")
    if os.geteuid() == 0:  # root reads through permissions: inject the failure instead
        real = Path.read_bytes

        def read_bytes(self: Path) -> bytes:
            if self.name == "locked.txt":
                raise PermissionError(13, "Permission denied")
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    else:
        locked.chmod(0)
    files, _ = discover([(tmp_path, tmp_path)])
    results = {f.path.name: read_source(f) for f in files}
    assert only_article(results["open.txt"]).text == "Open text."
    [problem] = results["locked.txt"].problems
    assert "Permission denied" in problem.message and "chmod" in problem.message


def test_50_mb_file_is_refused_with_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.write(b"A sentence of filler text for the size test. " * (50 * 1024 * 1024 // 45 + 1))
    [(level, message, _)] = problems_of(path)
    assert level == "error"
    assert "50.0 MB" in message and "10 MB limit" in message and "--max-file-mb" in message


def test_50_mb_jsonl_is_streamed_and_its_oversized_line_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "small-1", "text": "A small article."}) + "\n")
        handle.write(json.dumps({"id": "huge", "text": "word " * (10 * 1024 * 1024)}) + "\n")
        handle.write(json.dumps({"id": "small-2", "text": "Another small article."}) + "\n")
    assert path.stat().st_size > 50 * 1024 * 1024
    result = read(path)
    assert [a.id for a in result.articles] == ["small-1", "small-2"]
    [problem] = result.problems
    assert problem.line == 2 and "over the 10 MB limit" in problem.message


def test_missing_path_and_unsupported_file_are_reported(tmp_path: Path) -> None:
    doc = tmp_path / "report.docx"
    doc.write_bytes(b"PK\x03\x04")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "skip.docx").write_bytes(b"PK")
    files, problems = discover([(tmp_path / "nope", tmp_path), (doc, tmp_path), (tmp_path / "folder", tmp_path)])
    assert files == []
    assert [(p.path, p.level) for p in problems] == [
        (str(tmp_path / "nope"), "error"),
        (str(doc), "warning"),
    ]
    assert "no such file" in problems[0].message and ".md" in problems[1].message


def test_folders_are_walked_recursively_and_ids_are_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.md").write_text("Deep text.", encoding="utf-8")
    (tmp_path / "top.txt").write_text("Top text.", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("Hidden.", encoding="utf-8")
    files, _ = discover([(tmp_path, tmp_path)])
    assert [f.rel for f in files] == ["a/b/deep.md", "top.txt"]
    assert all(isinstance(f, SourceFile) for f in files)
    assert [read_source(f).articles[0].id for f in files] == ["a/b/deep.md", "top.txt"]


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("big.jsonl", lambda i: json.dumps({"id": f"a{i}", "text": f"Article {i} says something. " * 20}) + "\n"),
        ("big.csv", lambda i: f'a{i},"Article {i} says something, at length. {"More words here. " * 20}"\n'),
    ],
    ids=["jsonl", "csv"],
)
def test_a_streamed_file_tells_how_many_of_its_bytes_are_read_after_each_article(
    tmp_path: Path, name: str, line: Any
) -> None:
    path = tmp_path / name
    head = "id,text\n" if name.endswith(".csv") else ""
    path.write_text(head + "".join(line(i) for i in range(3000)), encoding="utf-8")
    files, _ = discover([(path, tmp_path)])
    positions: list[int] = []
    articles = [a for a in iter_source(files[0], consumed=positions.append) if isinstance(a, Article)]
    size = path.stat().st_size
    assert len(articles) == len(positions) == 3000
    assert positions == sorted(positions) and 0 < positions[0] < size // 10 and positions[-1] == size
