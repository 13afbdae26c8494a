"""Why an answer quotes the sentence it quotes: the candidates in the rankers' order, which were read.

For one question against an index, each of the top passages' sentences with its rankers' score
(``Sentence.score``, the order the reader's candidates are packed in), whether the reader read it
and, if so, its span score and the combined score that picks the quoted sentence; then the answer.

    PYTHONPATH=. .venv/bin/python docs/scripts/read_sentences.py "QUESTION" [INDEX_DIR] [READER_DIR]

INDEX_DIR defaults to `.verbatim`, READER_DIR to the shipped reader; a folder refitted with
`verbatim train calibrate --out DIR --passes 2` shows the two-pass reading.
"""

from __future__ import annotations

import sys
from pathlib import Path

from index.config import IndexConfig
from index.live import LiveIndex
from qa.answering import Answerer
from qa.reader import Reader


def main(question: str, index_dir: Path, reader_dir: Path | None) -> None:
    answerer = Answerer(LiveIndex(IndexConfig(index_dir=index_dir)), reader=Reader(reader_dir) if reader_dir else None)
    result = answerer.run(question)
    print("rankers' score | read: span score, combined | sentence")
    for sentence in sorted(result.ranked, key=lambda s: s.score, reverse=True)[:12]:
        f = sentence.features
        read = f"{f['r_score']:6.2f} {f['r_combined']:6.2f}" if "r_combined" in f else "   not read  "
        print(f"{sentence.score:6.2f} | {read} | {sentence.text[:100]}")
    answer = result.answer
    quoted = answer.citations[0].excerpt[:100] if answer.citations else "(refused)"
    print(f"answered {answer.answered}, confidence {answer.confidence:.3f}: {quoted}")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0], Path(args[1] if len(args) > 1 else ".verbatim"), Path(args[2]) if len(args) > 2 else None)
