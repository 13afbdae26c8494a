"""``verbatim bench server``: a Chroma server holding many passages, with app processes in front.

Encoding a million passages takes about ten hours here, so the passages are **synthetic**:
copies of the ``verbatim bench`` corpus's real passages (their text, their sentence vectors),
each copy's passage vector perturbed by Gaussian noise (cosine about 0.95 to the original) so
that the HNSW graph holds distinct points. The vectors come from the bench's embedding cache;
nothing is encoded here except the questions.

Measured: the time to fill the server; its memory and disk; the store's query latency (dense
top-30, as an answer asks it); the writer's replica (the keyword index and passage records the
writer keeps beside the store), written from the same items, and its size; one app that builds
its own replica from the server, the way before the catalog (for at most ``replica_seconds``:
at a million passages it takes hours, so its rate is what is measured); then the writer's
replica served as the catalog (``ui.catalog_host``) and app processes started at once on empty
folders with ``--catalog-url`` (start-up, disk, memory, answer latency), and the catalog host's
memory.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from index.article import make_article
from index.catalog import Catalog
from index.chunking import ChunkSettings, Passage, chunk
from index.embedding import SentenceTransformerEmbedder
from index.generation import ArticleRecord, Generation
from index.store import PASSAGE_LAYOUT, ChromaStore, IndexSettings, StoreState
from index.vectors import PassageVectors
from lab.embedding_cache import CachedEmbedder
from qa.metrics import percentile
from qa.squad import load_squad

NOISE = 0.0168  # per-dimension standard deviation: cosine about 0.95 to the original in 384 dimensions
Echo = Callable[[str], None]
Item = tuple[Any, tuple[Passage, ...], list[PassageVectors]]


def synthetic(corpus: Path, cache: CachedEmbedder, passages: int, seed: int = 0) -> Iterator[Item]:
    """Articles (copies of the corpus's) with their passages and perturbed vectors, up to ``passages``."""
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = np.random.default_rng(seed)
    settings = ChunkSettings(150, 1)
    made = 0
    for copy in range(10**6):
        for record in records:
            article = make_article(id=f"syn{copy:03d}-{record['id']}", text=record["text"], title=record["title"])
            pieces = chunk(article, settings)
            cached = cache.lookup([p.text for p in pieces], [p.context for p in pieces])
            if cached is None:
                continue  # a passage the bench never encoded: skip the article
            vectors = [_perturbed(v, rng) if copy else v for v in cached]
            yield article, pieces, vectors
            made += len(pieces)
            if made >= passages:
                return
        if not made:
            raise ValueError(f"none of the passages of {corpus} are in the embedding cache: run `verbatim bench` first")


def _perturbed(vectors: PassageVectors, rng: np.random.Generator) -> PassageVectors:
    moved = vectors.passage + rng.normal(0.0, NOISE, vectors.passage.shape).astype(np.float32)
    return PassageVectors((moved / np.linalg.norm(moved)).astype(np.float32), vectors.spans, vectors.sentences)


def fill(store: ChromaStore, items: Iterator[Item], echo: Echo, model: str) -> tuple[Generation, int, float]:
    """Write the items as one generation and make it active; return it, its passages and seconds."""
    started = time.perf_counter()
    generation = store.create_generation()
    batch: list[Item] = []
    written = 0
    last = started
    for item in items:
        batch.append(item)
        if sum(len(p) for _, p, _ in batch) >= 2000:
            written += _write(generation, batch)
            batch = []
            if time.perf_counter() - last > 30:
                last = time.perf_counter()
                echo(f"  {written:,} passages in {last - started:.0f} s")
    written += _write(generation, batch)
    settings = IndexSettings(model=model, dimension=384, chunk_words=150, chunk_overlap=1, layout=PASSAGE_LAYOUT)
    store.set_state(StoreState(generation.token, 1, True, settings))
    return generation, written, time.perf_counter() - started


def _write(generation: Generation, batch: list[Item]) -> int:
    if not batch:
        return 0
    generation.add_many(batch)
    now = time.time()
    generation.put_articles([ArticleRecord(a, len(p), now) for a, p, _ in batch])
    return sum(len(p) for _, p, _ in batch)


def query_latency(generation: Generation, vectors: list[Any], k: int = 30) -> dict[str, float]:
    """Dense top-``k`` from the store, as one answer asks it (milliseconds)."""
    for vector in vectors[:5]:
        generation.query(vector, k)
    times = []
    for vector in vectors:
        started = time.perf_counter()
        generation.query(vector, k)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "store_query_ms_p50": round(percentile(times, 50), 2),
        "store_query_ms_p95": round(percentile(times, 95), 2),
    }


