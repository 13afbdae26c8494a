"""Sentence and paragraph spans: exact offsets, nothing lost, no cut inside a sentence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.sentences import paragraphs, sentences


def texts(text: str) -> list[str]:
    return [text[s:e] for s, e in sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "He met Mr. Smith at 9 a.m. on Nov. 10. He left.",
            ["He met Mr. Smith at 9 a.m. on Nov. 10.", "He left."],
        ),
        (
            "The U.S. Secretary of State spoke. Then he left!",
            ["The U.S. Secretary of State spoke.", "Then he left!"],
        ),
        ('He said "Stop." Then he went.', ['He said "Stop."', "Then he went."]),
        ("“Full force.” Netanyahu said so.", ["“Full force.”", "Netanyahu said so."]),
        ("J. K. Rowling wrote it. No. 5 is here.", ["J. K. Rowling wrote it.", "No. 5 is here."]),
        ("Why? Because. ok then.", ["Why?", "Because. ok then."]),
        ("Prices rose 3.5 percent. Markets fell.", ["Prices rose 3.5 percent.", "Markets fell."]),
        ("Heading\nBody text here. More.", ["Heading", "Body text here.", "More."]),
        ("- first item\n- second item", ["- first item", "- second item"]),
        (
            "a line wrapped by an editor at some column that is long enough\nto continue here.",
            ["a line wrapped by an editor at some column that is long enough\nto continue here."],
        ),
    ],
    ids=[
        "abbreviations",
        "us",
        "quote",
        "curly-quote",
        "initials-number",
        "lowercase-after",
        "decimal",
        "heading-line",
        "list",
        "wrapped-line",
    ],
)
def test_sentence_boundaries(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_paragraphs_split_on_blank_lines_and_are_trimmed() -> None:
    text = "  One.\n\n\nTwo a.\nTwo b.\n \nThree.  "
    assert [text[s:e] for s, e in paragraphs(text)] == ["One.", "Two a.\nTwo b.", "Three."]


prose = st.lists(
    st.lists(
        st.tuples(
            st.lists(
                st.sampled_from(
                    [
                        "Blinken",
                        "met",
                        "the",
                        "U.S.",
                        "Mr.",
                        "Abbas",
                        "in",
                        "Gaza",
                        "9,000",
                        "a.m.",
                        "“pause”",
                        "No.",
                        "5",
                        "J.",
                        "said",
                        "(AP)",
                        "—",
                        "e.g.",
                    ]
                ),
                min_size=1,
                max_size=12,
            ),
            st.sampled_from([".", "!", "?", ".”", "", "…"]),
        ),
        min_size=1,
        max_size=6,
    ),
    min_size=1,
    max_size=5,
).map(lambda paras: "\n\n".join(" ".join(" ".join(words) + end for words, end in para) for para in paras))


@given(st.one_of(prose, st.text(max_size=400)))
def test_sentence_spans_are_ordered_trimmed_and_cover_every_visible_character(text: str) -> None:
    spans = sentences(text)
    covered: set[int] = set()
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        covered.update(range(start, end))
        previous_end = end
    assert {i for i, c in enumerate(text) if not c.isspace()} <= covered


@given(st.one_of(prose, st.text(max_size=400)))
def test_sentences_never_cross_a_paragraph_when_split_per_paragraph(text: str) -> None:
    for p_start, p_end in paragraphs(text):
        for start, end in sentences(text, p_start, p_end):
            assert p_start <= start < end <= p_end
