"""The questions the empty chat suggests are ones its articles answer: on the seeds and on stories
the suggestion shapes were not written for, every suggestion is answered when asked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.embedding import SentenceTransformerEmbedder
from index.live import LiveIndex
from qa.answering import Answerer
from tests.conftest import SEEDS, indexed_once
from tests.stories import STORIES
from tests.story import STORY
from ui.examples import example_questions


@pytest.fixture(scope="module", params=[SEEDS, STORIES, STORY], ids=["seeds", "stories", "storm"])
def corpus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[LiveIndex]:
    folder: Path = request.param
    yield from indexed_once(tmp_path_factory, embedder, folder, f"examples-{folder.name}")


def newest_texts(live: LiveIndex) -> list[str]:
    with live.reading() as snapshot:
        records = sorted(snapshot.articles(), key=lambda r: r.article.date or dt.date.min, reverse=True)[:12]
        return [found.article.text for r in records if (found := snapshot.article(r.article.id)) is not None]


def test_every_suggestion_is_answered_and_none_is_nonsense(corpus: LiveIndex, request: pytest.FixtureRequest) -> None:
    answerer = Answerer(corpus)
    suggested = example_questions(answerer, newest_texts(corpus), 4)
    if "storm" not in request.node.callspec.id:
        assert suggested  # where the articles support suggestions, there are some
    assert not any("Halvar" in q for q in suggested)  # a storm is not asked whom it met or where it travelled
    assert len(set(suggested)) == len(suggested)
    for question in suggested:
        assert answerer.ask(question).answered, question