def apps(
    count: int,
    url: str,
    prefix: str,
    workdir: Path,
    questions: list[str],
    catalog: str | None = None,
    name: str = "app",
) -> list[dict[str, Any]]:
    """``count`` app processes started at once on empty folders; each builds its replica (or, with
    ``catalog``, reads that process's), then answers."""
    runs = []
    for number in range(count):
        folder = workdir / f"{name}-{number}"
        subprocess.run(["rm", "-rf", str(folder)], check=True)
        command = [sys.executable, "-m", "lab.bench_serve", str(folder), url, prefix, *([catalog] if catalog else [])]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        runs.append(process)
    chosen = json.dumps(random.Random(3).sample(questions, 60))
    results = []
    for number, process in enumerate(runs):
        out, _ = process.communicate(chosen)
        results.append(_report(out, process.returncode, f"{name}-{number}"))
    return results


def _report(out: str, returncode: int, label: str) -> dict[str, Any]:
    """An app process's JSON report (its last line of output), or why there is none."""
    if returncode or not out.strip():
        raise RuntimeError(f"{label} failed (exit {returncode}); its error is printed above")
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def writer_replica(folder: Path, items: Iterator[Item], state: StoreState, echo: Echo) -> dict[str, Any]:
    """The replica the writer keeps of ``state``'s generation, written from the items the fill wrote."""
    subprocess.run(["rm", "-rf", str(folder)], check=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    catalog = Catalog(folder / f"catalog-{state.token}.sqlite")
    now = time.time()
    written = 0
    last = started
    for article, pieces, vectors in items:
        catalog.apply(ArticleRecord(article, len(pieces), now), pieces, vectors)
        written += len(pieces)
        if time.perf_counter() - last > 60:
            last = time.perf_counter()
            echo(f"  writer's replica: {written:,} passages in {last - started:.0f} s")
    applied = time.perf_counter() - started
    catalog.regroup()
    catalog.set_meta("generation", str(state.generation))
    catalog.close()
    return {
        "passages": written,
        "write_seconds": round(applied, 1),
        "regroup_seconds": round(time.perf_counter() - started - applied, 1),
        "replica_mb": folder_mb(folder),
    }


def replica_probe(url: str, prefix: str, workdir: Path, questions: list[str], seconds: float) -> dict[str, Any]:
    """An app that builds its own replica from the server: its figures if it is done within
    ``seconds``, else how far it got (the replica's size then), and it is stopped."""
    folder = workdir / "replica-app-0"
    subprocess.run(["rm", "-rf", str(folder)], check=True)
    command = [sys.executable, "-m", "lab.bench_serve", str(folder), url, prefix]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None
    process.stdin.write(json.dumps(random.Random(3).sample(questions, 60)))
    process.stdin.close()
    started = time.perf_counter()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        reached = folder_mb(folder)
        process.kill()
        process.wait()
        return {"finished": False, "stopped_after_s": round(time.perf_counter() - started, 1), "replica_mb": reached}
    assert process.stdout is not None
    return {"finished": True, **_report(process.stdout.read(), process.returncode, "replica-app-0")}


def process_memory(pid: int) -> dict[str, float]:
    """Current and peak resident memory of a process, MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return {"server_rss_mb": fields.get("VmRSS", 0.0), "server_peak_rss_mb": fields.get("VmHWM", 0.0)}


def question_vectors(squad_file: Path, count: int) -> tuple[list[str], list[Any]]:
    """SQuAD questions and their vectors (the only encoding this benchmark does)."""
    questions = [q.question for q in load_squad(squad_file).questions]
    chosen = random.Random(1).sample(questions, count)
    embedder = SentenceTransformerEmbedder()
    return questions, [embedder.embed_query(q) for q in chosen]


def folder_mb(folder: Path) -> float:
    """Size of everything under ``folder``."""
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20, 1)


def run(
    passages: int,
    app_counts: list[int],
    workdir: Path,
    squad_file: Path,
    corpus: Path,
    cache_file: Path,
    echo: Echo,
    reuse: bool = False,
    replica_seconds: float = 600.0,
) -> dict[str, Any]:
    """Start a server in ``workdir``, fill it, measure it and the apps in front of it, stop it.

    With ``reuse``, the server data an earlier run filled stays and the fill is skipped.
    """
    from lab.chroma_server import free_port, start_chroma, stop_process

    if not reuse:
        subprocess.run(["rm", "-rf", str(workdir / "chroma")], check=True)
    elif not (workdir / "chroma").is_dir():
        raise ValueError(f"--reuse: there is no filled server in {workdir / 'chroma'}; run once without it")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = start_chroma(workdir / "chroma", port)
    url = f"http://127.0.0.1:{port}"
    try:
        model = SentenceTransformerEmbedder()
        cache = CachedEmbedder(model, cache_file)
        store = ChromaStore(url=url, prefix="scale")
        result: dict[str, Any]
        if reuse:
            token = store.state().token
            if token is None:
                raise ValueError(f"--reuse: the server in {workdir / 'chroma'} has no active index; run without it")
            generation = store.generation(token)
            result = {"passages": generation.count(), "synthetic": True, "reused": True}
            echo(f"reusing {result['passages']:,} passages in {workdir / 'chroma'}")
        else:
            echo(f"filling {url} with {passages:,} synthetic passages from {corpus}")
            generation, written, seconds = fill(store, synthetic(corpus, cache, passages), echo, model.name)
            result = {
                "passages": written,
                "synthetic": True,
                "fill_seconds": round(seconds, 1),
                "fill_passages_per_s": round(written / seconds, 1),
            }
        result.update({**process_memory(server.pid), "server_disk_mb": folder_mb(workdir / "chroma")})
        questions, vectors = question_vectors(squad_file, 200)
        result.update(query_latency(generation, vectors))
        echo("  " + ", ".join(f"{k} {v}" for k, v in result.items()))
        state = store.state()
        writer = writer_replica(workdir / "writer", synthetic(corpus, cache, passages), state, echo)
        if writer["passages"] != result["passages"]:
            raise RuntimeError(
                f"the writer's replica holds {writer['passages']:,} passages, the store {result['passages']:,}"
            )
        result["writer_replica"] = writer
        echo("  the writer's replica: " + json.dumps(writer))
        # One app the old way (its own replica, built from the server): the figure the catalog replaces.
        result["replica_app"] = replica_probe(url, "scale", workdir, questions, replica_seconds)
        echo("  an app building its own replica: " + json.dumps(result["replica_app"]))
        result.update(catalog_apps(url, workdir, questions, app_counts, echo))
        result.update({f"after_apps_{k}": v for k, v in process_memory(server.pid).items()})
        return result
    finally:
        stop_process(server)


def catalog_apps(url: str, workdir: Path, questions: list[str], app_counts: list[int], echo: Echo) -> dict[str, Any]:
    """The writer's replica (``workdir/writer``) served as the catalog, and ``app_counts`` app
    processes started at once on it with ``--catalog-url``; with the catalog host's memory after each."""
    from lab.chroma_server import free_port, stop_process

    port = free_port()
    host = subprocess.Popen([sys.executable, "-m", "ui.catalog_host", str(workdir / "writer"), url, "scale", str(port)])
    result: dict[str, Any] = {}
    try:
        catalog = f"http://127.0.0.1:{port}"
        _wait_healthy(catalog, host)
        for count in app_counts:
            runs = apps(count, url, "scale", workdir, questions, catalog=catalog)
            result[f"apps_{count}"] = runs
            echo(f"  {count} app(s) on the catalog: " + json.dumps(runs))
            result[f"catalog_host_after_apps_{count}"] = _memory(host.pid)
    finally:
        stop_process(host)
    return result


def _wait_healthy(url: str, process: subprocess.Popen[Any], seconds: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the catalog host exited early")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the catalog host at {url} did not start")


def _memory(pid: int) -> dict[str, float]:
    found = process_memory(pid)
    return {"rss_mb": found["server_rss_mb"], "peak_rss_mb": found["server_peak_rss_mb"]}
