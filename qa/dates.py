"""Dates named in a question: ranges that narrow the search, mentions that only boost.

"last week", "since November 12", "between Nov. 10 and Nov. 15" narrow the search to
articles published then (and the answer says so). A bare mention ("on November 10",
"in 2023") only boosts articles of that date: the question may be about a date that is
not a publication date. Relative words count back from the newest article, not from
today, because a news collection is read after the fact.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(?P<{0}>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE = (
    r"(?:(?P<{p}iso>\d{{4}}-\d{{2}}-\d{{2}})"
    r"|" + _MONTH.format("{p}month") + r"\s+(?P<{p}day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<{p}year>\d{{4}}))?"
    r"|(?P<{p}day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH.format("{p}month2")
    + r"(?:,?\s+(?P<{p}year2>\d{{4}}))?)"
)  # fmt: skip
_RELATIVE = re.compile(
    r"\b(?P<which>last|past|this|previous)\s+(?P<unit>week|month|few days|days)\b|\b(?P<day>yesterday|today)\b",
    re.IGNORECASE,
)
_BETWEEN = re.compile(
    r"\b(?:between|from)\s+" + _DATE.format(p="a") + r"\s+(?:and|to|until|through)\s+" + _DATE.format(p="b"),
    re.IGNORECASE,
)
_BOUND = re.compile(r"\b(?P<kind>since|after|before|until|by)\s+" + _DATE.format(p="a"), re.IGNORECASE)
_MENTION = re.compile(r"\b(?:on|of|dated)?\s*" + _DATE.format(p="a"), re.IGNORECASE)
_YEAR = re.compile(r"\bin\s+(?P<year>(?:19|20)\d{2})\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DateIntent:
    """A date range read from the question; ``narrow`` means filter, else boost."""

    since: dt.date
    until: dt.date
    narrow: bool
    phrase: str


def find_dates(question: str, newest: dt.date | None) -> DateIntent | None:
    """The date range a question names, if any, resolved against the newest article."""
    if newest is None:
        return None
    for finder in (_between, _bound, _relative, _mention, _year):
        intent = finder(question, newest)
        if intent is not None:
            return intent
    return None


def _between(question: str, newest: dt.date) -> DateIntent | None:
    match = _BETWEEN.search(question)
    if not match:
        return None
    first, second = _date(match, "a", newest), _date(match, "b", newest)
    if first is None or second is None:
        return None
    return DateIntent(min(first, second), max(first, second), True, match.group(0))


def _bound(question: str, newest: dt.date) -> DateIntent | None:
    match = _BOUND.search(question)
    day = _date(match, "a", newest) if match else None
    if match is None or day is None:
        return None
    kind = match.group("kind").lower()
    if kind in ("since", "after"):
        start = day + dt.timedelta(days=1) if kind == "after" else day
        return DateIntent(start, max(start, newest), True, match.group(0))
    end = day - dt.timedelta(days=1) if kind == "before" else day
    return DateIntent(dt.date.min, end, True, match.group(0))


def _relative(question: str, newest: dt.date) -> DateIntent | None:
    match = _RELATIVE.search(question)
    if not match:
        return None
    if match.group("day"):
        day = newest - dt.timedelta(days=1 if match.group("day").lower() == "yesterday" else 0)
        return DateIntent(day, day, True, match.group(0))
    unit = match.group("unit").lower()
    days = {"week": 7, "month": 31, "few days": 4, "days": 7}[unit]
    return DateIntent(newest - dt.timedelta(days=days - 1), newest, True, match.group(0))


def _mention(question: str, newest: dt.date) -> DateIntent | None:
    for match in _MENTION.finditer(question):
        day = _date(match, "a", newest)
        if day is not None:
            return DateIntent(day, day, False, match.group(0).strip())
    return None


def _year(question: str, newest: dt.date) -> DateIntent | None:
    match = _YEAR.search(question)
    if not match:
        return None
    year = int(match.group("year"))
    return DateIntent(dt.date(year, 1, 1), dt.date(year, 12, 31), False, match.group(0))


def _date(match: re.Match[str], prefix: str, newest: dt.date) -> dt.date | None:
    groups = match.groupdict()
    if groups.get(f"{prefix}iso"):
        try:
            return dt.date.fromisoformat(groups[f"{prefix}iso"])
        except ValueError:
            return None
    month = groups.get(f"{prefix}month") or groups.get(f"{prefix}month2")
    day = groups.get(f"{prefix}day") or groups.get(f"{prefix}day2")
    year = groups.get(f"{prefix}year") or groups.get(f"{prefix}year2")
    if not month or not day:
        return None
    number = _MONTHS[month.lower().rstrip(".")]
    try:
        if year:
            return dt.date(int(year), number, int(day))
        guess = dt.date(newest.year, number, int(day))
        return guess if guess <= newest else dt.date(newest.year - 1, number, int(day))
    except ValueError:
        return None


def describe(intent: DateIntent) -> str:
    """How a narrowing range reads in an answer."""
    if intent.since == dt.date.min:
        return f"up to {_day(intent.until)}"
    if intent.since == intent.until:
        return _day(intent.since)
    return f"{_day(intent.since)} to {_day(intent.until)}"


def _day(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"
