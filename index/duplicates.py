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
Fingerprints are a pure function of the text, so the catalog keeps them and computes only the
changed articles' anew. This is the only module that imports datasketch.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
class Fingerprint:
    """What the grouping keeps of one article: its MinHash signature and the hashes of its sentences."""

    signature: np.ndarray  # PERMUTATIONS uint32
    sentences: frozenset[int]

    def to_bytes(self) -> tuple[bytes, bytes]:
        """(signature, sentence hashes) as stored."""
        return self.signature.astype(np.uint32).tobytes(), np.array(sorted(self.sentences), dtype=np.uint64).tobytes()

    @classmethod
    def from_bytes(cls, signature: bytes, sentences: bytes) -> Fingerprint:
        """The stored form back."""
        hashes = np.frombuffer(sentences, dtype=np.uint64)
        return cls(np.frombuffer(signature, dtype=np.uint32).copy(), frozenset(int(h) for h in hashes))


def fingerprint(text: str) -> Fingerprint:
    """The article's fingerprint: MinHash of its word shingles, hashes of its folded sentences."""
    from datasketch import MinHash

    words = _WORD.findall(text.casefold())
    shingles = {" ".join(words[i : i + SHINGLE]).encode() for i in range(max(1, len(words) - SHINGLE + 1))}
    minhash = MinHash(num_perm=PERMUTATIONS, seed=1, scheme=SCHEME, permutations=_permutations())
    minhash.update_batch(list(shingles))
    folded = (" ".join(text[a:b].casefold().split()) for a, b in sentences(text) if b - a > 20)
    hashes = frozenset(int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "little") for f in folded)
    return Fingerprint(np.asarray(minhash.hashvalues, dtype=np.uint32), hashes)


@functools.cache
def _permutations() -> Any:
    """The seed's permutations, drawn once (a MinHash draws them anew each time it is made)."""
    from datasketch import MinHash

    return MinHash(num_perm=PERMUTATIONS, seed=1, scheme=SCHEME).permutations


def shares_text(first: frozenset[int], second: frozenset[int], shared: float, common: frozenset[int]) -> bool:
    """The exact check: most of the shorter article's own sentences appear word for word in the other.

    ``common`` are boilerplate sentences (page chrome, standard footers) found in many articles:
    they make no two articles copies of each other, so they are left out of both sides.
    """
    small, large = sorted((first - common, second - common), key=len)
    if len(small) < _LEAST_SHARED:
        return False
    return len(small & large) / len(small) >= shared


def boilerplate(sets: Sequence[frozenset[int]]) -> frozenset[int]:
    """Sentences in more than ``max(5, 1 %)`` of the articles: chrome, not a story."""
    counts = Counter(s for one in sets for s in one)
    limit = max(5, len(sets) // 100)
    return frozenset(s for s, n in counts.items() if n > limit)


def groups(
    articles: Mapping[str, tuple[Fingerprint, str | None]], settings: DuplicateSettings | None = None
) -> list[list[str]]:
    """The groups of two or more copies among ``articles`` (id: (fingerprint, date)), each earliest first."""
    from datasketch import LeanMinHash, MinHashLSH

    settings = settings or DuplicateSettings()
    lsh = MinHashLSH(threshold=settings.threshold, num_perm=PERMUTATIONS)
    hashes: dict[str, LeanMinHash] = {}
    for article_id, (found, _) in articles.items():
        # lean: a stored signature needs no permutations (a MinHash would draw them again for each article)
        hashes[article_id] = LeanMinHash(seed=1, hashvalues=found.signature, scheme=SCHEME)
        lsh.insert(article_id, hashes[article_id])
    common = boilerplate([f.sentences for f, _ in articles.values()])
    parent = {article_id: article_id for article_id in articles}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for article_id, (found, _) in articles.items():
        for other in lsh.query(hashes[article_id]):
            if other <= article_id or root(other) == root(article_id):
                continue
            if shares_text(found.sentences, articles[other][0].sentences, settings.shared, common):
                parent[root(other)] = root(article_id)
    members_: dict[str, list[str]] = {}
    for article_id in articles:
        members_.setdefault(root(article_id), []).append(article_id)
    return sorted(
        (sorted(ids, key=lambda i: (articles[i][1] or "9999", i)) for ids in members_.values() if len(ids) > 1),
        key=lambda ids: ids[0],
    )


def members(found: Iterable[Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Each grouped article's whole group (itself included), earliest first."""
    return {article_id: tuple(group) for group in found for article_id in group}
