"""While an article flips between two versions and is reindexed again and again, every answer
quotes one version or the other, never a mix, and never a half-written article."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from index.reindex import Reindexer
from qa.answering import Answerer
from tests.conftest import LiveFactory, both_backends
from tests.invariants import corpus_articles

ID = "story.txt"
V1 = (
    "The summit opened in Lima on Monday. Delegates from forty countries attended the opening session.\n\n"
    "Trade ministers said the tariff talks would continue until Friday. The host nation promised a final text.\n\n"
    "Observers expected a deal on fisheries. The agreement would cover the southern Pacific."
)
V2 = V1.replace("forty countries", "fifty-two nations").replace("until Friday", "into the weekend")


def test_answers_during_reindexes_never_mix_versions(corpus: Path, make_live: LiveFactory) -> None:
    story = corpus / ID
    story.write_text(V1, encoding="utf-8")
    live = make_live()
    Reindexer(live).run([corpus])
    versions: dict[str, str] = {}
    for text in (V1, V2):
        story.write_text(text, encoding="utf-8")
        article = corpus_articles(corpus)[ID]
        versions[article.version] = article.text
    answerer = Answerer(live)
    questions = [
        "How many countries attended the opening session in Lima?",
        "How long would the tariff talks continue?",
        "What did observers expect a deal on?",
    ]
    problems: list[str] = []
    answers = 0
    stop = threading.Event()

    def ask() -> None:
        nonlocal answers
        while not stop.is_set():
            for question in questions:
                answer = answerer.ask(question)
                answers += 1
                seen = set()
                for citation in (*answer.citations, *answer.closest):
                    if citation.article_id != ID:
                        continue
                    version = citation.passage_id.split("#", 1)[1].split(":")[0]
                    seen.add(version)
                    if version not in versions:
                        problems.append(f"unknown version {version}")
                    elif versions[version][citation.start : citation.end] != citation.excerpt:
                        problems.append(f"excerpt does not match version {version}: {citation.excerpt!r}")
                if len(seen) > 1:
                    problems.append(f"one answer mixes versions {seen}")

    readers = [threading.Thread(target=ask) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for round_ in range(8):
            story.write_text(V2 if round_ % 2 == 0 else V1, encoding="utf-8")
            Reindexer(live).run([corpus])
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert problems == []
    assert answers >= 8  # readers were busy throughout the eight reindexes
    final = corpus_articles(corpus)[ID].version  # V1 after an even number of flips
    for question in questions:
        for citation in answerer.ask(question).citations:
            if citation.article_id == ID:
                assert citation.passage_id.split("#", 1)[1].startswith(final)


@pytest.fixture(params=["embedded", "chroma-server"])
def backend(request: pytest.FixtureRequest) -> str | None:
    return both_backends(request)
