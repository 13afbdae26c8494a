"""How often the first excerpt's short answer is also another read sentence's, and how often it is right then.

Asks a SQuAD-format file's questions (seeded sample) through the answerer with the shipped reader
and, for the sentence it cites first, counts the other read sentences whose short answer is the
same text (normalised: lower case, no punctuation or articles; one holding the other counts).

    PYTHONPATH=. .venv/bin/python docs/scripts/span_agreement.py \
        ../shared/data/news-dev/rtqa-evidence-2020-2022.squad.json 975
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

from lab.evaluate import cached_embedder, open_corpus, run_questions
from lab.reader_calibration import _corpus
from qa.answering import Answerer, AnswerSettings
from qa.metrics import contains_answer
from qa.models import load_models
from qa.reader import Reader
from qa.squad import load_squad, sample


def _norm(text: str) -> str:
    return " ".join(w for w in re.sub(r"[^\w\s]", " ", text.lower()).split() if w not in ("a", "an", "the"))


def _same(a: str, b: str) -> bool:
    return bool(a and b) and (a == b or (len(a) > 3 and a in b) or (len(b) > 3 and b in a))


def main(file: Path, limit: int) -> None:
    data = load_squad(file)
    live = open_corpus(data, _corpus(file.stem), Path(".verbatim-eval") / file.stem, None, cached_embedder())[0]
    try:
        answerer = Answerer(live, AnswerSettings(threshold=0.0), load_models(), Reader())
        questions = sample(list(data.questions), limit, 0)
        results = run_questions(answerer, questions, foreign=False, progress=None, gold_forced=False).results
    finally:
        live.close()
    found: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for question, result in zip(questions, results, strict=True):
        read = [s for s in result.ranked if "r_score" in s.features]
        if not read:
            continue
        spans = [_norm(s.text[int(s.features["r_span_start"]) : int(s.features["r_span_end"])]) for s in read]
        agreeing = min(2, sum(_same(spans[0], other) for other in spans[1:]))
        found[agreeing][0] += contains_answer(read[0].text, question.answer_texts)
        found[agreeing][1] += 1
    total = sum(n for _, n in found.values())
    print("| other read sentences with the same short answer | questions | share | first excerpt right |")
    print("|---|---|---|---|")
    for agreeing, (right, n) in sorted(found.items()):
        label = "2 or more" if agreeing == 2 else str(agreeing)
        print(f"| {label} | {n} | {n / total:.3f} | {right / n:.3f} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
