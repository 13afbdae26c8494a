"""The peer script's chunker and fusion (docs/scripts/peers.py), on hand-made cases."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import REPO


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("peers", REPO / "docs" / "scripts" / "peers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["peers"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


peers = _load()


def test_chunks_end_at_sentences_when_they_can() -> None:
    text = "One two three. Four five six. Seven eight nine ten eleven twelve."
    spans = peers.chunk_spans(text, 32)
    assert [text[s:e] for s, e in spans] == ["One two three. Four five six.", "Seven eight nine ten eleven", "twelve."]


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("ab .\n"), max_size=400),
    size=st.integers(min_value=1, max_value=60),
)
def test_chunks_cover_every_word_without_overlap_or_excess(text: str, size: int) -> None:
    spans = peers.chunk_spans(text, size)
    assert all(0 < e - s <= size and text[s:e] == text[s:e].strip() for s, e in spans)
    assert all(end <= start for (_, end), (start, _) in zip(spans, spans[1:], strict=False))
    covered = {i for s, e in spans for i in range(s, e)}
    assert {i for i, c in enumerate(text) if not c.isspace()} <= covered


def test_reciprocal_rank_fusion() -> None:
    # 7: 1/61 + 1/63; 3: 1/62 + 1/61; 5: 1/63; 9: 1/62
    assert peers.fuse([7, 3, 5], [3, 9, 7]) == [3, 7, 9, 5]
    assert peers.fuse([], [4]) == [4]
