"""Dates in questions: relative phrases against fixed as-of days, named ranges, the default as-of day."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.dates import DateIntent, as_of_date, describe, find_dates

D = dt.date
SUNDAY = D(2023, 11, 12)


@pytest.mark.parametrize(
    ("question", "as_of", "since", "until", "phrase"),
    [
        ("What did Blinken say this week?", SUNDAY, D(2023, 11, 6), SUNDAY, "this week"),
        ("What did Blinken say this week?", D(2024, 1, 5), D(2023, 12, 30), D(2024, 1, 5), "this week"),
        ("Who resigned last week?", SUNDAY, D(2023, 11, 6), SUNDAY, "last week"),
        ("Who won this month?", SUNDAY, D(2023, 10, 13), SUNDAY, "this month"),
        ("Who won this year?", SUNDAY, D(2023, 1, 1), SUNDAY, "this year"),
        ("Who won last year?", SUNDAY, D(2022, 1, 1), D(2022, 12, 31), "last year"),
        ("Who won in the past year?", SUNDAY, D(2022, 11, 13), SUNDAY, "past year"),
        ("Which country recently banned TikTok?", SUNDAY, D(2023, 10, 14), SUNDAY, "recently"),
        ("What was the recent ruling?", SUNDAY, D(2023, 10, 14), SUNDAY, "recent"),
        ("What happened in recent weeks?", SUNDAY, D(2023, 10, 13), SUNDAY, "recent weeks"),
        ("What happened in the last 3 days?", SUNDAY, D(2023, 11, 10), SUNDAY, "last 3 days"),
        ("What happened in the past 2 weeks?", SUNDAY, D(2023, 10, 30), SUNDAY, "past 2 weeks"),
        ("What did Netanyahu reject in the last few days?", SUNDAY, D(2023, 11, 9), SUNDAY, "last few days"),
        ("Who spoke yesterday?", SUNDAY, D(2023, 11, 11), D(2023, 11, 11), "yesterday"),
        ("Who speaks today?", SUNDAY, SUNDAY, SUNDAY, "today"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else None,
)
def test_relative_phrases_count_back_from_the_as_of_day(
    question: str, as_of: dt.date, since: dt.date, until: dt.date, phrase: str
) -> None:
    assert find_dates(question, as_of) == DateIntent(since, until, True, phrase, as_of)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What was said since November 12?", DateIntent(D(2023, 11, 12), D(2023, 11, 15), True, "since November 12")),
        ("What was said after Nov. 20?", DateIntent(D(2022, 11, 21), D(2023, 11, 15), True, "after Nov. 20")),
        ("Who spoke before 2023-11-10?", DateIntent(dt.date.min, D(2023, 11, 9), True, "before 2023-11-10")),
        (
            "What happened between Nov. 10 and Nov. 12 this week?",
            DateIntent(D(2023, 11, 10), D(2023, 11, 12), True, "between Nov. 10 and Nov. 12"),
        ),
        ("What happened on November 10?", DateIntent(D(2023, 11, 10), D(2023, 11, 10), False, "on November 10")),
        ("What happened in 2022?", DateIntent(D(2022, 1, 1), D(2022, 12, 31), False, "in 2022")),
        ("What was the rate in March 2023?", DateIntent(D(2023, 3, 1), D(2023, 3, 31), False, "in March 2023")),
        ("Who won in December 2022?", DateIntent(D(2022, 12, 1), D(2022, 12, 31), False, "in December 2022")),
        # 15 November 2023 is a Wednesday: "on Monday" is the 13th, "on Wednesday" the day itself
        ("How many had died on Monday?", DateIntent(D(2023, 11, 13), D(2023, 11, 13), False, "on Monday")),
        ("What did he say on Wednesday?", DateIntent(D(2023, 11, 15), D(2023, 11, 15), False, "on Wednesday")),
    ],
    ids=[
        "since",
        "after-guesses-last-year",
        "before",
        "between-wins-over-relative",
        "mention",
        "year",
        "month-and-year",
        "december",
        "weekday",
        "weekday-is-today",
    ],  # fmt: skip
)
def test_named_ranges_are_not_relative(question: str, expected: DateIntent) -> None:
    intent = find_dates(question, D(2023, 11, 15))
    assert intent == expected and not expected.relative


def test_no_dates_or_no_as_of_day_find_nothing() -> None:
    assert find_dates("Who did Blinken meet in Ramallah?", SUNDAY) is None
    assert find_dates("What happened this week?", None) is None


@pytest.mark.parametrize(
    ("asked_on", "newest", "today", "expected"),
    [
        (None, D(2023, 11, 15), D(2026, 1, 2), D(2023, 11, 15)),
        (None, D(2026, 1, 2), D(2026, 1, 2), D(2026, 1, 2)),
        (None, D(2026, 3, 1), D(2026, 1, 2), D(2026, 1, 2)),
        (D(2023, 11, 12), D(2023, 11, 15), D(2026, 1, 2), D(2023, 11, 12)),
        (D(2023, 11, 12), None, D(2026, 1, 2), None),
    ],
    ids=["corpus-older-than-today", "newest-is-today", "newest-in-the-future", "asked-on-wins", "no-dated-article"],
)
def test_the_as_of_day(
    asked_on: dt.date | None, newest: dt.date | None, today: dt.date, expected: dt.date | None
) -> None:
    assert as_of_date(asked_on, newest, today) == expected


def test_the_default_as_of_day_is_today_for_a_current_collection() -> None:
    today = dt.date.today()
    assert as_of_date(None, today + dt.timedelta(days=3)) == today
    assert as_of_date(None, today - dt.timedelta(days=3)) == today - dt.timedelta(days=3)


@pytest.mark.parametrize(
    ("since", "until", "text"),
    [
        (D(2023, 11, 6), D(2023, 11, 12), "6-12 November 2023"),
        (D(2023, 10, 28), D(2023, 11, 3), "28 October to 3 November 2023"),
        (D(2023, 12, 30), D(2024, 1, 5), "30 December 2023 to 5 January 2024"),
        (D(2023, 11, 11), D(2023, 11, 11), "11 November 2023"),
        (dt.date.min, D(2023, 11, 9), "up to 9 November 2023"),
    ],
    ids=["same-month", "across-months", "across-years", "one-day", "open-start"],
)
def test_ranges_read_as_an_answer_writes_them(since: dt.date, until: dt.date, text: str) -> None:
    assert describe(DateIntent(since, until, True, "")) == text


_PIECES = (
    "this week last month past year recently recent days since between and on in of before yesterday today "
    "Nov. November Feb 29 30 31 0 12 2024 2023-02-29 2024-02-29 last 999 weeks few the who"
).split()


@settings(max_examples=300, deadline=None)
@given(
    question=st.one_of(st.text(max_size=80), st.lists(st.sampled_from(_PIECES), max_size=10).map(" ".join)),
    as_of=st.dates(min_value=D(1901, 1, 1), max_value=D(2099, 12, 31)),
)
def test_any_text_gives_a_well_formed_range_or_none(question: str, as_of: dt.date) -> None:
    intent = find_dates(question, as_of)
    if intent is not None:
        assert intent.since <= intent.until and intent.phrase
        if intent.relative:
            assert intent.until <= as_of and intent.counted_from == as_of
