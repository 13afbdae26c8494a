"""What changed in an updated article: the sentences its last update added or changed, with the
time of the change, through the index, `verbatim show --changes` and the article JSON."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from index.changes import changed_sentences
from ui.cli import main

FIRST = (
    "Storm Halvar flooded the Arnsby valley.\n\n"
    "At least four people have died, the fire service said.\n\n"
    "The mayor asked residents to stay away from the river."
)
CORRECTED = (
    "Storm Halvar flooded the Arnsby valley.\n\n"
    "At least five people have died, the fire service said in a correction.\n\n"
    "The mayor asked residents to stay away from the river. Schools will reopen on Thursday."
)


def test_only_added_or_reworded_sentences_are_changes() -> None:
    spans = changed_sentences(FIRST, CORRECTED)
    assert [CORRECTED[a:b] for a, b in spans] == [
        "At least five people have died, the fire service said in a correction.",
        "Schools will reopen on Thursday.",
    ]
    assert changed_sentences(FIRST, FIRST.replace("valley.", "valley. ")) == ()


def test_show_changes_lists_the_corrected_sentences_of_the_current_text(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "halvar.txt").write_text(FIRST, encoding="utf-8")
    index = ["--index-dir", str(tmp_path / "index")]
    runner = CliRunner()
    assert runner.invoke(main, ["index", str(corpus), *index]).exit_code == 0
    untouched = runner.invoke(main, ["show", "halvar.txt", "--changes", *index])
    assert "has not changed since it was first indexed" in untouched.output
    (corpus / "halvar.txt").write_text(CORRECTED, encoding="utf-8")
    assert runner.invoke(main, ["index", str(corpus), *index]).exit_code == 0
    shown = runner.invoke(main, ["show", "halvar.txt", "--changes", *index])
    assert shown.exit_code == 0, shown.output
    assert "2 sentences added or changed" in shown.output and "At least five people" in shown.output
    article = json.loads(runner.invoke(main, ["show", "halvar.txt", "--json", *index]).output)
    assert article["text"] == CORRECTED
    for sentence in article["changes"]["sentences"]:  # offsets into the current text
        assert article["text"][sentence["start"] : sentence["end"]] == sentence["text"]
    assert article["changes"]["at"].startswith("20")
