"""Stories of several shapes, written for the tests (tests/data/stories/): a toll that climbs with a
syndicated copy, a price raised twice (the last by another outlet, reworded), an official replaced,
an event's date moved (with a copy), a figure corrected, a rate that falls. One more story
(tests/data/stories-holdout/, a wildfire's area) is kept aside from the tests and only measured
(docs/scripts/story_report.py).

Each story lists its reports: the day, the words a report of that day must quote, and the copies
(articles whose text repeats another's). ``check`` says what an answer as of a day got wrong: the
newest report on or before that day must lead, the earlier reports must follow in the timeline,
oldest first, and a copy is never cited beside its original.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from qa.answering import Answer
from tests.conftest import REPO

STORIES = REPO / "tests" / "data" / "stories"
HOLDOUT = REPO / "tests" / "data" / "stories-holdout"


@dataclass(frozen=True, slots=True)
class Story:
    name: str
    question: str
    reports: tuple[tuple[dt.date, str], ...]  # (day, words its report quotes), oldest first
    copies: frozenset[frozenset[str]] = frozenset()  # groups of article ids holding the same text

    def days(self) -> list[dt.date]:
        """The days to ask on: each report's day and the day after the last."""
        return [d for d, _ in self.reports] + [self.reports[-1][0] + dt.timedelta(days=1)]

    def expected(self, as_of: dt.date) -> tuple[tuple[dt.date, str], list[tuple[dt.date, str]]]:
        """The report that should lead as of ``as_of``, and the earlier ones (oldest first)."""
        known = [r for r in self.reports if r[0] <= as_of]
        return known[-1], known[:-1]


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


STORY_SET = (
    Story(
        "selbu-floods", "How many people have been killed by the flooding in the Selbu delta?",
        ((_d("2025-06-02"), "Six"), (_d("2025-06-04"), "fourteen"), (_d("2025-06-06"), "Twenty-three")),
        frozenset({frozenset({"selbu-wednesday", "selbu-wednesday-wire"})}),
    ),
    Story(
        "kestrel-fares", "How much does a single bus ticket cost in Kestrel?",
        ((_d("2025-01-10"), "2.40"), (_d("2025-02-14"), "2.70"), (_d("2025-04-03"), "3.10")),
    ),
    Story(
        "weather-service", "Who is the director of the national weather service?",
        ((_d("2025-09-01"), "Agnes Holm"), (_d("2025-10-15"), "Tomas Brenner"), (_d("2025-10-16"), "Tomas Brenner")),
    ),
    Story(
        "lund-referendum", "When will the referendum on the Lund bridge be held?",
        ((_d("2025-05-05"), "22 June"), (_d("2025-06-10"), "14 September")),
        frozenset({frozenset({"lund-postponed", "lund-postponed-wire"})}),
    ),
    Story(
        "elmshaven-strike", "How many ships were stuck outside the port of Elmshaven?",
        ((_d("2025-11-03"), "Thirteen"), (_d("2025-11-04"), "Thirty-one")),
    ),
    Story(
        "norland-jobs", "What is the unemployment rate in Norland?",
        ((_d("2025-02-03"), "5.2 percent"), (_d("2025-03-03"), "4.9 percent"), (_d("2025-04-02"), "4.7 percent")),
    ),
)  # fmt: skip

HOLDOUT_SET = (
    Story(
        "corra-wildfire", "How many hectares has the Corra wildfire burned?",
        ((_d("2025-08-12"), "1,200"), (_d("2025-08-14"), "4,500"), (_d("2025-08-17"), "9,800")),
        frozenset({frozenset({"corra-thursday", "corra-thursday-wire"})}),
    ),
)  # fmt: skip


def check(story: Story, as_of: dt.date, answer: Answer) -> list[str]:
    """What the answer as of ``as_of`` got wrong (empty: nothing)."""
    (day, words), earlier = story.expected(as_of)
    problems: list[str] = []
    if not answer.answered or not answer.citations:
        return [f"as of {as_of}: refused (confidence {answer.confidence:.2f}); expected {words!r} of {day}"]
    lead = answer.citations[0]
    if lead.date != day or words.casefold() not in lead.excerpt.casefold():
        problems.append(f"as of {as_of}: led with {lead.excerpt!r} of {lead.date}; expected {words!r} of {day}")
    timeline = [(c.date, c.excerpt) for c in answer.timeline]
    if [d for d, _ in timeline] != sorted(d for d, _ in timeline if d is not None):
        problems.append(f"as of {as_of}: timeline not oldest first: {[d for d, _ in timeline]}")
    wanted = [(d, w) for d, w in earlier if not (d == day and w == words)]
    found = [(d, w) for d, w in wanted if any(td == d and w.casefold() in t.casefold() for td, t in timeline)]
    if found != wanted:
        missing = [f"{w!r} of {d}" for d, w in wanted if (d, w) not in found]
        problems.append(f"as of {as_of}: timeline lacks {', '.join(missing)}")
    cited = [c.article_id for c in (*answer.citations, *answer.timeline)]
    for group in story.copies:
        if len([a for a in cited if a in group]) > 1:
            problems.append(f"as of {as_of}: a copy cited twice ({sorted(group)})")
    if any(c.date is not None and c.date > as_of for c in (*answer.citations, *answer.timeline)):
        problems.append(f"as of {as_of}: cites a report after the day")
    return problems
