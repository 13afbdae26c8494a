"""``verbatim bench load``: concurrent users asking a real server, with and without a reindex.

Loopback only and bounded: the server is started here on 127.0.0.1 (seeds plus a generated
corpus), each phase runs for a fixed time, and everything stops by itself.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from lab.bench import build_corpus
from qa.metrics import percentile

TOKEN = "load-test-token"
Echo = Callable[[str], None]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(
    workdir: Path, passages: int, squad: Path, echo: Echo
) -> tuple[subprocess.Popen[bytes], str, list[str], Path]:
    """Build the corpus (kept between runs), start the server, wait until it answers."""
    corpus = workdir / "corpus"
    if not corpus.exists():
        shutil.copytree(Path(__file__).resolve().parent.parent / "seeds", corpus)
    questions = build_corpus(squad, passages, corpus / "bench.jsonl") if passages else []
    questions += [
        "Who did Blinken meet in Ramallah?",
        "What did Netanyahu reject?",
        "How many Palestinians died in Gaza?",
    ]
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # The server under load is the product itself, run as a process (lab never imports ui).
    command = [sys.executable, "-m", "ui.cli", "serve", str(corpus), "--index-dir", str(workdir / "index"),
               "--port", str(port), "--admin-token", TOKEN]  # fmt: skip
    echo(f"starting a server with {passages:,} generated passages plus the seeds (the first run indexes them) ...")
    with (workdir / "server.log").open("wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped; see {workdir / 'server.log'}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return server, url, questions, corpus
        except httpx.HTTPError:
            time.sleep(1.0)


def phase(url: str, questions: list[str], users: int, seconds: float) -> dict[str, Any]:
    """``users`` threads asking back to back for ``seconds``; latency, throughput, errors."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user(number: int) -> None:
        rng = random.Random(number)
        with httpx.Client(timeout=60) as client:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    response = client.post(f"{url}/api/ask", json={"question": rng.choice(questions)})
                    ok = response.status_code == 200
                    problem = "" if ok else f"{response.status_code}: {response.text[:120]}"
                except httpx.HTTPError as exc:
                    ok, problem = False, type(exc).__name__
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors.append(problem)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "users": users,
        "seconds": round(wall, 1),
        "requests": len(latencies) + len(errors),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        "throughput_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "max_ms": round(max(latencies, default=0.0), 1),
    }


def during_reindex(url: str, corpus: Path, questions: list[str], users: int, seconds: float) -> dict[str, Any]:
    """A phase while the server reindexes again and again (an article edited before each)."""
    stop = threading.Event()
    reindexes: list[float] = []
    article = corpus / "000_c355127225fa61d9.txt"
    original = article.read_text(encoding="utf-8")

    def writer() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            article.write_text(original + f"\n\nLoad-test edit number {n}.", encoding="utf-8")
            response = httpx.post(f"{url}/api/reindex", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=300)
            if response.status_code == 200:
                reindexes.append(response.json()["seconds"])

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = phase(url, questions, users, seconds)
    finally:
        stop.set()
        thread.join()
        article.write_text(original, encoding="utf-8")
    return {**result, "during_reindex": True, "reindexes": len(reindexes)}


def run_load(
    users: list[int], seconds: float, passages: int, workdir: Path, squad: Path, echo: Echo
) -> list[dict[str, Any]]:
    """Every phase, in order; the server is stopped at the end whatever happens."""
    workdir.mkdir(parents=True, exist_ok=True)
    server, url, questions, corpus = start(workdir, passages, squad, echo)
    results = []
    try:
        phase(url, questions, 2, 3.0)  # warm-up, not reported
        for count in users:
            echo(f"{count} concurrent users for {seconds:g} s ...")
            results.append({**phase(url, questions, count, seconds), "during_reindex": False})
        echo(f"{max(users)} concurrent users for {seconds:g} s while reindexing ...")
        results.append(during_reindex(url, corpus, questions, max(users), seconds))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return results
