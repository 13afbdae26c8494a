"""kill -9 in the middle of a reindex, at every step of the write protocol, then recover.

After each crash: every article in the manifest is a real version (old or new) with all its
passages stored, nothing is duplicated; after the next ordinary run, both indexes hold
exactly what the files say.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from index.embedding import SentenceTransformerEmbedder
from index.reindex import Reindexer
from tests.conftest import REPO, SEEDS, LiveFactory, both_backends
from tests.invariants import assert_consistent, corpus_articles

POINTS = [
    ("passages", 1, False),
    ("commit", 1, False),
    ("replica", 2, False),
    ("cleanup", 1, False),
    ("publish", 1, False),
    ("removed", 1, False),
    ("commit", 3, True),
    ("built", 1, True),
    ("switch", 1, True),
]


@pytest.fixture(scope="module")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> tuple[Path, Path, Path]:
    """A corpus indexed once (the pristine index), then changed in every way a reindex handles."""
    from index.config import IndexConfig
    from index.live import LiveIndex

    root = tmp_path_factory.mktemp("crash")
    corpus = root / "corpus"
    shutil.copytree(SEEDS, corpus)
    for name in "abcdef":
        (corpus / f"{name}.txt").write_text(
            f"Article {name} about talks. " * 30 + f"\n\nA second paragraph for {name}.", encoding="utf-8"
        )
    pristine = root / "pristine"
    live = LiveIndex(IndexConfig(index_dir=pristine), embedder=embedder)
    Reindexer(live).run([corpus])
    live.close()
    old = root / "old-corpus"
    shutil.copytree(corpus, old)
    (corpus / "a.txt").write_text(
        (corpus / "a.txt").read_text().replace("second paragraph", "changed paragraph"), encoding="utf-8"
    )
    seed = corpus / "001_b0c10fa15994f385.txt"
    seed.write_text(
        seed.read_text(encoding="utf-8").replace("in Ramallah", "in the city of Ramallah"), encoding="utf-8"
    )
    (corpus / "g.txt").write_text("A new article about a summit in Lima. " * 20, encoding="utf-8")
    (corpus / "h.jsonl").write_text(
        "\n".join(json.dumps({"id": f"h{i}", "text": f"Record {i} about trade talks. " * 15}) for i in range(2)) + "\n",
        encoding="utf-8",
    )
    (corpus / "c.txt").unlink()
    (corpus / "d.txt").rename(corpus / "d2.txt")
    return corpus, old, pristine


@dataclass
class Zygote:
    """One `python -m tests.crash_runner --zygote`: each crash run is a fork of it, not a new interpreter."""

    process: subprocess.Popen[str]

    def run(self, args: list[str], log: Path) -> tuple[int, str]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"args": args, "log": str(log)}) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, f"the crash runner's zygote exited ({self.process.poll()})"
        return int(json.loads(answer)["returncode"]), log.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    errors = (tmp_path_factory.mktemp("zygote") / "stderr.log").open("w")
    command = [sys.executable, "-m", "tests.crash_runner", "--zygote"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(
        command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True, env=env
    )
    assert process.stdout is not None and json.loads(process.stdout.readline()) == {"ready": True}
    yield Zygote(process)
    assert process.stdin is not None
    process.stdin.close()  # the zygote's loop ends
    process.wait(timeout=30)
    process.stdout.close()
    errors.close()


@pytest.fixture(params=["embedded", "server"])
def backend(request: pytest.FixtureRequest) -> str | None:
    """The same protocol against embedded Chroma and against a `chroma run` server."""
    return both_backends(request)


@pytest.mark.parametrize(("step", "nth", "full"), POINTS, ids=[f"{s}-{n}{'-full' if f else ''}" for s, n, f in POINTS])
def test_kill_9_mid_reindex_leaves_a_consistent_index_that_the_next_run_completes(
    scenario: tuple[Path, Path, Path],
    zygote: Zygote,
    tmp_path: Path,
    make_live: LiveFactory,
    backend: str | None,
    step: str,
    nth: int,
    full: bool,
) -> None:
    changed, old, pristine = scenario
    index_dir = tmp_path / "index"
    corpus = changed
    extra: list[str] = []
    if backend is None:
        shutil.copytree(pristine, index_dir)
    else:  # the pristine index, built in this test's own collections on the shared server
        corpus = tmp_path / "corpus"
        shutil.copytree(old, corpus)
        first = make_live(index_dir)
        Reindexer(first).run([corpus])
        shutil.rmtree(corpus)
        shutil.copytree(changed, corpus)
        extra = ["--chroma-url", backend, "--collection", first.config.collection]
    args = [str(corpus), str(index_dir), step, str(nth), *extra, *(["--full"] if full else [])]
    returncode, output = zygote.run(args, tmp_path / "crash-run.log")
    assert returncode == -9, f"the run was not killed at {step} #{nth}: {output}"

    live = make_live(index_dir)
    live.refresh(force=True)
    generation = live.generation
    manifest = generation.manifest()
    real = {a.checksum for a in corpus_articles(old).values()} | {a.checksum for a in corpus_articles(corpus).values()}
    assert {e.checksum for e in manifest.values()} <= real  # every stored article is a real version
    keys = generation.passage_keys()
    assert [p for p, n in Counter(k[0] for k in keys).items() if n > 1] == []
    present = Counter((a, v) for _, a, v in keys)
    assert all(present[(i, e.version)] == e.n_passages for i, e in manifest.items())  # committed means complete

    report = Reindexer(live).run([corpus])
    assert report.problems == ()
    assert_consistent(live, corpus_articles(corpus))
    assert live.store.tokens() == [live.generation.token]
    assert sorted(p.name for p in index_dir.glob("catalog-*.sqlite")) == [f"catalog-{live.generation.token}.sqlite"]
