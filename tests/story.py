"""The dated story of tests/data/story/ (a storm's death toll over a week), with a syndicated copy."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import REPO

STORY = REPO / "tests" / "data" / "story"
TOLL = "How many people have died in the floods caused by Storm Halvar?"


def story_with_copy() -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The story's JSON Lines with a copy of its Friday report (another headline, byline and source)
    appended, the Friday record and the copy."""
    lines = (STORY / "story.jsonl").read_text(encoding="utf-8").splitlines()
    friday = json.loads(next(line for line in lines if '"halvar-friday"' in line))
    copy = {**friday, "id": "halvar-friday-coast", "title": "Seventeen dead as Arnsby begins to clean up",
            "source": "Coast Times", "text": "By Mara Lind\n\n" + friday["text"]}  # fmt: skip
    return "\n".join([*lines, json.dumps(copy)]) + "\n", friday, copy
