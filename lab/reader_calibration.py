"""The reader's last training step: how it chooses the sentence, and a confidence that means what it says.

On the calibration articles (never fine-tuned on: ``lab.reader_split``), every question is
asked through the whole answerer with the new reader:

1. the **combination** (a conditional logit over each question's read sentences, on the rankers'
   sentence score and the reader's span and no-answer scores) chooses the sentence to cite;
2. the **confidence** (a logistic regression on the chosen sentence's reader and retrieval
   evidence) is the probability that the first excerpt holds the answer. Its rows are the
   calibration articles' answerable questions (right or wrong pick), SQuAD 2.0's unanswerable
   ones, and questions asked of articles that are not theirs (off-topic), all labelled wrong;
3. the **threshold** keeps ``answer_rate`` of the answerable questions answered.

Everything lands in the reader folder's ``reader.json``.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from index.live import LiveIndex
from lab.evaluate import cached_embedder, open_corpus, run_questions
from lab.fit import News
from lab.judging import holds
from lab.reader_split import reader_split
from qa.answering import Answerer, AnswerSettings, Result
from qa.fitting import Group, choose_threshold, fit_logistic, fit_ranker
from qa.metrics import auroc, contains_answer, expected_calibration_error
from qa.models import Confidence, Features, Linear, Trees, load_models
from qa.reader import (
    COMBINE_FEATURES,
    CONFIDENCE_FEATURES,
    SETTINGS_FILE,
    WEIGHTS_FILE,
    Reader,
    ReaderConfig,
    load_config,
    save_config,
)
from qa.reader_windows import ReaderSettings
from qa.reading import with_combined
from qa.squad import GoldQuestion, load_squad, sample, sample_articles

Progress = Callable[[str], Callable[[int, int], Callable[[int], None]]]
_OFF_TOPIC = 600
_ROWS_CACHE = Path(".verbatim-train") / "calibration-rows"


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    """One calibration question's read sentences, which of them hold a gold span, and if it can be answered."""

    features: list[Features]
    labels: list[bool]
    answerable: bool
    population: str = ""


def calibrate_reader(
    file: Path,
    squad2: Path,
    out: Path,
    split_seed: int = 13,
    answer_rate: float = 0.9,
    progress: Progress | None = None,
    note: str | None = None,
    measures: dict[str, Any] | None = None,
    limit: int = 2000,
    news: Sequence[News] = (),
    passes: int | None = None,
    news_weight: float = 1.0,
    max_length: int | None = None,
    candidates: int | None = None,
    model: str = "logistic",
    device: str = "auto",
) -> dict[str, Any]:
    """Fit the combination, the confidence and the threshold for the reader in ``out``, reading (and
    encoding the calibration articles) on ``device``.

    ``passes``, ``max_length``, ``candidates``: read this way from now on (the ``ReaderSettings``
    fields of those names; None keeps the folder's setting). The fit is for the reading it will
    serve with.

    ``news``: news files whose questions asked up to their day join the fit (the earlier part of
    news-dev, split by time), a read sentence counting right when it holds a gold answer string.

    ``model``: the confidence's form, "logistic" or "trees" (``fit_trees``).
    """
    if not (out / SETTINGS_FILE).exists():
        save_config(ReaderConfig(ReaderSettings(), Linear({}), 0.0), out)
    previous = load_config(out)
    reading = {"passes": passes, "max_length": max_length, "candidates": candidates}
    changes = {k: v for k, v in reading.items() if v is not None and v != getattr(previous.settings, k)}
    if changes:
        previous = dataclasses.replace(previous, settings=dataclasses.replace(previous.settings, **changes))
        save_config(previous, out)
    reader = Reader(out, device=device)
    if not reader.available():
        raise RuntimeError(reader.status())
    squad, second = load_squad(file), load_squad(squad2)
    _, calibration, _, calibration2 = reader_split(squad, second, split_seed)
    cache = _cache_file(out, file, squad2, split_seed, limit, news)
    rows = _load_rows(cache)
    if rows is None:
        rows = _read_rows(
            reader, file, squad, second, calibration, calibration2, split_seed, limit, news, progress, device
        )
        _save_rows(cache, rows)
    combine, picks, chosen = choose_sentences(rows)
    features = [r.features[i] for r, i in chosen]
    labels = [r.labels[i] for r, i in chosen]
    stems = {item.file.stem for item in news}
    weights = [news_weight if r.population in stems else 1.0 for r, _ in chosen]
    if model == "trees":
        confidence: Confidence = fit_trees(features, labels, CONFIDENCE_FEATURES, weights)
    else:
        confidence = fit_logistic(features, labels, CONFIDENCE_FEATURES, weights=weights)
    scores = [confidence.probability(f) for f in features]
    threshold = choose_threshold(scores, [r.answerable for r, _ in chosen], answer_rate)
    found: dict[str, Any] = {**_measures(rows, picks, chosen, scores, threshold)}
    found |= {"news_weight": news_weight, "answer_rate": answer_rate, "confidence_model": model}
    config = dataclasses.replace(
        previous, confidence=confidence, threshold=threshold, combine=combine, decides=True,
        note=note if note is not None else previous.note,
        measures={**(measures if measures is not None else previous.measures), **found},
    )  # fmt: skip
    save_config(config, out)
    return {**found, "threshold": threshold, "combine": combine.weights}


