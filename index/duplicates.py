"""Syndicated copies: near-duplicate articles (one wire story from several outlets) as groups.

Two steps, as near-duplicate detection is usually done:

1. **Candidates** by MinHash over word shingles with locality-sensitive hashing (datasketch):
   articles whose estimated Jaccard similarity passes ``threshold`` land in one bucket.
2. **An exact check** of the shared text: the share of the shorter article's sentences (folded
   to lower case and single spaces) that the other holds word for word must reach ``shared``,
   boilerplate (a sentence found in many articles: page chrome, a standard footer) left out.
   Syndicated copies differ only in headline, byline and a local line or two, so most
   sentences match; two reports of one event by different writers share few.

Groups are the connected pairs (union-find), each listed earliest first (date, then id).
Signatures are a pure function of the text, so a caller may keep them by checksum and only
compute the changed articles' anew. This is the only module that imports datasketch.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index.sentences import sentences

_WORD = re.compile(r"\w+", re.UNICODE)
PERMUTATIONS = 128
SHINGLE = 5
_LEAST_SHARED = 3  # sentences an article must have (beyond boilerplate) to be a copy of another
SCHEME = "affine32"  # datasketch 2's scheme: stored signatures must name it when they are read back


@dataclass(frozen=True, slots=True)
class DuplicateSettings:
    """How alike two articles must be to count as copies."""

    threshold: float = 0.6  # estimated Jaccard of word shingles, for candidates
    shared: float = 0.8  # share of the shorter article's sentences found verbatim in the other


@dataclass(frozen=True, slots=True)
class Copy:
    """What the grouping needs of one article."""

    id: str
    text: str
    date: str | None = None


def signature(text: str) -> np.ndarray:  # type: ignore[type-arg]
    """The MinHash signature (``PERMUTATIONS`` unsigned ints) of the text's word shingles."""
    from datasketch import MinHash

    words = _WORD.findall(text.casefold())
    shingles = {" ".join(words[i : i + SHINGLE]).encode() for i in range(max(1, len(words) - SHINGLE + 1))}
    minhash = MinHash(num_perm=PERMUTATIONS, seed=1, scheme=SCHEME)
    minhash.update_batch(list(shingles))
    return np.asarray(minhash.hashvalues, dtype=np.uint32)


def sentence_set(text: str) -> frozenset[str]:
    """The article's sentences (over 20 characters), folded to lower case and single spaces."""
    return frozenset(" ".join(text[a:b].casefold().split()) for a, b in sentences(text) if b - a > 20)


def shares_text(first: frozenset[str], second: frozenset[str], shared: float, common: frozenset[str]) -> bool:
    """The exact check: most of the shorter article's own sentences appear word for word in the other.

    ``common`` are boilerplate sentences (page chrome, standard footers) found in many articles:
    they make no two articles copies of each other, so they are left out of both sides.
    """
    small, large = sorted((first - common, second - common), key=len)
    if len(small) < _LEAST_SHARED:
        return False
    return len(small & large) / len(small) >= shared


def boilerplate(sets: Sequence[frozenset[str]]) -> frozenset[str]:
    """Sentences in more than ``max(5, 1 %)`` of the articles: chrome, not a story."""
    counts = Counter(s for one in sets for s in one)
    limit = max(5, len(sets) // 100)
    return frozenset(s for s, n in counts.items() if n > limit)


def groups(
    copies: Sequence[Copy],
    signatures: Mapping[str, np.ndarray] | None = None,  # type: ignore[type-arg]
    settings: DuplicateSettings | None = None,
) -> list[list[str]]:
    """The groups of two or more copies, each earliest first; ``signatures`` by id, computed when missing."""
    from datasketch import MinHash, MinHashLSH

    settings = settings or DuplicateSettings()
    lsh = MinHashLSH(threshold=settings.threshold, num_perm=PERMUTATIONS)
    by_id = {c.id: c for c in copies}
    hashes: dict[str, MinHash] = {}
    for copy in copies:
        values = signatures.get(copy.id) if signatures is not None else None
        values = values if values is not None else signature(copy.text)
        minhash = MinHash(num_perm=PERMUTATIONS, seed=1, hashvalues=values, scheme=SCHEME)
        hashes[copy.id] = minhash
        lsh.insert(copy.id, minhash)
    parent = {c.id: c.id for c in copies}
    sets = {c.id: sentence_set(c.text) for c in copies}
    common = boilerplate(list(sets.values()))

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for copy in copies:
        for other in lsh.query(hashes[copy.id]):
            if other <= copy.id or root(other) == root(copy.id):
                continue
            if shares_text(sets[copy.id], sets[other], settings.shared, common):
                parent[root(other)] = root(copy.id)
    found: dict[str, list[str]] = {}
    for copy in copies:
        found.setdefault(root(copy.id), []).append(copy.id)
    return sorted(
        (sorted(ids, key=lambda i: (by_id[i].date or "9999", i)) for ids in found.values() if len(ids) > 1),
        key=lambda ids: ids[0],
    )


def members(found: Iterable[Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Each grouped article's whole group (itself included), earliest first."""
    return {article_id: tuple(group) for group in found for article_id in group}
