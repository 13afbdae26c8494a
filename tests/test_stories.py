"""Following a story on stories of several shapes (tests/stories.py): as of each report's day the
newest report leads, the earlier ones follow oldest first, and a copy is cited once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from index.embedding import SentenceTransformerEmbedder
from index.live import LiveIndex
from qa.answering import Answerer
from tests.conftest import indexed_once
from tests.stories import STORIES, STORY_SET, Story, check


@pytest.fixture(scope="module")
def stories(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Iterator[LiveIndex]:
    yield from indexed_once(tmp_path_factory, embedder, STORIES, "stories-index")


@pytest.mark.parametrize("story", STORY_SET, ids=[s.name for s in STORY_SET])
def test_the_newest_report_leads_on_every_day(stories: LiveIndex, story: Story) -> None:
    answerer = Answerer(stories)
    problems = [p for day in story.days() for p in check(story, day, answerer.ask(story.question, as_of=day))]
    assert problems == []


def test_as_of_a_day_before_the_story_nothing_of_it_is_cited(stories: LiveIndex) -> None:
    story = STORY_SET[0]
    before = story.reports[0][0] - dt.timedelta(days=1)
    answer = Answerer(stories).ask(story.question, as_of=before)
    assert all(c.date is None or c.date <= before for c in (*answer.citations, *answer.timeline, *answer.closest))