# The tree confidence's settings: shallow, regularised, seeded; no early stopping, so the fit
# depends only on the rows (scikit-learn's HistGradientBoostingClassifier arguments).
TREE_SETTINGS: dict[str, Any] = {
    "max_depth": 3, "max_iter": 400, "learning_rate": 0.03, "l2_regularization": 1.0, "min_samples_leaf": 40,
    "early_stopping": False, "random_state": 0,
}  # fmt: skip


def fit_trees(
    features: Sequence[Features], labels: Sequence[bool], names: Sequence[str], weights: Sequence[float]
) -> Trees:
    """Gradient-boosted trees as the confidence (``TREE_SETTINGS``), as ``qa.models.Trees``.
    Compared out of fold with the logistic and a spline logistic in ``docs/scripts/reading_limits.py``."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    x = np.array([[f.get(n, 0.0) for n in names] for f in features], dtype=np.float64)
    model = HistGradientBoostingClassifier(**TREE_SETTINGS)
    model.fit(x, np.array(labels, dtype=bool), sample_weight=np.array(weights, dtype=np.float64))
    trees = []
    for (predictor,) in model._predictors:  # one tree per round for a binary target
        trees.append(tuple(
            (-1, 0.0, 0, 0, float(n["value"])) if n["is_leaf"]
            else (int(n["feature_idx"]), float(n["num_threshold"]), int(n["left"]), int(n["right"]), 0.0)
            for n in predictor.nodes
        ))  # fmt: skip
    return Trees(tuple(names), float(model._baseline_prediction.ravel()[0]), tuple(trees))


def _read_rows(
    reader: Reader,
    file: Path,
    squad: Any,
    second: Any,
    calibration: set[str],
    calibration2: set[str],
    split_seed: int,
    limit: int,
    news: Sequence[News],
    progress: Progress | None,
    device: str = "auto",
) -> list[Row]:
    """Every calibration question asked through the whole answerer with the reader (the slow part)."""
    first = sample_articles(squad, len(calibration), split_seed)
    name = f"{file.stem}-{len(calibration)}-{split_seed}"
    rows: list[Row] = []

    def opened(data: Any, stem: str) -> LiveIndex:
        folder = Path(".verbatim-eval") / stem
        return open_corpus(data, _corpus(stem), folder, None, embedder=cached_embedder(device), device=device)[0]

    lives = [opened(first, name), opened(second, "squad2")]
    try:
        asked = sample(list(first.questions), limit, split_seed)
        rows += _rows(reader, lives[0], asked, "squad", progress)
        asked2 = sample([q for q in second.questions if q.article_id in calibration2], limit, split_seed)
        rows += _rows(reader, lives[1], asked2, "squad2", progress)
        off_topic = sample(asked, min(_OFF_TOPIC, limit), split_seed + 1)
        rows += _rows(reader, lives[1], off_topic, "off-topic", progress, foreign=True)
        for item in news:
            data = load_squad(item.file)
            stem = item.file.stem
            lives.append(opened(data, stem))
            earlier = [q for q in data.questions if q.asked_on is not None and q.asked_on <= item.until]
            rows += _rows(reader, lives[-1], earlier, stem, progress, open_rule=True)
    finally:
        for live in lives:
            live.close()
    return rows


def _cache_file(out: Path, *key: Any) -> Path:
    """Where the read rows of these weights and these questions are kept (refits then take seconds)."""
    digest = hashlib.sha256()
    for name in (WEIGHTS_FILE,):
        digest.update((out / name).read_bytes())
    digest.update(json.dumps(dataclasses.asdict(load_config(out).settings), sort_keys=True).encode())
    digest.update(repr([str(k) for k in key]).encode())
    return _ROWS_CACHE / f"rows-{digest.hexdigest()[:16]}.json.gz"


def _load_rows(path: Path) -> list[Row] | None:
    if not path.exists():
        return None
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [Row(r["features"], r["labels"], r["answerable"], r["population"]) for r in json.load(handle)]


def _save_rows(path: Path, rows: Sequence[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with gzip.open(partial, "wt", encoding="utf-8") as handle:
        json.dump([dataclasses.asdict(r) for r in rows], handle)
    partial.replace(path)


def _corpus(name: str) -> Path:
    return Path(".verbatim-eval") / name / "corpus" / f"{name}.jsonl"


def _rows(
    reader: Reader,
    live: Any,
    questions: Sequence[GoldQuestion],
    label: str,
    progress: Progress | None,
    foreign: bool = False,
    open_rule: bool = False,
) -> list[Row]:
    answerer = Answerer(live, AnswerSettings(threshold=0.0), load_models(), reader)
    tick = progress(f"calibration ({label})")(len(questions), 0) if progress else None
    results = run_questions(answerer, questions, foreign=foreign, progress=tick, gold_forced=False).results
    return [_row(q, r, foreign, open_rule, label) for q, r in zip(questions, results, strict=True)]


def _row(question: GoldQuestion, result: Result, foreign: bool, open_rule: bool, population: str) -> Row:
    read = [s for s in result.ranked if "r_score" in s.features]
    answerable = not foreign and not question.impossible
    if open_rule:  # news: the answer is often in several articles
        labels = [answerable and contains_answer(s.text, question.answer_texts) for s in read]
    else:
        labels = [answerable and holds(question, s.hit.passage.article_id, s.start, s.end) for s in read]
    return Row([dict(s.features) for s in read], labels, answerable, population)


def choose_sentences(rows: Sequence[Row]) -> tuple[Linear, list[int | None], list[tuple[Row, int]]]:
    """The combination fitted on the answerable rows, each row's pick, and the rows with a pick."""
    combine = fit_ranker([Group(r.features, r.labels) for r in rows if r.answerable], COMBINE_FEATURES)
    picks = [_pick(r, combine) for r in rows]
    return combine, picks, [(r, i) for r, i in zip(rows, picks, strict=True) if i is not None]


