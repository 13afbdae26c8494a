"""The reader's speed on this CPU, fp32 against int8 (torch dynamic quantisation), and whether
int8 gives the same answers.

    .venv/bin/python docs/scripts/reader_speed.py [READER_DIR] [--questions 300] [--passes 1]

Contexts are made from SQuAD v1.1 dev as the reader's training examples are (the article's
sentences ranked by the question's words), so no index is needed. Each question is read alone
(batch 1, as the answerer does), after a warm-up. Agreement: the same best sentence, and the
same span in it.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

from qa.reader import base_model_folder, build_model, load_tokenizer, read_batch, shipped_folder
from qa.reader_examples import ArticleSentences, Mix, build_examples
from qa.reader_windows import ReaderSettings
from qa.squad import load_squad, sample


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?", type=Path, default=shipped_folder())
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--squad", type=Path, default=Path("../shared/data/squad-dev-v1.1.json"))
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    squad = load_squad(args.squad)
    articles = {a.id: ArticleSentences(a) for a in squad.articles}
    questions = sample(list(squad.questions), args.questions, 0)
    examples = build_examples(articles, questions, random.Random(0), Mix(missing=0.0, other_article=0.0, cross=0.0))
    items = [(e.question, e.texts, e.order) for e in examples]
    settings = ReaderSettings(passes=args.passes)
    tokenizer = load_tokenizer(base_model_folder())
    fp32 = build_model(base_model_folder(), args.folder / "reader.safetensors").eval()
    int8 = torch.ao.quantization.quantize_dynamic(fp32, {torch.nn.Linear}, dtype=torch.qint8)
    report = {}
    readings = {}
    for name, model in (("fp32", fp32), ("int8", int8)):
        read_batch(model, tokenizer, items[:3], settings)  # warm-up
        times, out = [], []
        for item in items:
            started = time.perf_counter()
            out.append(read_batch(model, tokenizer, [item], settings)[0])
            times.append((time.perf_counter() - started) * 1000)
        readings[name] = out
        times.sort()
        report[name] = {"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))]}
    same_sentence = sum(a.best() == b.best() for a, b in zip(readings["fp32"], readings["int8"], strict=True))
    same_span = sum(
        a.best() == b.best() and a.spans[a.best()] == b.spans[b.best()]  # type: ignore[index]
        for a, b in zip(readings["fp32"], readings["int8"], strict=True)
    )
    report["agreement"] = {
        "questions": len(items),
        "same_sentence": same_sentence / len(items),
        "same_span": same_span / len(items),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
