"""Small linear models that rank passages and sentences and give a calibrated confidence.

Their weights are fitted on SQuAD dev (``verbatim eval fit``; see docs/EVALUATION.md) and
shipped in ``qa/weights.json``; nothing here is tuned by hand to particular questions.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

Features = dict[str, float]


@dataclass(frozen=True, slots=True)
class Linear:
    """``bias + sum(weight * feature)``; features are standardised with the stored means and scales."""

    weights: dict[str, float]
    bias: float = 0.0
    means: dict[str, float] = field(default_factory=dict)
    scales: dict[str, float] = field(default_factory=dict)

    def score(self, features: Features) -> float:
        """The model's raw score (a log-odds for the logistic models)."""
        total = self.bias
        for name, weight in self.weights.items():
            value = features.get(name, 0.0)
            total += weight * (value - self.means.get(name, 0.0)) / self.scales.get(name, 1.0)
        return total

    def probability(self, features: Features) -> float:
        """The logistic of the score, in [0, 1]."""
        return sigmoid(self.score(features))

    def as_json(self) -> dict[str, Any]:
        """The stored form."""
        return {"weights": self.weights, "bias": self.bias, "means": self.means, "scales": self.scales}


def sigmoid(value: float) -> float:
    """The logistic function, safe for large magnitudes."""
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


@dataclass(frozen=True, slots=True)
class Trees:
    """Gradient-boosted regression trees on named features, read as a log-odds (a confidence model).

    Each tree is a list of nodes ``[feature, threshold, left, right, value]``; a node whose
    ``feature`` is -1 is a leaf worth ``value``. A value at or below the threshold goes left.
    Fitted by scikit-learn's ``HistGradientBoostingClassifier`` (``lab.reader_calibration.fit_trees``), stored
    as plain JSON and evaluated here, so answering needs no pickle and no scikit-learn.
    """

    names: tuple[str, ...]
    baseline: float
    trees: tuple[tuple[tuple[int, float, int, int, float], ...], ...]

    def score(self, features: Features) -> float:
        """The summed leaves (a log-odds)."""
        values = [features.get(name, 0.0) for name in self.names]
        total = self.baseline
        for nodes in self.trees:
            node = nodes[0]
            while node[0] >= 0:
                node = nodes[node[2] if values[node[0]] <= node[1] else node[3]]
            total += node[4]
        return total

    def probability(self, features: Features) -> float:
        """The logistic of the score, in [0, 1]."""
        return sigmoid(self.score(features))

    def as_json(self) -> dict[str, Any]:
        """The stored form."""
        return {"kind": "trees", "names": list(self.names), "baseline": self.baseline,
                "trees": [[list(node) for node in nodes] for nodes in self.trees]}  # fmt: skip


Confidence = Linear | Trees


def confidence_from_json(data: dict[str, Any]) -> Confidence:
    """A stored confidence model: trees when so marked, else linear."""
    if data.get("kind") == "trees":
        return Trees(
            tuple(str(n) for n in data["names"]),
            float(data["baseline"]),
            tuple(tuple((int(f), float(t), int(lo), int(hi), float(v)) for f, t, lo, hi, v in nodes)
                  for nodes in data["trees"]),
        )  # fmt: skip
    return linear_from_json(data)


@dataclass(frozen=True, slots=True)
class Models:
    """The three models the answerer uses."""

    passage: Linear
    sentence: Linear
    confidence: Linear
    threshold: float = 0.3
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        """The stored form of all three."""
        return {
            "note": self.note,
            "threshold": self.threshold,
            "passage": self.passage.as_json(),
            "sentence": self.sentence.as_json(),
            "confidence": self.confidence.as_json(),
        }


def linear_from_json(data: dict[str, Any]) -> Linear:
    return Linear(
        weights={k: float(v) for k, v in data["weights"].items()},
        bias=float(data.get("bias", 0.0)),
        means={k: float(v) for k, v in data.get("means", {}).items()},
        scales={k: float(v) for k, v in data.get("scales", {}).items()},
    )


def load_models(path: Path | None = None) -> Models:
    """Read the weights: a given file, or the ones shipped with the package."""
    if path is None:
        text = resources.files("qa").joinpath("weights.json").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    return Models(
        linear_from_json(data["passage"]),
        linear_from_json(data["sentence"]),
        linear_from_json(data["confidence"]),
        float(data.get("threshold", 0.3)),
        str(data.get("note", "")),
    )


def save_models(models: Models, path: Path) -> None:
    """Write the weights as JSON."""
    path.write_text(json.dumps(models.as_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