def _pick(row: Row, combine: Linear) -> int | None:
    """The sentence the combination cites; its features get the combined score and its lead."""
    if not row.features:
        return None
    with_combined(row.features, combine)
    return max(range(len(row.features)), key=lambda i: row.features[i]["r_combined"])


def _measures(
    rows: Sequence[Row],
    picks: Sequence[int | None],
    chosen: Sequence[tuple[Row, int]],
    scores: Sequence[float],
    threshold: float,
) -> dict[str, float | None]:
    usable = [(r, i) for r, i in zip(rows, picks, strict=True) if i is not None and any(r.labels)]
    alone = [r.labels[max(range(len(r.labels)), key=lambda j: r.features[j]["r_score"])] for r, _ in usable]
    right = [r.labels[i] for r, i in chosen]
    answered = [s >= threshold for s in scores]
    answerable = [r.answerable for r, _ in chosen]
    return {
        "calibration_questions": float(len(rows)),
        "combination_right_when_read": sum(r.labels[i] for r, i in usable) / max(1, len(usable)),
        "reader_alone_right_when_read": sum(alone) / max(1, len(usable)),
        "calibration_cited_sentence": sum(lab for lab, a in zip(right, answerable, strict=True) if a)
        / max(1, sum(answerable)),
        "calibration_right_when_answered": sum(lab for lab, a in zip(right, answered, strict=True) if a)
        / max(1, sum(answered)),
        "calibration_unanswerable_refused": sum(not x for x, a in zip(answered, answerable, strict=True) if not a)
        / max(1, sum(not a for a in answerable)),
        "calibration_auroc": auroc(scores, right),
        "calibration_ece": expected_calibration_error(scores, right),
    }  # fmt: skip
