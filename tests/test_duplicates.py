"""Syndicated copies: the same wire story under other headlines and bylines forms one group;
two different reports of one event do not."""

from __future__ import annotations

from index.duplicates import Copy, groups, members, signature

WIRE = (
    "Storm Halvar swept through the Arnsby valley on Sunday night, bringing a month of rain in six hours. "
    "At least four people have died in the floods, the regional fire service said on Monday. "
    "Dozens of homes along the river were evacuated as the water rose through the night. "
    "The mayor of Arnsby asked residents to stay away from the riverbanks until the water falls. "
    "Forecasters expect more rain in the hills on Tuesday, but less than on Sunday."
)


def test_copies_with_another_byline_and_a_local_line_form_one_group_earliest_first() -> None:
    copy = "By Mara Lind, Coast Times\n\n" + WIRE + " Coast Times readers can call the county help line."
    other = (
        "Rescuers in the Arnsby valley said on Monday that the floods had killed at least four people. "
        "The storm, named Halvar, dropped record rain on the hills overnight, and the river burst its banks "
        "in three places, a spokeswoman for the fire service told reporters at the town hall."
    )
    found = groups([
        Copy("wire", WIRE, "2025-03-03"), Copy("coast", copy, "2025-03-02"), Copy("other", other, "2025-03-03"),
        Copy("fair", "The Kelling apple fair returns this autumn after a two-year break. " * 3, "2025-03-01"),
    ])  # fmt: skip
    assert found == [["coast", "wire"]]
    assert members(found) == {"coast": ("coast", "wire"), "wire": ("coast", "wire")}


def test_stored_signatures_give_the_same_groups() -> None:
    copies = [Copy("a", WIRE), Copy("b", "Headline\n\n" + WIRE)]
    assert groups(copies, {c.id: signature(c.text) for c in copies}) == groups(copies) == [["a", "b"]]
