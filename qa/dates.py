"""Dates named in a question: ranges that narrow the search, mentions that only boost.

"since November 12", "between Nov. 10 and Nov. 15" narrow the search to articles published
then (and the answer says so). Relative phrases ("this week", "last month", "recently") count
back from an as-of date: the day the question was asked, by default today, or the newest
article's date when the collection is older than today (a news collection is often read after
the fact); the answerer narrows or only boosts with them (``AnswerSettings.relative_dates``). A
bare mention ("on November 10", "on Wednesday", "in March 2023", "in 2023") only boosts articles
of that date: the question may be about a date that is not a publication date; a story's lead
is then the newest report of that time (``qa.timeline``).
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
    r"|" + _MONTH.format("{p}month") + r"\s+(?P<{p}day>\d{{1,2}})(?!\d)(?:st|nd|rd|th)?(?:,?\s+(?P<{p}year>\d{{4}}))?"
    r"|(?P<{p}day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH.format("{p}month2")
    + r"(?:,?\s+(?P<{p}year2>\d{{4}}))?)"
)  # fmt: skip
_RELATIVE = re.compile(
    r"\b(?:last|past|previous)\s+(?P<count>\d{1,3})\s+(?P<units>days?|weeks?|months?)\b"
    r"|\b(?P<which>last|past|this|previous)\s+(?P<unit>week|month|year|few days|few weeks|days|weeks)\b"
    r"|\brecent\s+(?P<recent>days|weeks|months)\b"
    r"|\b(?P<recently>recently|recent|lately)\b"
    r"|\b(?P<day>yesterday|today)\b",
    re.IGNORECASE,
)
# Days a relative phrase reaches back, the as-of day included.
_UNIT_DAYS = {"day": 1, "week": 7, "month": 31}
_WINDOW_DAYS = {"week": 7, "month": 31, "year": 365, "few days": 4, "days": 7, "few weeks": 21, "weeks": 21}
_RECENT_DAYS = {"days": 7, "weeks": 31, "months": 92, "": 30}  # "" : a bare "recently", "recent", "lately"
_BETWEEN = re.compile(
    r"\b(?:between|from)\s+" + _DATE.format(p="a") + r"\s+(?:and|to|until|through)\s+" + _DATE.format(p="b"),
    re.IGNORECASE,
)
_BOUND = re.compile(r"\b(?P<kind>since|after|before|until|by)\s+" + _DATE.format(p="a"), re.IGNORECASE)
_MENTION = re.compile(r"\b(?:on|of|dated)?\s*" + _DATE.format(p="a"), re.IGNORECASE)
_YEAR = re.compile(r"\bin\s+(?P<year>(?:19|20)\d{2})\b", re.IGNORECASE)
_MONTH_YEAR = re.compile(r"\b(?:in\s+)?" + _MONTH.format("month") + r",?\s+(?P<year>(?:19|20)\d{2})\b", re.IGNORECASE)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"\b(?:on|last|by)\s+(?P<weekday>" + "|".join(_WEEKDAYS) + r")\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DateIntent:
    """A date range read from the question; ``narrow`` means filter, else boost.

    ``counted_from`` is the as-of day a relative phrase ("this week") was counted back from;
    None for a range the question names outright ("since November 12").
    """

    since: dt.date
    until: dt.date
    narrow: bool
    phrase: str
    counted_from: dt.date | None = None

    @property
    def relative(self) -> bool:
        """True for a phrase counted back from the as-of day."""
        return self.counted_from is not None


def as_of_date(asked_on: dt.date | None, newest: dt.date | None, today: dt.date | None = None) -> dt.date | None:
    """The day relative phrases count from; None when no article is dated (dates can then narrow nothing).

    The day the question was asked if known; else today, unless the newest article is older than
    today, then the newest article's date.
    """
    if newest is None:
        return None
    if asked_on is not None:
        return asked_on
    today = today or dt.date.today()
    return newest if newest < today else today


def find_dates(question: str, as_of: dt.date | None) -> DateIntent | None:
    """The date range a question names, if any, resolved against the as-of day (see ``as_of_date``)."""
    if as_of is None:
        return None
    for finder in (_between, _bound, _relative, _mention, _month_year, _weekday, _year):
        intent = finder(question, as_of)
        if intent is not None:
            return intent
    return None


def _between(question: str, as_of: dt.date) -> DateIntent | None:
    match = _BETWEEN.search(question)
    if not match:
        return None
    first, second = _date(match, "a", as_of), _date(match, "b", as_of)
    if first is None or second is None:
        return None
    return DateIntent(min(first, second), max(first, second), True, match.group(0))


def _bound(question: str, as_of: dt.date) -> DateIntent | None:
    match = _BOUND.search(question)
    day = _date(match, "a", as_of) if match else None
    if match is None or day is None:
        return None
    kind = match.group("kind").lower()
    if kind in ("since", "after"):
        start = day + dt.timedelta(days=1) if kind == "after" else day
        return DateIntent(start, max(start, as_of), True, match.group(0))
    end = day - dt.timedelta(days=1) if kind == "before" else day
    return DateIntent(dt.date.min, end, True, match.group(0))


def _relative(question: str, as_of: dt.date) -> DateIntent | None:
    match = _RELATIVE.search(question)
    if not match:
        return None
    since = _window_start(match, as_of)
    until = as_of
    if match.group("unit") and match.group("unit").lower() == "year" and match.group("which").lower() != "past":
        # "this year" is the calendar year so far; "last year" the one before
        this_year = match.group("which").lower() == "this"
        since = dt.date(as_of.year - (0 if this_year else 1), 1, 1)
        until = as_of if this_year else dt.date(as_of.year - 1, 12, 31)
    elif match.group("day"):
        since = until = as_of - dt.timedelta(days=1 if match.group("day").lower() == "yesterday" else 0)
    return DateIntent(since, until, True, match.group(0), as_of)


def _window_start(match: re.Match[str], as_of: dt.date) -> dt.date:
    """The first day of a window that ends on the as-of day."""
    if match.group("count"):
        days = int(match.group("count")) * _UNIT_DAYS[match.group("units").lower().rstrip("s")]
    elif match.group("unit"):
        days = _WINDOW_DAYS[match.group("unit").lower()]
    else:
        days = _RECENT_DAYS[(match.group("recent") or "").lower()]
    return as_of - dt.timedelta(days=max(days, 1) - 1)


def _mention(question: str, as_of: dt.date) -> DateIntent | None:
    for match in _MENTION.finditer(question):
        day = _date(match, "a", as_of)
        if day is not None:
            return DateIntent(day, day, False, match.group(0).strip())
    return None


def _month_year(question: str, as_of: dt.date) -> DateIntent | None:
    """ "in March 2023": that month, as a mention (it boosts, and a story's lead is the month's newest report)."""
    match = _MONTH_YEAR.search(question)
    if not match:
        return None
    year, month = int(match.group("year")), _MONTHS[match.group("month").lower().rstrip(".")]
    last = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
    return DateIntent(dt.date(year, month, 1), last, False, match.group(0).strip())


def _weekday(question: str, as_of: dt.date) -> DateIntent | None:
    """ "on Wednesday": the latest such day on or before the as-of day, as a mention."""
    match = _WEEKDAY.search(question)
    if not match:
        return None
    back = (as_of.weekday() - _WEEKDAYS.index(match.group("weekday").lower())) % 7
    day = as_of - dt.timedelta(days=back)
    return DateIntent(day, day, False, match.group(0).strip())


def _year(question: str, as_of: dt.date) -> DateIntent | None:
    match = _YEAR.search(question)
    if not match:
        return None
    year = int(match.group("year"))
    return DateIntent(dt.date(year, 1, 1), dt.date(year, 12, 31), False, match.group(0))


def _date(match: re.Match[str], prefix: str, as_of: dt.date) -> dt.date | None:
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
        guess = dt.date(as_of.year, number, int(day))
        return guess if guess <= as_of else dt.date(as_of.year - 1, number, int(day))
    except ValueError:
        return None


def describe(intent: DateIntent) -> str:
    """How a narrowing range reads in an answer: "6-12 November 2023", "up to 9 November 2023"."""
    since, until = intent.since, intent.until
    if since == dt.date.min:
        return f"up to {day_name(until)}"
    if since == until:
        return day_name(since)
    if since.year != until.year:
        return f"{day_name(since)} to {day_name(until)}"
    if since.month != until.month:
        return f"{since.day} {since.strftime('%B')} to {day_name(until)}"
    return f"{since.day}-{day_name(until)}"


def day_name(day: dt.date) -> str:
    """A day as an answer writes it: "12 November 2023"."""
    return f"{day.day} {day.strftime('%B')} {day.year}"
