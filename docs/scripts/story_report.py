"""Following a story on stories written for the tests: the newest report leads, the earlier ones follow.

    PYTHONPATH=. .venv/bin/python docs/scripts/story_report.py [--reader-dir DIR] [--holdout] [--json OUT]

Indexes tests/data/stories/ (with ``--holdout`` also tests/data/stories-holdout/, the story kept
aside from the tests) into a temporary folder, asks each story's question as of each report's day
and the day after the last, with the story features on and off, and prints each case's problems
(``tests.stories.check``) and the count of cases without one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from index.config import IndexConfig  # noqa: E402
from index.live import LiveIndex  # noqa: E402
from index.reindex import Reindexer  # noqa: E402
from qa.answering import Answerer, AnswerSettings  # noqa: E402
from qa.reader import Reader  # noqa: E402
from qa.timeline import StorySettings  # noqa: E402
from tests.stories import HOLDOUT, HOLDOUT_SET, STORIES, STORY_SET, check  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reader-dir", type=Path)
    parser.add_argument("--holdout", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="verbatim-stories-"))
    corpus = folder / "corpus"
    shutil.copytree(STORIES, corpus / "stories")
    stories = list(STORY_SET)
    if args.holdout:
        shutil.copytree(HOLDOUT, corpus / "holdout")
        stories += list(HOLDOUT_SET)
    live = LiveIndex(IndexConfig(index_dir=folder / "index"))
    try:
        Reindexer(live).run([corpus])
        reader = Reader(args.reader_dir) if args.reader_dir else Reader()
        report: dict[str, Any] = {}
        for name, follow in (("on", True), ("off", False)):
            settings = AnswerSettings(story=replace(StorySettings(), follow=follow))
            answerer = Answerer(live, settings, reader=reader)
            cases, failed = 0, []
            for story in stories:
                for day in story.days():
                    cases += 1
                    problems = check(story, day, answerer.ask(story.question, as_of=day))
                    if problems:
                        failed.append(f"{story.name}: " + "; ".join(problems))
            report[name] = {"cases": cases, "passed": cases - len(failed), "problems": failed}
            print(f"story features {name}: {cases - len(failed)} of {cases} cases right")
            for line in failed:
                print("  " + line)
        if args.json:
            args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    finally:
        live.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
