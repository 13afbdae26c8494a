"""A real `verbatim serve` on a free loopback port, with a private corpus and index."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from lab.chroma_server import free_port
from tests.conftest import SEEDS

TOKEN = "test-admin-token"


@dataclass
class Server:
    url: str
    corpus: Path
    index_dir: Path
    process: subprocess.Popen[str]
    log: Path

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}"}


def start_server(folder: Path, *extra: str, token: str | None = TOKEN, index_dir: Path | None = None) -> Server:
    corpus = folder / "corpus"
    if not corpus.exists():
        shutil.copytree(SEEDS, corpus)
    index_dir = index_dir or folder / "index"
    port = free_port()
    log = folder / f"server-{port}.log"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    command = [
        sys.executable,
        "-m",
        "ui.cli",
        "serve",
        str(corpus),
        "--index-dir",
        str(index_dir),
        "--port",
        str(port),
        *extra,
    ]
    if token:
        command += ["--admin-token", token]
    with log.open("w") as output:  # the child keeps its own descriptor
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, text=True, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Server(url, corpus, index_dir, process, log)
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"server did not start:\n{log.read_text()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("server"))
    yield running
    stop_server(running)
