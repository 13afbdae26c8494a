"""The kind of short answer a question asks for."""

from __future__ import annotations

import pytest

from qa.query import answer_type


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
