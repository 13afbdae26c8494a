"""Where retrieval loses the answer: HNSW against exact search, and how deep each candidate list must go.

Opens an index built by ``verbatim eval squad FILE`` (``.verbatim-eval/<file name>``) and, for
every answerable question of FILE, asks Chroma's HNSW and an exact cosine search over the
replica's stored vectors for the dense top k, and FTS5 for the keyword top k. Reports, per
depth, how often a candidate holds a gold answer string (the open-domain rule), the union of
dense and keyword, and how much of the exact top 30 HNSW returns.

    PYTHONPATH=. .venv/bin/python docs/scripts/retrieval_probe.py ../shared/data/news-dev/rtqa-news-2024h1.squad.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from index.config import IndexConfig
from index.live import LiveIndex
from index.vectors import from_blob
from qa.metrics import contains_answer
from qa.query import build_query
from qa.squad import load_squad

DEPTHS = (1, 5, 10, 30, 50, 100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--index-dir", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    squad = load_squad(args.file)
    live = LiveIndex(IndexConfig(index_dir=args.index_dir or Path(".verbatim-eval") / args.file.stem))
    questions = [q for q in squad.questions if not q.impossible]
    found: dict[str, list[bool]] = {}
    overlap: list[float] = []
    with live.reading() as snapshot:
        rows = snapshot._db.execute(
            "SELECT p.id, p.vector, f.text FROM passages AS p JOIN passages_fts AS f ON f.rowid = p.rowid"
        ).fetchall()  # noqa: SLF001
        ids = [str(r[0]) for r in rows]
        texts = {str(r[0]): str(r[2]) for r in rows}
        matrix = np.stack([from_blob(r[1]) for r in rows])
        for question in questions:
            query = build_query(question.question)
            vector = live.embedder().embed_query(query.search_text)
            exact = [ids[i] for i in np.argsort(-(matrix @ vector))[: max(DEPTHS)]]
            hnsw = [h.passage.id for h in live.dense(vector, max(DEPTHS))]
            keyword = [h.passage.id for h in snapshot.keyword_search(query.all_words, max(DEPTHS))]
            overlap.append(len(set(exact[:30]) & set(hnsw[:30])) / 30)
            for name, ranking in (("dense_exact", exact), ("dense_hnsw", hnsw), ("keyword", keyword)):
                for depth in DEPTHS:
                    hit = any(contains_answer(texts.get(i, ""), question.answer_texts) for i in ranking[:depth])
                    found.setdefault(f"{name}@{depth}", []).append(hit)
            for depth in (10, 30, 50, 100):
                union = set(hnsw[:depth]) | set(keyword[:depth])
                found.setdefault(f"union@{depth}", []).append(
                    any(contains_answer(texts.get(i, ""), question.answer_texts) for i in union)
                )
    report = {
        "questions": len(questions),
        "passages": len(ids),
        "hnsw_overlap_with_exact_top30": float(np.mean(overlap)),
    }
    report.update({k: round(float(np.mean(v)), 3) for k, v in found.items()})
    live.close()
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
