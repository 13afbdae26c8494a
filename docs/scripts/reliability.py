"""Reliability diagram of the shown confidence, from `verbatim eval squad --json` reports.

    .venv/bin/python docs/scripts/reliability.py docs/reliability.png \
        "SQuAD dev=docs/results/quality/squad-dev.json:reliability" \
        "SQuAD 2.0 half=docs/results/quality/squad2-held-out.json:reliability" \
        "news evidence=docs/results/quality/news-evidence.json:reliability" \
        "news 2024 H1=docs/results/quality/news-2024h1.json:reliability_open"

Each argument is LABEL=REPORT[:KEY]; KEY is the report's bins (``reliability``: the strict rule,
the first excerpt holds the question's own gold span; ``reliability_open``: it holds a gold
answer string). A perfectly calibrated confidence lies on the diagonal.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(out: Path, series: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(5.5, 5))
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    for item in series:
        label, _, where = item.partition("=")
        path, _, key = where.partition(":")
        report = json.loads(Path(path).read_text(encoding="utf-8"))
        summary = report.get("summary", report)
        bins = summary[key or "reliability"]
        ece = summary["ece" if (key or "reliability") == "reliability" else "ece_open"]
        xs, ys, ns = zip(*bins, strict=True)
        axis.plot(xs, ys, marker="o", label=f"{label} (ECE {ece:.3f}, {sum(ns)} questions)")
    axis.set(
        xlim=(0, 1), ylim=(0, 1), xlabel="shown confidence (bin mean)", ylabel="share whose first excerpt is right"
    )
    axis.set_title("Is a 90 % answer right 9 times in 10?")
    axis.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
