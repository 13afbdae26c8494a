"""``verbatim bench``: indexing and answering speed at several corpus sizes.

Corpora are made of real text: SQuAD paragraphs whose sentences are reshuffled (and now and
then swapped with a sentence of another paragraph of the same article), so each passage is
new but reads like the original. Each size is measured in a fresh index folder:

- indexing throughput, beside the model's raw encode throughput on a sample of the same
  texts in the same run (their ratio is the pipeline's overhead);
- a reindex with nothing changed, and one with one article changed;
- warm ``ask`` latency and peak RSS, in a separate serving process (``lab.bench_serve``);
- the index's size on disk.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index.chunking import ChunkSettings, chunk, encoder_input
from index.config import IndexConfig
from index.embedding import SentenceTransformerEmbedder
from index.live import LiveIndex
from index.reindex import Reindexer
from index.sentences import sentences
from index.sources import discover, read_source
from lab.embedding_cache import CachedEmbedder
from qa.squad import load_squad

PASSAGES_PER_ARTICLE = 10
RAW_SAMPLE = 512
Echo = Callable[[str], None]


def build_corpus(squad_file: Path, passages: int, path: Path, seed: int = 0) -> list[str]:
    """Write a JSON Lines corpus of about ``passages`` passages; return the questions to ask."""
    squad = load_squad(squad_file)
    rng = random.Random(seed)
    pools = []
    for article in squad.articles:
        paragraphs = [p for p in article.text.split("\n\n") if p.strip()]
        pools.append([[p[s:e] for s, e in sentences(p)] for p in paragraphs])
    lines = []
    for number in range(0, passages, PASSAGES_PER_ARTICLE):
        pool = pools[(number // PASSAGES_PER_ARTICLE) % len(pools)]
        body = [_recombine(pool, rng) for _ in range(min(PASSAGES_PER_ARTICLE, passages - number))]
        record = {
            "id": f"bench-{number // PASSAGES_PER_ARTICLE:06d}",
            "title": f"Bench article {number}",
            "text": "\n\n".join(body),
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [q.question for q in squad.questions]


def _recombine(pool: list[list[str]], rng: random.Random) -> str:
    paragraph = list(rng.choice(pool))
    rng.shuffle(paragraph)
    if len(pool) > 1 and rng.random() < 0.5:
        paragraph[rng.randrange(len(paragraph))] = rng.choice(rng.choice(pool))
    words = 0
    kept: list[str] = []
    for sentence in paragraph:  # stay within one passage of the default size
        words += len(sentence.split())
        if kept and words > 140:
            break
        kept.append(sentence)
    return " ".join(kept)


def raw_encode_rate(embedder: SentenceTransformerEmbedder, texts: list[str]) -> float:
    """Passages per second of the bare model on ``texts`` (after one warm-up batch)."""
    embedder.embed_documents(texts[:32])
    started = time.perf_counter()
    embedder.embed_documents(texts)
    return len(texts) / (time.perf_counter() - started)


def encoder_inputs(corpus: Path) -> list[str]:
    """What the pipeline's encoder reads for each passage of ``corpus``: its context line and its text."""
    source = discover([(corpus, corpus.parent)])[0][0]
    settings = ChunkSettings()
    return [encoder_input(p.context, p.text) for a in read_source(source).articles for p in chunk(a, settings)]


