"""Passages: exact slices of the article, whole sentences, bounded size, stable ids."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from index.article import Article, make_article
from index.chunking import ChunkSettings, Passage, chunk, passage_id
from index.sentences import paragraphs, sentences
from tests.conftest import SEEDS
from tests.invariants import corpus_articles


def words(text: str) -> int:
    return len(text.split())


def check_invariants(article: Article, passages: tuple[Passage, ...], chunking: ChunkSettings) -> None:
    text = article.text
    assert [p.position for p in passages] == list(range(len(passages)))
    assert len({p.id for p in passages}) == len(passages)
    for p in passages:
        assert text[p.start : p.end] == p.text
        assert p.id == passage_id(article.id, article.version, p.position)
        assert p.text == p.text.strip() and p.text
    sentence_spans = [s for ps, pe in paragraphs(text) for s in sentences(text, ps, pe)]
    for start, end in sentence_spans:
        if words(text[start:end]) <= 2 * chunking.words:  # longer runs without an end are cut
            assert any(p.start <= start and end <= p.end for p in passages), text[start:end]
        for p in passages:  # a passage never begins or ends inside a sentence
            if words(text[start:end]) <= 2 * chunking.words:
                assert not start < p.start < end and not start < p.end < end
    for p in passages:
        inside = [s for s in sentence_spans if p.start <= s[0] and s[1] <= p.end]
        assert words(p.text) <= chunking.words or len(inside) <= 1
    visible = {i for i, c in enumerate(text) if not c.isspace()}
    assert visible <= {i for p in passages for i in range(p.start, p.end)}
    starts = [p.start for p in passages]
    assert starts == sorted(starts)


def test_seed_passages_keep_offsets_and_follow_paragraphs() -> None:
    chunking = ChunkSettings()
    packed = 0
    for article in corpus_articles(SEEDS).values():
        passages = chunk(article, chunking)
        check_invariants(article, passages, chunking)
        spans = paragraphs(article.text)
        packed += len(spans) - len(passages)  # short paragraphs travel together
        for p in passages:  # each passage is a run of whole paragraphs (none of the seeds' is long)
            inside = [(s, e) for s, e in spans if p.start <= s and e <= p.end]
            assert inside and inside[0][0] == p.start and inside[-1][1] == p.end
            assert p.context == article.title
    assert packed > 0


def test_news_paragraphs_are_packed_evenly_and_the_title_is_context_only() -> None:
    body = "\n\n".join(f"Paragraph {i} says one short thing about the harbour repairs today." for i in range(40))
    article = make_article(id="news", title="Harbour repairs\nto cost more", text=body)
    chunking = ChunkSettings(words=100)
    passages = chunk(article, chunking)
    check_invariants(article, passages, chunking)
    sizes = [words(p.text) for p in passages]
    assert len(passages) == 5 and min(sizes) >= 70  # 440 words: five passages of 88, no stub at the end
    assert all(p.context == "Harbour repairs to cost more" for p in passages)
    renamed = chunk(make_article(id="news", title="Another title", text=body), chunking)
    assert [p.text for p in renamed] == [p.text for p in passages]
    assert all(a.text_hash != b.text_hash for a, b in zip(renamed, passages, strict=True))  # a new title re-embeds


def test_a_long_paragraph_is_split_into_balanced_overlapping_windows() -> None:
    sentence_texts = [f"Sentence number {i} has exactly seven words." for i in range(30)]
    article = make_article(id="long", text=" ".join(sentence_texts))
    chunking = ChunkSettings(words=50, overlap=1)
    passages = chunk(article, chunking)
    check_invariants(article, passages, chunking)
    assert len(passages) >= 5
    sizes = [words(p.text) for p in passages]
    assert max(sizes) - min(sizes) <= 14
    for first, second in zip(passages, passages[1:], strict=False):
        assert second.start < first.end  # one sentence of overlap


def test_tiny_paragraphs_join_their_neighbour() -> None:
    article = make_article(id="h", text="Headline\n\n" + "A body sentence with several words in it. " * 5)
    passages = chunk(article, ChunkSettings(words=100))
    assert len(passages) == 1 and passages[0].text.startswith("Headline\n\nA body")


paragraph = st.lists(
    st.tuples(
        st.lists(
            st.sampled_from(["Blinken", "met", "U.S.", "Abbas", "9,000", "the", "a.m.", "Nov.", "10"]),
            min_size=1,
            max_size=40,
        ),
        st.sampled_from([".", "!", "?", ""]),
    ),
    min_size=1,
    max_size=12,
).map(lambda ss: " ".join(" ".join(w) + e for w, e in ss))


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.lists(paragraph, min_size=1, max_size=6).map("\n\n".join),
        st.text(min_size=1, max_size=600),
    ),
    st.integers(min_value=10, max_value=80),
    st.integers(min_value=0, max_value=3),
)
def test_chunking_invariants_hold_for_any_text(text: str, size: int, overlap: int) -> None:
    article = make_article(id="x", text=text)
    chunking = ChunkSettings(words=size, overlap=overlap)
    check_invariants(article, chunk(article, chunking), chunking)
