"""Quality gate, the other side: SQuAD questions asked of `seeds/` are refused.

Its own file so that pytest-xdist (`--dist loadfile`) runs it beside the slice's evaluation in
`tests/test_quality.py` instead of after it (each file runs whole in one worker).
"""

from __future__ import annotations

from pathlib import Path

from index.embedding import SentenceTransformerEmbedder
from lab.evaluate import evaluate
from tests.conftest import SEEDS, SLICE


def test_squad_questions_asked_of_the_seeds_are_refused(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    summary, _ = evaluate(SLICE, tmp_path / "foreign", against=SEEDS, embedder=embedder)
    assert summary["refused_rate"] >= 0.98  # measured: 1.000
