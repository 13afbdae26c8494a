"""Following a story: the newest report that answers leads, the earlier reports become a timeline.

Runs after reading (it needs the reader's span and no-answer scores). A read sentence *answers*
when the reader's span beats its no-answer score by ``margin`` and its combined score is within
``gap`` of the best one; each article's best answering sentence stands for that article. When
answering sentences come from articles of different dates, the newest one leads the answer (the
question's as-of day already keeps later articles out), and those of earlier dates follow as
the timeline, oldest first. A question that names its own time is answered for that time: its
newest report on or before the named time leads. Without the reader's scores nothing moves and there is no timeline:
an empty timeline is better than a wrong one.

A lead moved ahead of the reader's own pick is measured only against what is not an earlier
report of its fact (``lead_against_the_rest``): the older report it supersedes is the same story
told earlier, not a rival answer, so it does not lower the lead's confidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from qa.reading import lead_over
from qa.sentence_ranking import Sentence


@dataclass(frozen=True, slots=True)
class StorySettings:
    """Which read sentences count as reports of the answer.

    Attributes:
        margin: least lead of the reader's span score over its no-answer score (``r_margin``).
        gap: greatest distance of the combined score below the best sentence's (``r_combined``).
        alike: least cosine between an earlier report's sentence and the lead's: a report of the
            same fact says much the same thing (sentence vectors of the index).
        sure: an earlier answering report the reader reads this surely (``r_margin``) is a report
            of the fact however it is worded ("rose to fourteen" after "six people have been
            killed"); below it, it must be ``alike`` the lead.
        timeline: most earlier reports listed.
        follow: False leaves the reader's order as it is and lists no timeline (the story
            features off, for comparison).
    """

    margin: float = 0.0
    gap: float = 6.0
    alike: float = 0.7
    sure: float = 4.0
    timeline: int = 4
    follow: bool = True


@dataclass(frozen=True, slots=True)
class Story:
    """The read sentences with the lead first, and the earlier reports (oldest first).

    ``superseded``: every earlier report of the lead's fact (``earlier`` lists at most
    ``StorySettings.timeline`` of them); ``moved``: the lead is not the first read sentence.
    """

    ranked: tuple[Sentence, ...]
    earlier: tuple[Sentence, ...]
    superseded: tuple[Sentence, ...] = ()
    moved: bool = False


def answering(read: Sequence[Sentence], settings: StorySettings) -> list[Sentence]:
    """Each article's best read sentence that answers, best first."""
    scored = [s for s in read if "r_combined" in s.features]
    if not scored:
        return []
    best = max(s.features["r_combined"] for s in scored)
    chosen: dict[str, Sentence] = {}
    for s in sorted(scored, key=lambda s: s.features["r_combined"], reverse=True):
        good = s.features["r_margin"] >= settings.margin and s.features["r_combined"] >= best - settings.gap
        if good and s.hit.passage.article_id not in chosen:
            chosen[s.hit.passage.article_id] = s
    return list(chosen.values())


def alike(one: Sentence, other: Sentence) -> float:
    """Cosine of two sentences' vectors (the index's, unit length)."""
    return float(one.hit.vectors.sentences[one.index] @ other.hit.vectors.sentences[other.index])


def arrange(
    ranked: Sequence[Sentence], settings: StorySettings, until: dt.date | None = None, move: bool = True
) -> Story:
    """The newest answering report first (the rest in their order), and the earlier ones as a timeline.

    ``until``: the last day of a time the question names ("on Wednesday", "in March 2023"); the
    lead and the timeline are then the reports of that time and before it. ``move=False`` keeps
    the first sentence as the lead (the newest report was not sure enough to answer) and lists
    only the reports older than it.
    """
    if not settings.follow:
        return Story(tuple(ranked), ())
    reports = [
        s
        for s in answering(ranked, settings)
        if s.hit.article_date is not None and (until is None or s.hit.article_date <= until)
    ]
    if len({s.hit.article_date for s in reports}) < 2:
        return Story(tuple(ranked), ())
    lead = max(reports, key=lambda s: (s.hit.article_date, s.features["r_combined"])) if move else ranked[0]
    if lead.hit.article_date is None:
        return Story(tuple(ranked), ())
    rest = [s for s in ranked if s is not lead]
    earlier = sorted(
        (
            s
            for s in reports
            if s.hit.article_date < lead.hit.article_date  # type: ignore[operator]
            and (s.features["r_margin"] >= settings.sure or alike(s, lead) >= settings.alike)
        ),
        key=lambda s: (s.hit.article_date, -s.features["r_combined"]),
    )
    moved = bool(ranked) and lead is not ranked[0]
    return Story((lead, *rest), tuple(earlier[-settings.timeline :]), tuple(earlier), moved)


def lead_against_the_rest(story: Story) -> Story:
    """The story with a moved lead's leads over the others (``r_gap``, ``c_gap``) measured without the
    earlier reports it supersedes; an unmoved lead already leads them, and stays as it is."""
    if not story.moved or not story.superseded:
        return story
    lead, *rest = story.ranked
    features = lead.features
    if "r_score" not in features or "r_combined" not in features:
        return story
    gone = {id(s) for s in story.superseded}
    rivals = [s.features for s in rest if id(s) not in gone and "r_score" in s.features and "r_combined" in s.features]
    remeasured = {
        **features,
        "r_gap": features["r_score"] - max([features["r_null"], *(f["r_score"] for f in rivals)]),
        "c_gap": lead_over(features["r_combined"], [f["r_combined"] for f in rivals]),
    }
    return replace(story, ranked=(replace(lead, features=remeasured), *rest))
