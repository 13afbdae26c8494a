"""A `chroma run` server on loopback, for the tests and for ``verbatim bench server``."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

CHROMA = str(Path(sys.executable).with_name("chroma"))


def free_port() -> int:
    """A port nothing listens on, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_chroma(path: Path, port: int) -> subprocess.Popen[bytes]:
    """`chroma run` on loopback, returned once it answers its heartbeat."""
    import httpx

    with (path.parent / f"chroma-{port}.log").open("wb") as log:
        process = subprocess.Popen(
            [CHROMA, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=log
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    process.wait()
    raise RuntimeError("chroma run did not start")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Terminate and reap."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
