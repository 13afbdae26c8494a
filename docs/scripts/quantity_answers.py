"""Would "a quantity question answered without a number" be a sign of a wrong answer worth refusing on?

Asks each evaluation set through the shipped answerer (the indexes `verbatim eval squad` built in
`.verbatim-eval/`) and, for the answered questions, counts those asking for a quantity whose short
answer holds no number, with how often their first excerpt holds a gold answer string, beside the
rest: questions typed as number questions ("how many"), questions naming a quantity the typing
leaves out ("death toll", "number of", "total", "price", ...), quantity questions answered with a
number, and the other answered questions.

    PYTHONPATH=. .venv/bin/python docs/scripts/quantity_answers.py    # about 6 minutes
"""

from __future__ import annotations

import re
from pathlib import Path

from lab.evaluate import evaluate
from qa.cues import type_match
from qa.query import answer_type

QUANTITY = re.compile(
    r"\b(?:death )?toll\b|\bnumber of\b|\btotal\b|\bpopulation\b|\bprice\b|\bcost\b|\bscore\b|\bpercentage\b",
    re.IGNORECASE,
)
DATA = Path("../shared/data")
SETS = (
    ("SQuAD dev (1,500)", DATA / "squad-dev-v1.1.json", 1500),
    ("news evidence", DATA / "news-dev/rtqa-evidence-2020-2022.squad.json", None),
    ("news 2024 H1", DATA / "news-dev/rtqa-news-2024h1.squad.json", None),
)
KINDS = ("typed, no number", "named quantity, no number", "quantity, with a number", "other answered")


def main() -> None:
    print("| set | " + " | ".join(f"{k}: n / right" for k in KINDS) + " |")
    print("|---" * (len(KINDS) + 1) + "|")
    for name, file, limit in SETS:
        _, run = evaluate(file, Path(".verbatim-eval") / file.stem, limit=limit)
        counts = {k: [0, 0] for k in KINDS}
        for outcome in run.outcomes:
            if not outcome.answered:
                continue
            question = outcome.question.question
            typed = answer_type(question) == "number"
            named = not typed and bool(QUANTITY.search(question))
            number = type_match(outcome.prediction, "number", set()) > 0
            kind = KINDS[0] if typed and not number else KINDS[1] if named and not number else None
            kind = kind or (KINDS[2] if typed or named else KINDS[3])
            counts[kind][0] += 1
            counts[kind][1] += outcome.excerpt_has_answer
        cells = [f"{n} / {right / n:.3f}" if n else "0" for n, right in counts.values()]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
