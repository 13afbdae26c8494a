"""The benchmark's own parts: the embedding cache, and a tiny `verbatim bench` run end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from index.embedding import SentenceTransformerEmbedder
from lab.embedding_cache import CachedEmbedder
from tests.conftest import REPO

TEXTS = [
    "Blinken met Abbas in Ramallah. They discussed aid to Gaza.",
    "The summit ended without an agreement. Talks resume next week.",
]


def test_a_second_run_reads_the_vectors_back_instead_of_encoding(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    first = CachedEmbedder(embedder, tmp_path / "cache.sqlite")
    encoded = first.embed_passages(TEXTS)
    first.close()
    again = CachedEmbedder(embedder, tmp_path / "cache.sqlite")
    read = again.embed_passages([*TEXTS, "A passage never seen before."])
    assert (first.encoded, again.hits, again.encoded) == (2, 2, 1)
    for old, new in zip(encoded, read, strict=False):
        assert np.array_equal(old.passage, new.passage) and old.spans == new.spans
        assert np.allclose(old.sentences, new.sentences, atol=1e-3)
    assert again.lookup(TEXTS) is not None and again.lookup(["not cached"]) is None


def test_bench_runs_end_to_end_and_a_rerun_encodes_nothing(tmp_path: Path) -> None:
    squad = REPO / "tests" / "data" / "squad-slice.json"
    args = ["bench", "--sizes", "30", "--questions", "10", "--squad", str(squad), "--workdir", str(tmp_path)]
    args += ["--device", "cpu"]
    runs = []
    for number in range(2):  # two processes, as a user reruns it (Chroma keeps one client per path and process)
        out = tmp_path / f"run{number}.json"
        done = subprocess.run(
            [sys.executable, "-m", "ui.cli", *args, "--json", str(out)], cwd=REPO, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        report = json.loads(out.read_text())
        assert report["machine"]["device"] == "cpu"
        runs.append(report["results"][0])
    assert (runs[0]["device"], runs[0]["ask_device"]) == ("cpu", "cpu")  # the encoder's and the reader's
    assert runs[0]["passages_encoded"] == runs[0]["passages"] > 0
    assert runs[1]["passages_encoded"] == 0 and runs[1]["pipeline_vs_raw"] is None
    assert runs[1]["passages"] == runs[0]["passages"]
    assert runs[1]["serving_peak_rss_mb"] > runs[1]["rss_opened_mb"] > 0
    # `verbatim bench server` copies this corpus's passages with their cached vectors (keyed, as
    # the writer embeds them, by text and title): twice the corpus means a first copy and a
    # perturbed second one.
    from lab.server_scale import synthetic

    cache = CachedEmbedder(SentenceTransformerEmbedder(), tmp_path / "embeddings.sqlite")
    made = list(synthetic(next(tmp_path.glob("size-*/corpus/bench.jsonl")), cache, 2 * runs[0]["passages"]))
    assert sum(len(pieces) for _, pieces, _ in made) >= 2 * runs[0]["passages"]
    by_id = {article.id: (pieces, vectors) for article, pieces, vectors in made}
    original, copy = made[0][0].id, "syn001-" + made[0][0].id.removeprefix("syn000-")
    assert original.startswith("syn000-") and copy in by_id
    assert [p.text for p in by_id[copy][0]] == [p.text for p in by_id[original][0]]
    cosine = float(np.dot(by_id[copy][1][0].passage, by_id[original][1][0].passage))
    assert 0.9 < cosine < 0.999  # the same text, a distinct point in the HNSW graph
