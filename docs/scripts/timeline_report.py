"""How honest the timeline is on a dated news file: the share of timeline entries holding a gold answer.

    PYTHONPATH=. .venv/bin/python docs/scripts/timeline_report.py FILE [--asked-since DAY] [--until DAY]
        [--index-dir DIR] [--limit N] [--json OUT]

Indexes FILE's articles as ``verbatim eval squad`` does (or reuses its index under
``.verbatim-eval/``), asks every question once with the story step off, and then arranges the
same read sentences under each (margin, gap) of a grid (``qa.timeline.arrange``, as the answerer
does). For each setting it reports, over the answered questions: how many get a timeline, how
many entries, the share of entries that hold a gold answer string (the open rule of
``qa.metrics.contains_answer``), and whether the lead sentence holds one, beside the lead with
the story step off. ``--asked-since`` / ``--until`` choose the part of the file by the day asked
(fit on the earlier part, report the later). Nothing of the news text is written anywhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from lab.evaluate import cached_embedder, open_corpus
from qa.answering import Answerer, AnswerSettings
from qa.dates import as_of_date, find_dates
from qa.metrics import contains_answer
from qa.reader import Reader
from qa.squad import load_squad
from qa.timeline import StorySettings, alike, answering, arrange

OFF = StorySettings(margin=float("inf"))
MARGINS = (0.0, 2.0)
GAPS = (2.0, 4.0, 6.0, 8.0)
ALIKE = (0.0, 0.6, 0.7, 0.8)
SURE = (float("inf"), 3.0, 4.0, 5.0)  # inf: an earlier report must be alike the lead, however surely read


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--index-dir", type=Path)
    parser.add_argument("--asked-since", type=dt.date.fromisoformat)
    parser.add_argument("--until", type=dt.date.fromisoformat, help="only questions asked on or before this day")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--reader-dir", type=Path, help="a reader folder (default: the shipped one)")
    parser.add_argument("--json", dest="json_out", type=Path)
    parser.add_argument("--show", help="MARGIN,GAP: print each timeline of that setting, to read (stdout only)")
    args = parser.parse_args()
    squad = load_squad(args.file)
    index_dir = args.index_dir or Path(".verbatim-eval") / args.file.stem
    live, _ = open_corpus(squad, index_dir / "corpus" / f"{args.file.stem}.jsonl", index_dir, None, cached_embedder())
    questions = [
        q
        for q in squad.questions
        if not q.impossible
        and (args.asked_since is None or (q.asked_on is not None and q.asked_on >= args.asked_since))
        and (args.until is None or (q.asked_on is not None and q.asked_on <= args.until))
    ][: args.limit]
    reader = Reader(args.reader_dir) if args.reader_dir else Reader()
    answerer = Answerer(live, replace(AnswerSettings(), story=OFF), reader=reader)
    rows: list[dict[str, Any]] = []
    try:
        for question in questions:
            result = answerer.run(question.question, as_of=question.asked_on)
            if not result.answer.answered or not result.ranked:
                continue
            with live.reading() as snapshot:
                intent = find_dates(question.question, as_of_date(question.asked_on, snapshot.newest_date()))
            rows.append({"q": question, "ranked": result.ranked, "until": intent.until if intent else None})
    finally:
        live.close()
    report = {"file": args.file.name, "questions": len(questions), "answered": len(rows), "settings": []}
    base = sum(contains_answer(r["ranked"][0].text, r["q"].answer_texts) for r in rows)
    print(f"{len(questions)} questions, {len(rows)} answered; lead holds an answer, story off: {base / len(rows):.3f}")
    print("margin  gap alike  sure  with-timeline  entries  entries-right  lead-right  lead-moved")
    grid = ((m, g, a, u) for m in MARGINS for g in GAPS for a in ALIKE for u in SURE)
    for margin, gap, alike_, sure in grid:
        settings = StorySettings(margin=margin, gap=gap, alike=alike_, sure=sure)
        with_timeline = entries = right = lead_right = moved = 0
        for row in rows:
            story = arrange(row["ranked"], settings, row["until"])
            golds = row["q"].answer_texts
            lead_right += contains_answer(story.ranked[0].text, golds)
            moved += story.ranked[0] is not row["ranked"][0]
            shown = [s for s in story.earlier if s.hit.passage.article_id != story.ranked[0].hit.passage.article_id]
            with_timeline += bool(shown)
            entries += len(shown)
            right += sum(contains_answer(s.text, golds) for s in shown)
        line = {
                "margin": margin, "gap": gap, "alike": alike_, "sure": sure, "with_timeline": with_timeline,
                "entries": entries,
                "entries_right": right / entries if entries else None,
                "lead_right": lead_right / len(rows), "lead_moved": moved,
            }  # fmt: skip
        report["settings"].append(line)
        share = f"{line['entries_right']:.3f}" if entries else "  -  "
        print(
            f"{margin:6.1f} {gap:4.1f} {alike_:5.1f} {sure:5.1f} {with_timeline:14d} {entries:8d} {share:>14} "
            f"{lead_right / len(rows):11.3f} {moved:11d}"
        )
    if args.show:
        margin, gap = (float(v) for v in args.show.split(","))
        for row in rows:
            story = arrange(row["ranked"], StorySettings(margin=margin, gap=gap), row["until"])
            lead = story.ranked[0]
            if story.earlier:
                print(f"\nQ {row['q'].question}  gold {row['q'].answer_texts[:2]}")
                print(f"  lead {lead.hit.article_date} {_scores(lead)} {lead.text[:150]}")
                for s in story.earlier:
                    print(f"  then {s.hit.article_date} {_scores(s)} alike={alike(s, lead):.2f} {s.text[:150]}")
    report["lead_right_story_off"] = base / len(rows)
    report["answering_per_question"] = sum(len(answering(r["ranked"], StorySettings())) for r in rows) / len(rows)
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n")


def _scores(sentence: Any) -> str:
    f = sentence.features
    return f"m={f['r_margin']:.1f} c={f['r_combined']:.1f}"


if __name__ == "__main__":
    main()
