"""The serving side of ``verbatim bench``: open an index, answer questions, report latency and RSS.

Run as ``python -m lab.bench_serve [--device=D] INDEX_DIR [CHROMA_URL COLLECTION [CATALOG_URL]]`` with a JSON
list of questions on stdin; prints one JSON object. A separate process, so its peak memory is that
of serving alone. With a Chroma server, the time to build this app's local replica is reported
too; with a catalog URL the app keeps no replica and reads that process's (``--catalog-url``).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from index.config import IndexConfig
from index.live import LiveIndex
from qa.answering import Answerer
from qa.metrics import percentile


def main() -> None:
    questions = json.loads(sys.stdin.read())
    args = sys.argv[1:]
    device = args.pop(0).removeprefix("--device=") if args and args[0].startswith("--device=") else "auto"
    server = {"chroma_url": args[1], "collection": args[2]} if len(args) > 2 else {}
    if len(args) > 3:
        server["catalog_url"] = args[3]
    index_dir = Path(args[0])
    live = LiveIndex(IndexConfig(index_dir=index_dir, device=device, **server))  # type: ignore[arg-type]
    started = time.perf_counter()
    live.refresh(force=True)  # attaches the replica; with a server and a new folder, builds it
    if live.remote is not None:
        live.remote.stats()  # the catalog answers: this app can serve
    startup = time.perf_counter() - started
    memory = {"rss_opened_mb": _rss_mb()}
    answerer = Answerer(live)
    answerer.warm_up()
    memory["rss_models_mb"] = _rss_mb()
    live.dense(live.embedder().embed_query("warm up"), 1)
    memory["rss_vectors_mb"] = _rss_mb()
    for question in questions[:5]:
        answerer.ask(question)
    times = []
    errors: list[str] = []
    for question in questions:
        started = time.perf_counter()
        try:
            answerer.ask(question)
        except Exception as exc:  # counted and named, as a user would see it; the others go on
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
            continue
        times.append((time.perf_counter() - started) * 1000)
    memory["rss_after_asks_mb"] = _rss_mb()
    live.close()
    result = {
        "ask_questions": len(questions),
        "ask_device": answerer.reader.device,
        "errors": len(errors),
        "error_examples": errors[:3],
        "ask_ms_p50": round(percentile(times, 50), 2) if times else None,
        "ask_ms_p95": round(percentile(times, 95), 2) if times else None,
        "ask_ms_max": round(max(times), 2) if times else None,
        "serving_peak_rss_mb": _peak_mb(),
        "open_seconds": round(startup, 2),
        **memory,
        "replica_mb": round(sum(f.stat().st_size for f in index_dir.glob("catalog-*")) / 2**20, 1),
        "folder_mb": round(sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 2**20, 1),
    }
    print(json.dumps(result))


def _rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory now (Linux), MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _peak_mb() -> float:
    """This process's own peak resident memory (VmHWM, Linux), MB.

    Not ``getrusage``'s ``ru_maxrss``: a process started by another (fork, then exec) inherits
    the parent's resident size at the fork in it, so a server spawned by a 3 GB indexing process
    would report a 3 GB "peak" it never had (the "first serve after a build" spike of issue 20).
    """
    peak = _rss_mb("VmHWM")
    return peak if peak else round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


if __name__ == "__main__":
    main()
