"""CSV and TSV files: columns by their usual names or mapped, ids FILE#ID or FILE#LINE, bad rows."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from index.formats import parse_columns
from index.formats.csvfile import table_date
from index.reindex import Reindexer
from index.sources import ReadResult, SourceFile, discover, read_source
from index.uploads import UploadError
from tests.conftest import LiveFactory
from tests.invariants import assert_consistent, corpus_articles
from tests.test_crash import Zygote, zygote  # noqa: F401 - the fixture, shared with the crash tests
from ui.cli import main


def write_table(path: Path, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def read(path: Path, columns: str = "", max_file_mb: float = 10.0) -> ReadResult:
    [found], problems = discover([(path, path.parent)])
    assert problems == []
    source = SourceFile(found.path, found.root, found.kind, found.mtime_ns, found.size, parse_columns(columns))
    return read_source(source, max_file_mb)


def problems(result: ReadResult) -> list[tuple[str, int | None, str]]:
    return [(p.level, p.line, p.message) for p in result.problems]


def test_usual_column_names_in_any_case_give_the_fields_and_ids_from_the_id_column(tmp_path: Path) -> None:
    path = write_table(
        tmp_path / "news.csv",
        [
            ["ID", "Headline", "Published", "Outlet", "Link", "Body", "Section"],
            [
                "a1",
                "Bridge reopens",
                "2023-11-10",
                "Daily Post",
                "https://x.example/a1",
                "The bridge reopened.",
                "city",
            ],
            ["a2", "Rain", "Nov 11, 2023", "", "", "It rained all day.", "weather"],
        ],
    )
    result = read(path)
    assert result.problems == ()
    first, second = result.articles
    assert (first.id, first.title, first.date, first.source, first.url, first.text) == (
        "news.csv#a1", "Bridge reopens", dt.date(2023, 11, 10), "Daily Post", "https://x.example/a1",
        "The bridge reopened.",
    )  # fmt: skip
    assert (second.id, second.date, second.source, second.url) == ("news.csv#a2", dt.date(2023, 11, 11), None, None)


def test_without_an_id_column_a_row_is_named_by_the_line_it_starts_on(tmp_path: Path) -> None:
    path = write_table(
        tmp_path / "t.csv",
        [["title", "text"], ["One", "First line\nsecond line of the same field."], ["Two", "Another row."]],
    )
    result = read(path)
    assert [(a.id, a.title) for a in result.articles] == [("t.csv#2", "One"), ("t.csv#4", "Two")]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["x1", "Title", "2023-11-10", ""], "has no text in column 'text'"),
        (["x1", "Title", "10/11/2023", "Some text."], "its date '10/11/2023' (column 'date') is not a date like"),
        (["x1", "Title", "Some text."], "has 3 fields where the header has 4"),
        (["", "Title", "2023-11-10", "Some text."], "has no id in column 'id'"),
    ],
    ids=["no-text", "ambiguous-date", "missing-field", "no-id"],
)
def test_a_bad_row_is_reported_with_its_line_and_reason_and_the_rest_read(
    tmp_path: Path, row: list[str], reason: str
) -> None:
    rows = [["id", "title", "date", "text"], ["ok1", "A", "2023-11-09", "Good text."], row, ["ok2", "B", "", "More."]]
    result = read(write_table(tmp_path / "t.csv", rows))
    assert [a.id for a in result.articles] == ["t.csv#ok1", "t.csv#ok2"]
    [(level, line, message)] = problems(result)
    assert (level, line) == ("error", 3) and message.startswith(reason)


def test_a_duplicate_id_is_an_error_and_the_first_row_is_kept(tmp_path: Path) -> None:
    rows = [["id", "text"], ["7", "First."], ["7", "Second."]]
    result = read(write_table(tmp_path / "t.csv", rows))
    assert [a.text for a in result.articles] == ["First."]
    assert problems(result) == [("error", 3, "id 't.csv#7' is also on line 2; ids must be unique")]


def test_columns_mapped_by_the_user_win_over_the_usual_names(tmp_path: Path) -> None:
    rows = [["ref", "story", "text", "day"], ["k9", "The story itself.", "a teaser", "2024-01-02"]]
    [article] = read(write_table(tmp_path / "t.csv", rows), "id=ref,text=Story,date=DAY").articles
    assert (article.id, article.text, article.date) == ("t.csv#k9", "The story itself.", dt.date(2024, 1, 2))


def test_a_cms_export_with_spaced_and_other_usual_names_needs_no_mapping(tmp_path: Path) -> None:
    table = tmp_path / "export.csv"
    table.write_text(
        "Article ID;Headline;Story;Date Published;Publisher\n"
        'A-7;Dam opens;"The new dam on the Ulla river opened on Friday; it holds 40 million cubic metres.";'
        "2025-03-07;Valley Post\n",
        encoding="utf-8",
    )
    [article] = read(table).articles
    assert (article.id, article.title, article.date, article.source) == (
        "export.csv#A-7",
        "Dam opens",
        dt.date(2025, 3, 7),
        "Valley Post",
    )
    assert article.text.startswith("The new dam on the Ulla river opened on Friday; it holds")


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            "",
            "has no text column (its columns are 'ref', 'words'); name one 'text', 'body', 'content' or 'story', "
            "or map yours with --columns text=NAME",
        ),
        ("text=body", "has no column 'body' (from --columns text=body); its columns are 'ref', 'words'"),
    ],
    ids=["no-text-column", "mapped-column-missing"],
)
def test_a_table_without_its_text_column_says_how_to_map_it(tmp_path: Path, columns: str, message: str) -> None:
    result = read(write_table(tmp_path / "t.csv", [["ref", "words"], ["1", "Text."]]), columns)
    assert result.articles == ()
    assert problems(result) == [("error", None, message)]


@pytest.mark.parametrize(
    ("spec", "message"),
    [("text", "is not FIELD=COLUMN"), ("body=text", "'body' is not a field")],
    ids=["no-equals", "unknown-field"],
)
def test_a_wrong_columns_option_says_what_to_write(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_columns(spec)


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2023-11-10", dt.date(2023, 11, 10)),
        ("2023-11-10T08:30:00Z", dt.date(2023, 11, 10)),
        ("2023/11/10", dt.date(2023, 11, 10)),
        ("10 November 2023", dt.date(2023, 11, 10)),
        ("Nov 10, 2023", dt.date(2023, 11, 10)),
        ("Fri, 10 Nov 2023 08:30:00 +0000", dt.date(2023, 11, 10)),
        ("", None),
    ],
)
def test_table_dates_in_the_usual_unambiguous_forms(value: str, day: dt.date | None) -> None:
    assert table_date(value) == day


def test_tsv_semicolons_windows_1252_and_large_fields(tmp_path: Path) -> None:
    tsv = write_table(tmp_path / "t.tsv", [["title", "text"], ["T", "Tab, separated; text."]], delimiter="\t")
    assert [a.text for a in read(tsv).articles] == ["Tab, separated; text."]
    semi = write_table(tmp_path / "s.csv", [["title", "content"], ["Café", "Genève, “quoted”."]], ";", "cp1252")
    result = read(semi)
    assert [(a.title, a.text) for a in result.articles] == [("Café", "Genève, “quoted”.")]
    assert [p.level for p in result.problems] == ["warning"] and "Windows-1252" in result.problems[0].message
    big = write_table(tmp_path / "big.csv", [["text"], ["word " * 100_000], ["small"]])  # 500 kB > csv's 128 kB
    assert [len(a.text) for a in read(big).articles] == [len("word " * 100_000) - 1, 5]
    result = read(big, max_file_mb=0.1)
    assert [a.text for a in result.articles] == ["small"]
    assert problems(result)[0][:2] == ("error", 2) and "over the 0.1 MB limit" in problems(result)[0][2]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_mapped_columns_are_indexed_remembered_and_an_answer_cites_file_hash_id(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", str(tmp_path / "ix")
    corpus.mkdir()
    write_table(
        corpus / "wire.csv",
        [
            ["Ref", "Kicker", "Story", "Day", "Desk"],
            ["r-101", "Harbour", "The harbour bridge in Tallinn will reopen on 14 March after repairs.", "2024-02-01",
             "Baltic Wire"],
            ["r-102", "Budget", "The city council approved a budget of 40 million euros for schools.", "2024-02-02",
             "Baltic Wire"],
            ["r-103", "Broken", "", "2024-02-03", "Baltic Wire"],
        ],
    )  # fmt: skip
    columns = "id=Ref,title=Kicker,text=Story,date=Day,source=Desk"
    code, out, err = run("index", str(corpus), "--index-dir", index_dir, "--columns", columns, "--json")
    assert code == 1, err  # one row could not be read; the others are indexed
    report = json.loads(out)
    assert report["added"] == ["wire.csv#r-101", "wire.csv#r-102"]
    assert [(p["path"], p["line"], p["level"]) for p in report["problems"]] == [("wire.csv", 4, "error")]
    assert "has no text in column 'Story'" in err and "wire.csv:4" in err

    code, out, _ = run("index", "--index-dir", index_dir, "--json")  # no --columns: the mapping is remembered
    assert json.loads(out)["unchanged"] == ["wire.csv#r-101", "wire.csv#r-102"]

    code, out, _ = run("ask", "When will the harbour bridge in Tallinn reopen?", "--index-dir", index_dir, "--json")
    answer = json.loads(out)
    cited = (answer["citations"] or answer["closest"])[0]
    assert (cited["article_id"], cited["source"], cited["date"], cited["page"]) == (
        "wire.csv#r-101", "Baltic Wire", "2024-02-01", None,
    )  # fmt: skip
    assert "14 March" in cited["excerpt"]
    code, out, _ = run("show", "wire.csv#r-101", "--index-dir", index_dir, "--json")
    assert json.loads(out)["text"][cited["start"] : cited["end"]] == cited["excerpt"]


def test_a_bad_columns_option_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("index", str(tmp_path), "--index-dir", str(tmp_path / "ix"), "--columns", "words=body")
    assert code == 2 and "'words' is not a field" in err


CRASH_ROWS = int(os.environ.get("VERBATIM_CSV_CRASH_ROWS", "120"))  # 10000 for the full-size check


def test_a_large_csv_import_killed_at_random_points_resumes_with_nothing_lost_or_doubled(
    tmp_path: Path,
    zygote: Zygote,  # noqa: F811
    make_live: LiveFactory,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    topics = ["harbour", "budget", "schools", "rail", "energy", "housing", "football", "museum"]
    rows = [["id", "date", "text"]]
    for i in range(CRASH_ROWS):
        topic = topics[i % len(topics)]
        rows.append([f"n{i}", f"2024-01-{i % 28 + 1:02d}", f"Report {i} on the {topic} plan. It cost {i * 7} euros."])
    write_table(corpus / "big.csv", rows)
    index_dir = tmp_path / "index"
    chance = random.Random(CRASH_ROWS)
    commits = 0
    for _ in range(3):  # each run is killed at a random article's commit, after the last run's progress
        nth = chance.randint(1, max(1, CRASH_ROWS // 4))
        code, output = zygote.run([str(corpus), str(index_dir), "commit", str(nth)], tmp_path / "run.log")
        assert code == -9, output
        commits += nth
    assert commits < CRASH_ROWS
    live = make_live(index_dir)
    report = Reindexer(live).run([corpus])
    assert report.problems == ()
    assert len(report.added) + len(report.unchanged) == CRASH_ROWS
    assert len(report.unchanged) > 0  # what the killed runs committed is kept, not written again
    assert_consistent(live, corpus_articles(corpus))


def test_an_upload_with_named_columns_is_indexed_and_its_mapping_kept(tmp_path: Path, make_live: LiveFactory) -> None:
    from ui.service import Service

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    service = Service(make_live(), corpus)
    table = tmp_path / "wire.csv"
    write_table(table, [["ref", "story"], ["r1", "The ferry to Helsinki now leaves at dawn."]])
    outcome = service.upload([("wire.csv", table.read_bytes())], "id=ref,text=story")
    assert outcome["saved"] == [{"name": "wire.csv", "articles": 1, "replaced": False}]
    assert outcome["report"]["added"] == ["wire.csv#r1"]
    assert service.reindex()["unchanged"] == ["wire.csv#r1"]  # read again with the same columns
    with pytest.raises(UploadError, match="'words' is not a field"):
        service.upload([("wire.csv", table.read_bytes())], "words=story")
