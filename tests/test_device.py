"""``--device``: where the encoder and the reader run (``index.device``), on every command that runs them."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
import torch
from click.testing import CliRunner

from index.device import CPU_BATCH, CUDA_BATCH, batch_size_for, resolve_device
from index.embedding import SentenceTransformerEmbedder
from index.errors import DeviceError
from qa.reader import Reader
from ui.cli import main

NO_CUDA = not torch.cuda.is_available()
RUNS_MODELS = (
    ("index",), ("status",), ("serve",), ("ask",), ("eval", "squad"), ("eval", "fit"), ("bench",),
    ("train", "reader"), ("train", "calibrate"),
)  # fmt: skip


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def command(names: tuple[str, ...]) -> click.Command:
    found: click.Command = main
    for name in names:
        assert isinstance(found, click.Group)
        found = found.commands[name]
    return found


@pytest.mark.parametrize("names", RUNS_MODELS, ids=" ".join)
def test_every_command_that_runs_a_model_takes_device_documented_with_its_variable(names: tuple[str, ...]) -> None:
    option = next(p for p in command(names).params if p.name == "device")
    assert isinstance(option, click.Option) and isinstance(option.type, click.Choice)
    wanted = (["auto", "cpu", "cuda"], "auto", "VERBATIM_DEVICE")
    assert (list(option.type.choices), option.default, option.envvar) == wanted
    code, out, _ = run(*names, "--help")
    assert code == 0 and "--device [auto|cpu|cuda]" in out and "VERBATIM_DEVICE" in out


def test_auto_and_cpu_resolve_without_a_gpu_and_batches_follow_the_device() -> None:
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert (batch_size_for("cpu"), batch_size_for("cuda"), batch_size_for("cuda", 64)) == (CPU_BATCH, CUDA_BATCH, 64)
    with pytest.raises(DeviceError, match="unknown device 'tpu'"):
        resolve_device("tpu")


@pytest.mark.skipif(not NO_CUDA, reason="this machine has a CUDA GPU")
def test_cuda_without_a_gpu_is_a_usage_error_that_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DeviceError, match="finds no CUDA GPU"):
        resolve_device("cuda")
    code, _, err = run("index", "seeds", "--index-dir", str(tmp_path / "ix"), "--device", "cuda")
    assert code == 2
    assert "Invalid value for '--device'" in err and "finds no CUDA GPU here" in err
    assert "--device auto" in err and "--device cpu" in err and "Traceback" not in err
    assert not (tmp_path / "ix").exists()  # refused before anything was opened
    result = CliRunner(env={"VERBATIM_DEVICE": "cuda"}).invoke(main, ["status", "--index-dir", str(tmp_path / "ix")])
    assert result.exit_code == 2 and "VERBATIM_DEVICE" in result.stderr


def test_index_then_ask_on_the_cpu_end_to_end_and_status_names_the_device(corpus: Path, tmp_path: Path) -> None:
    index_dir = str(tmp_path / "ix")
    code, out, err = run("index", str(corpus), "--index-dir", index_dir, "--device", "cpu", "--json")
    assert code == 0, err
    assert json.loads(out)["passages_embedded"] == 6
    question = "How many Palestinians have been killed in Gaza?"
    code, out, err = run("ask", question, "--index-dir", index_dir, "--device", "cpu", "--json")
    answer = json.loads(out)
    assert code == 0, err
    assert answer["answered"] and answer["citations"][0]["article_id"] == "001_b0c10fa15994f385.txt"
    code, out, _ = run("status", "--index-dir", index_dir, "--device", "cpu", "--json")
    assert code == 0 and json.loads(out)["device"] == "cpu"
    code, out, _ = run("status", "--index-dir", index_dir, "--device", "cpu")
    assert "encoder and reader run on cpu" in out


def test_the_encoder_and_the_reader_run_where_they_are_told() -> None:
    embedder = SentenceTransformerEmbedder(device="cpu")
    assert (embedder.device, embedder.embed_query("a question").shape) == ("cpu", (384,))
    reader = Reader(device="cpu")
    assert reader.available() and reader.status() == "trained reader ready on cpu"
    assert next(reader._model.parameters()).device == torch.device("cpu")
    reading = reader.read("Who won?", ["The home team won the final.", "It rained."], [(0, 0), (0, 1)])
    assert reading is not None and reading.best() == 0


def test_api_status_says_which_device_runs(corpus: Path, embedder: SentenceTransformerEmbedder, tmp_path: Path) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from index.config import IndexConfig
    from index.live import LiveIndex
    from index.reindex import Reindexer
    from ui.api import router
    from ui.service import Service

    live = LiveIndex(IndexConfig(index_dir=tmp_path / "ix", device="cpu"), embedder=embedder)
    try:
        Reindexer(live).run([corpus])
        app = FastAPI()
        app.include_router(router(Service(live, corpus)))
        status = TestClient(app).get("/api/status").json()
    finally:
        live.close()
    assert (status["device"], status["articles"]) == ("cpu", 2)
    assert status["reader"].startswith("trained reader")
