"""Checks that both indexes hold exactly what the corpus files say, nothing more."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from index.article import Article
from index.chunking import ChunkSettings, chunk
from index.live import LiveIndex
from index.sources import discover, read_source


def corpus_articles(*folders: Path) -> dict[str, Article]:
    """What the files under ``folders`` say, read with the product's own reader."""
    files, _ = discover([(folder.resolve(), folder.resolve()) for folder in folders])
    articles: dict[str, Article] = {}
    for source in files:
        for article in read_source(source).articles:
            articles.setdefault(article.id, article)
    return articles


def assert_consistent(live: LiveIndex, expected: dict[str, Article]) -> None:
    """Chroma and the replica hold exactly the passages of ``expected``: no orphans, no duplicates."""
    settings = live.state.settings
    assert settings is not None
    chunking = ChunkSettings(settings.chunk_words, settings.chunk_overlap)
    want = {p.id: p for a in expected.values() for p in chunk(a, chunking)}
    generation = live.generation
    manifest = generation.manifest()
    assert {i: e.checksum for i, e in manifest.items()} == {i: a.checksum for i, a in expected.items()}
    keys = generation.passage_keys()
    duplicates = [i for i, n in Counter(k[0] for k in keys).items() if n > 1]
    assert duplicates == []
    assert sorted(k[0] for k in keys) == sorted(want)
    assert {i: e.n_passages for i, e in manifest.items()} == dict(Counter(p.article_id for p in want.values()))
    for article_id, article in expected.items():
        stored = generation.passages_of(article_id, article.version)
        assert [p.text for p, _ in stored] == [article.text[p.start : p.end] for p, _ in stored]
        assert all(len(v.spans) == len(v.sentences) > 0 for _, v in stored)
    live.resync()
    with live.catalog.snapshot() as snapshot:
        replica = {r.article.id: r.article.checksum for r in snapshot.articles()}
        assert replica == {i: a.checksum for i, a in expected.items()}
        replica_passages = [p for i in expected for p in snapshot.passages_of(i)]
    assert sorted(p.id for p in replica_passages) == sorted(want)
    assert all(p == want[p.id] for p in replica_passages)
