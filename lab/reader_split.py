"""Which SQuAD articles the reader is fine-tuned on and which calibrate it: one split, shared.

``lab.train`` fine-tunes on the first part; ``lab.reader_calibration`` fits the combination,
confidence and threshold on the second. The calibration articles are never fine-tuned on.
"""

from __future__ import annotations

import random

from qa.squad import SquadSet, sample_articles, split_articles

CALIBRATION_ARTICLES = 48


def reader_split(squad: SquadSet, squad2: SquadSet, seed: int = 13) -> tuple[set[str], set[str], set[str], set[str]]:
    """(SQuAD train articles to fine-tune on, SQuAD train calibration articles, the same two for SQuAD 2.0).

    The calibration articles are never fine-tuned on: on SQuAD train, the 48 that ``eval fit
    --articles 48`` samples (seeded); in the SQuAD 2.0 file, the seeded fifth of ``eval fit``'s
    training half. That file's held-out half is never touched.
    """
    calibration = {a.id for a in sample_articles(squad, CALIBRATION_ARTICLES, seed).articles}
    train_ids = {a.id for a in squad.articles} - calibration
    train2, cal2 = _calibration_split(squad2, seed)
    return train_ids, calibration, train2 - cal2, cal2


def _calibration_split(squad: SquadSet, seed: int) -> tuple[set[str], set[str]]:
    """``eval fit``'s training half, and the seeded fifth of it kept out of fine-tuning."""
    train_ids, _ = split_articles(squad, seed)
    ordered = sorted(train_ids)
    random.Random(seed).shuffle(ordered)
    return train_ids, set(ordered[: max(1, len(ordered) // 5)])
