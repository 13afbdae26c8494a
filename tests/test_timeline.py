"""Following a story: the newest report leads, the earlier ones follow as a dated timeline,
and a question asked as of a day never hears of later reports. A small dated corpus written
for these tests (tests/data/story/): a storm whose death toll rises over a week."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from index.embedding import SentenceTransformerEmbedder
from index.live import LiveIndex
from qa.answering import Answerer
from tests.conftest import indexed_once
from tests.story import STORY, TOLL
from tests.test_answering import assert_true_citations
from ui.cli import main


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Iterator[LiveIndex]:
    yield from indexed_once(tmp_path_factory, embedder, STORY, "story-index")


def test_the_newest_report_leads_and_the_earlier_ones_follow_oldest_first(story: LiveIndex) -> None:
    answer = Answerer(story).ask(TOLL, as_of=dt.date(2025, 3, 8))
    assert answer.answered
    assert answer.citations[0].date == dt.date(2025, 3, 7) and "seventeen" in answer.citations[0].excerpt
    dates = [c.date for c in answer.timeline if c.date is not None]
    assert dates and len(dates) == len(answer.timeline) and dates == sorted(dates)
    assert all(d < dt.date(2025, 3, 7) for d in dates)
    quoted = {c.article_id for c in answer.citations}
    assert not quoted & {c.article_id for c in answer.timeline}  # never the same report twice
    numbers = [c.n for c in (*answer.citations, *answer.timeline)]
    assert numbers == list(range(1, 1 + len(numbers)))
    assert_true_citations(answer, story)
    for report in answer.timeline:  # each entry is a true slice too
        with story.reading() as snapshot:
            record = snapshot.article(report.article_id)
            assert record is not None and record.article.text[report.start : report.end] == report.excerpt


def test_a_question_asked_as_of_a_day_never_hears_of_later_reports(story: LiveIndex) -> None:
    answer = Answerer(story).ask(TOLL, as_of=dt.date(2025, 3, 5))
    assert answer.answered and answer.citations[0].date == dt.date(2025, 3, 5)
    assert "eleven" in answer.citations[0].excerpt.lower()
    seen = [c.date for c in (*answer.citations, *answer.timeline, *answer.closest)]
    assert all(d is not None and d <= dt.date(2025, 3, 5) for d in seen)


def test_an_earlier_report_of_the_same_fact_is_not_a_rival_of_the_newer_lead(story: LiveIndex) -> None:
    """As of Wednesday, Wednesday's "eleven" leads even where the reader scores Monday's "four"
    higher, and Monday's report of the same toll does not count against its confidence."""
    answer = Answerer(story).ask(TOLL, as_of=dt.date(2025, 3, 5))
    assert answer.citations[0].date == dt.date(2025, 3, 5)
    assert [c.date for c in answer.timeline] == [dt.date(2025, 3, 3)]
    assert answer.features is not None and answer.features["c_gap"] > 0 and answer.features["r_gap"] > 0
    assert answer.confidence > 0.5


def test_a_question_that_names_its_day_is_answered_for_that_day(story: LiveIndex) -> None:
    answer = Answerer(story).ask(
        "How many people had died in the Storm Halvar floods on Wednesday?", as_of=dt.date(2025, 3, 8)
    )
    assert answer.answered and answer.citations[0].date == dt.date(2025, 3, 5)
    assert "eleven" in answer.citations[0].excerpt.lower()
    assert all(c.date is not None and c.date < dt.date(2025, 3, 5) for c in answer.timeline)


def test_a_one_day_answer_has_no_timeline(story: LiveIndex) -> None:
    answer = Answerer(story).ask("When was the Kelling apple fair founded?", as_of=dt.date(2025, 3, 8))
    assert answer.answered and "1952" in answer.citations[0].excerpt
    assert answer.timeline == ()


def test_the_cli_prints_the_timeline_and_its_json_lists_it(tmp_path: Path) -> None:
    runner = CliRunner()
    index = ["--index-dir", str(tmp_path / "index")]
    assert runner.invoke(main, ["index", str(STORY), *index]).exit_code == 0
    asked = runner.invoke(main, ["ask", TOLL, "--as-of", "2025-03-08", "--json", *index])
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.output)
    assert answer["citations"][0]["date"] == "2025-03-07"
    assert [t["date"] for t in answer["timeline"]] == sorted(t["date"] for t in answer["timeline"])
    assert answer["timeline"] and all(t["date"] < "2025-03-07" for t in answer["timeline"])
    shown = runner.invoke(main, ["ask", TOLL, "--as-of", "2025-03-08", *index])
    assert "Earlier reports (oldest first)" in shown.output and answer["timeline"][0]["date"] in shown.output
