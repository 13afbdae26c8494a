"""What changed in an updated article: the sentences of the new text that the earlier one lacked.

Sentences are compared folded (lower case, single spaces), so a change of spacing is no change;
a sentence moved elsewhere in the article is not reported either. Offsets are into the new
text, the one every citation points into.
"""

from __future__ import annotations

from index.sentences import sentences


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


def changed_sentences(before: str, after: str) -> tuple[tuple[int, int], ...]:
    """Spans of ``after``'s sentences (added or reworded) not found in ``before``."""
    known = {_folded(before[a:b]) for a, b in sentences(before)}
    return tuple((a, b) for a, b in sentences(after) if _folded(after[a:b]) not in known)
