"""The kind of short answer a question asks for, and whether a span is of that kind."""

from __future__ import annotations

import pytest

from qa.cues import span_type_match
from qa.query import answer_type, build_query


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many hostages were released?", "number"),
        ("What is the death toll in the region?", "number"),
        ("What's the casualty count so far?", "number"),
        ("What was the unemployment rate in May?", "number"),
        ("What was the total cost of the new stadium?", "number"),
        ("Which is the price the airline asked?", "number"),
        ("Who chairs the committee?", "person"),
        ("When did the strike end?", "date"),
        ("Where did the summit take place?", "place"),
        ("Why did the talks collapse?", "reason"),
        ("What is the name of the new minister?", None),
        ("What is the role of the mediators?", None),
        ("What did the court decide?", None),
    ],
)
def test_the_asked_kind(question: str, kind: str | None) -> None:
    assert answer_type(question) == kind


@pytest.mark.parametrize(
    ("question", "span", "expected"),
    [
        ("How many hostages were released?", "more than 40", 1.0),
        ("How many hostages were released?", "twelve", 1.0),
        ("What is the death toll in the region?", "continues to rise", -1.0),
        ("When did the strike end?", "on March 3", 1.0),
        ("When did the strike end?", "after the vote", -1.0),
        ("Who chairs the committee?", "Senator Maria Ortiz", 1.0),
        ("Who chairs the committee?", "the oldest member", -1.0),
        ("Where did Ortiz meet the mayor?", "Ortiz", -1.0),  # only the question's own name
        ("Why did the talks collapse?", "a dispute over borders", 0.0),
        ("What did the court decide?", "to delay the case", 0.0),
        ("How many hostages were released?", "  ", 0.0),
    ],
)
def test_a_span_is_of_the_asked_kind_or_not(question: str, span: str, expected: float) -> None:
    query = build_query(question)
    assert span_type_match(span, query.answer_type, set(query.weights())) == expected