def measure(
    size: int,
    squad_file: Path,
    workdir: Path,
    questions: int,
    echo: Echo,
    rate_hint: float | None,
    cache: bool = True,
    device: str = "auto",
) -> dict[str, Any]:
    """All measures for one corpus size, encoding and reading on ``device``.

    With ``cache``, passage vectors come from ``workdir/embeddings.sqlite`` when an earlier run
    encoded the same text with the same model; only the rest is encoded (and the pipeline's
    rate is computed over those alone, the cached ones' time counted against it).
    """
    folder = workdir / f"size-{size}"
    corpus = folder / "corpus" / "bench.jsonl"
    index_dir = folder / "index"
    subprocess.run(["rm", "-rf", str(folder)], check=True)
    asked = build_corpus(squad_file, size, corpus)
    texts = encoder_inputs(corpus)  # the bare model reads exactly what the pipeline's encoder reads
    paragraphs = [
        t for line in corpus.read_text(encoding="utf-8").splitlines() for t in json.loads(line)["text"].split("\n\n")
    ]
    model = SentenceTransformerEmbedder(device=device)
    raw = raw_encode_rate(model, random.Random(1).sample(texts, min(RAW_SAMPLE, len(texts))))
    bare_paragraphs = raw_encode_rate(model, random.Random(1).sample(paragraphs, min(RAW_SAMPLE, len(paragraphs))))
    cached = CachedEmbedder(model, workdir / "embeddings.sqlite") if cache else None
    minutes = size / (rate_hint or raw * 0.8) / 60
    echo(f"{size:,} passages: raw encode {raw:.1f} passages/s; indexing should take at most {minutes:.1f} min")
    live = LiveIndex(IndexConfig(index_dir=index_dir, device=device), embedder=cached or model)
    bar = _bar(size, echo)
    first = Reindexer(live).run([corpus], progress=lambda phase, done, total: _indexing(bar, phase, done, total))
    passages = live.status().passages
    encoded = cached.encoded if cached else first.passages_embedded
    unchanged = Reindexer(live).run([corpus])
    _change_one_article(corpus)
    one = Reindexer(live).run([corpus])
    live.close()
    if cached:
        cached.close()
    serving = _serve(index_dir, asked, questions, device)
    return {
        "device": model.device,
        "passages": passages,
        "articles": len(first.added),
        "index_seconds": round(first.seconds, 2),
        "index_passages_per_s": round(passages / first.seconds, 2),
        "passages_encoded": encoded,
        "passages_from_cache": passages - encoded if cached else 0,
        "raw_encode_passages_per_s": round(raw, 2),
        "raw_encode_paragraphs_per_s": round(bare_paragraphs, 2),  # the baseline until 2026-12-07: bare paragraphs
        "pipeline_vs_raw": round(encoded / first.seconds / raw, 3) if encoded else None,
        "reindex_unchanged_seconds": round(unchanged.seconds, 3),
        "reindex_one_changed_seconds": round(one.seconds, 3),
        "one_changed_passages_embedded": one.passages_embedded,
        **serving,
        "index_mb": round(_size(index_dir) / 2**20, 1),
    }


def _bar(size: int, echo: Echo) -> Callable[[int, int], None]:
    from tqdm import tqdm

    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = tqdm(total=total, desc=f"indexing {size:,}", unit="passage", mininterval=2.0)
        state["bar"].update(done - state["bar"].n)
        if done >= total:
            state["bar"].close()

    return update


def _indexing(bar: Callable[[int, int], None], phase: str, done: int, total: int) -> None:
    if phase == "indexing":  # the files' reading, first, is not what this bar counts
        bar(done, total)


def _change_one_article(corpus: Path) -> None:
    lines = corpus.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[len(lines) // 2])
    record["text"] += "\n\nThis paragraph was added to measure a one-article reindex."
    lines[len(lines) // 2] = json.dumps(record, ensure_ascii=False)
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _serve(index_dir: Path, questions: list[str], count: int, device: str = "auto") -> dict[str, Any]:
    """Warm latency and peak memory, measured in a fresh process that only answers."""
    chosen = random.Random(2).sample(questions, min(count, len(questions)))
    command = [sys.executable, "-m", "lab.bench_serve", f"--device={device}", str(index_dir)]
    done = subprocess.run(command, input=json.dumps(chosen), capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def plot(results: list[dict[str, Any]], path: Path) -> None:
    """Latency against corpus size, and throughput against the raw-encode limit, as one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["passages"] for r in results]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(sizes, [r["ask_ms_p50"] for r in results], marker="o", label="p50")
    left.plot(sizes, [r["ask_ms_p95"] for r in results], marker="o", label="p95")
    left.set(xscale="log", xlabel="passages", ylabel="warm ask latency (ms)", title="Answer latency")
    left.set_ylim(bottom=0)
    left.legend()
    right.plot(sizes, [r["index_passages_per_s"] for r in results], marker="o", label="indexing")
    right.plot(
        sizes, [r["raw_encode_passages_per_s"] for r in results], marker="o", linestyle="--", label="raw model encode"
    )
    right.set(xscale="log", xlabel="passages", ylabel="passages / s", title="Indexing throughput")
    right.set_ylim(bottom=0)
    right.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
