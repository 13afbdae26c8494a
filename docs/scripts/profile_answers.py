"""Where an answer's time goes on a Chroma server's index: cProfile over SQuAD dev questions.

    PYTHONPATH=. .venv/bin/python docs/scripts/profile_answers.py INDEX_DIR CHROMA_URL [CATALOG_URL]

INDEX_DIR holds a complete replica (for `verbatim bench server`: ``.verbatim-scale/writer``, with
the server started on ``.verbatim-scale/chroma``); with CATALOG_URL the app keeps none and reads
that process's. Prints the warm latency (p50, max) of 22 answers and the 35 costliest calls.
"""

from __future__ import annotations

import cProfile
import pstats
import random
import sys
import time
from pathlib import Path

from index.config import IndexConfig
from index.live import LiveIndex
from qa.answering import Answerer
from qa.squad import load_squad

questions = [q.question for q in load_squad(Path("../shared/data/squad-dev-v1.1.json")).questions]
chosen = random.Random(3).sample(questions, 25)
server = {"chroma_url": sys.argv[2], "collection": "scale"}
if len(sys.argv) > 3:
    server["catalog_url"] = sys.argv[3]
live = LiveIndex(IndexConfig(index_dir=Path(sys.argv[1]), **server))  # type: ignore[arg-type]
live.refresh(force=True)
answerer = Answerer(live)
answerer.warm_up()
for question in chosen[:3]:
    answerer.ask(question)
profile = cProfile.Profile()
times = []
profile.enable()
for question in chosen[3:]:
    started = time.perf_counter()
    answerer.ask(question)
    times.append((time.perf_counter() - started) * 1000)
profile.disable()
times.sort()
print(f"p50 {times[len(times) // 2]:.0f} ms, max {times[-1]:.0f} ms")
pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
