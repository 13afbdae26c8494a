"""Reindex CORPUS into INDEX_DIR and kill -9 this process at the Nth time STEP completes.

Used by tests/test_crash.py: ``python -m tests.crash_runner CORPUS INDEX_DIR STEP N [--full]
[--chroma-url URL --collection PREFIX]``.
Exits 0 (printing "finished") if the step is never reached that often.

``python -m tests.crash_runner --zygote`` imports the stack once (torch, sentence-transformers,
Chroma: most of a fresh process's cost) and then, for each JSON line ``{"args": [...], "log": PATH}``
on its stdin, forks a child that does the above with those arguments (its output in PATH) and
answers one JSON line ``{"returncode": N}`` (-9 when the child was killed). The fork comes before
any model is loaded, any thread is started or any store is opened, so each child starts as a
fresh process would, only without the imports.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from pathlib import Path

from index.config import IndexConfig
from index.live import LiveIndex
from index.reindex import Reindexer


def run(args: list[str]) -> None:
    corpus, index_dir, step, nth = Path(args[0]), Path(args[1]), args[2], int(args[3])
    seen = 0

    def checkpoint(name: str) -> None:
        nonlocal seen
        if name == step:
            seen += 1
            if seen == nth:
                sys.stdout.flush()
                os.kill(os.getpid(), signal.SIGKILL)

    server = {}
    if "--chroma-url" in args:
        at = args.index("--chroma-url")
        server = {"chroma_url": args[at + 1], "collection": args[args.index("--collection") + 1]}
    live = LiveIndex(IndexConfig(index_dir=index_dir, batch_size=2, **server))  # type: ignore[arg-type]
    Reindexer(live, checkpoint=checkpoint).run([corpus], full="--full" in args)
    print("finished")


def zygote() -> None:
    import chromadb  # noqa: F401  (imported here so that every child finds them loaded)
    import sentence_transformers  # noqa: F401
    import torch  # noqa: F401

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the child: its output to the job's log, never back into this loop
            code = 1
            try:
                with open(job["log"], "w", encoding="utf-8") as log:
                    os.dup2(log.fileno(), 1)
                    os.dup2(log.fileno(), 2)
                try:
                    run(job["args"])
                    code = 0
                except BaseException:
                    traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(json.dumps({"returncode": code}), flush=True)


def main() -> None:
    if sys.argv[1:] == ["--zygote"]:
        zygote()
    else:
        run(sys.argv[1:])


if __name__ == "__main__":
    main()
