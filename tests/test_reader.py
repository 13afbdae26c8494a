"""The trained reader: packing keeps exact offsets, spans map back to characters, answers read
with the shipped weights cite true slices, and a missing or broken reader falls back cleanly."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from index.live import LiveIndex
from qa.answering import Answerer
from qa.query import Turn
from qa.reader import Reader, base_model_folder, load_tokenizer, shipped_folder
from qa.reader_windows import ReaderSettings, pack
from tests.test_answering import assert_true_citations

SENTENCES = [
    "The council met on Tuesday evening.",
    "Mayor Jane Okafor announced that the new bridge will open in March 2025.",
    "Residents asked about parking near the river.",
    "The budget for the bridge is 40 million dollars.",
]


@pytest.fixture(scope="module")
def reader() -> Reader:
    shipped = Reader()
    assert shipped.available(), shipped.status()
    return shipped


def test_packing_keeps_every_piece_an_exact_slice_in_reading_order() -> None:
    tokenizer = load_tokenizer(base_model_folder())
    order = [(1, 0), (0, 3), (0, 1), (2, 5)]
    packed = pack(tokenizer, "When will the bridge open?", SENTENCES, order, ReaderSettings())
    assert sorted(packed.chosen) == [0, 1, 2, 3]
    assert [order[i] for i in packed.chosen] == sorted(order)
    for (start, end), i in zip(packed.pieces, packed.chosen, strict=True):
        assert packed.context[start:end] == SENTENCES[i]


def test_packing_stops_at_the_token_budget_and_keeps_the_best_first() -> None:
    tokenizer = load_tokenizer(base_model_folder())
    many = [f"Sentence number {i} says something rather long about item {i} and its many parts." for i in range(40)]
    packed = pack(tokenizer, "What about item 3?", many, [(0, i) for i in range(40)], ReaderSettings(candidates=40))
    assert 0 in packed.chosen and len(packed.chosen) < 40
    assert packed.chosen == tuple(sorted(packed.chosen))
    assert len(tokenizer(packed.question, packed.context)["input_ids"]) <= ReaderSettings().max_length


def test_the_reader_finds_the_span_that_answers(reader: Reader) -> None:
    reading = reader.read("When will the new bridge open?", SENTENCES, [(0, i) for i in range(4)])
    assert reading is not None
    best = reading.best()
    assert best == 1
    span = reading.spans[best]
    assert span is not None
    assert "March 2025" in SENTENCES[best][span[0] : span[1]]
    assert reading.features(best)["r_margin"] > 0
    shares = [s for s in reading.shares if s is not None]  # log shares of the span mass, no-answer's the rest
    assert len(shares) == 4 and all(s < 0 for s in shares)
    share = reading.shares[best]
    assert share is not None and math.exp(share) > 0.5 and math.fsum(math.exp(s) for s in shares) < 1.0


def test_a_question_the_text_does_not_answer_scores_below_one_it_does(reader: Reader) -> None:
    order = [(0, i) for i in range(4)]
    answered = reader.read("Who announced the bridge?", SENTENCES, order)
    unanswered = reader.read("Who won the football match on Sunday?", SENTENCES, order)
    assert answered is not None and unanswered is not None
    best_answered, best_unanswered = answered.best(), unanswered.best()
    assert best_answered is not None and best_unanswered is not None
    assert answered.features(best_answered)["r_margin"] > unanswered.features(best_unanswered)["r_margin"]


def test_answers_read_from_the_seeds_cite_true_slices_and_mark_a_short_answer(seeds_live: LiveIndex) -> None:
    answerer = Answerer(seeds_live)
    result = answerer.run("Who did Blinken meet in Ramallah?")
    assert result.reading is not None and result.answer.answered
    assert_true_citations(result.answer, seeds_live)
    first = result.answer.citations[0]
    assert first.highlight is not None
    marked = first.excerpt[first.highlight[0] - first.start : first.highlight[1] - first.start]
    assert 0 < len(marked) < len(first.excerpt)


def test_a_follow_up_is_read_with_its_slot_filled(seeds_live: LiveIndex) -> None:
    answerer = Answerer(seeds_live)
    history = [Turn("user", "Who did Blinken meet in Ramallah?"), Turn("assistant", "…")]
    result = answerer.run("And in Turkey?", history)
    assert_true_citations(result.answer, seeds_live)
    assert result.answer.answered
    first = result.answer.citations[0]
    assert "Turkey" in first.excerpt or "Erdogan" in first.excerpt or "Ankara" in first.excerpt


def test_off_topic_questions_stay_refused(seeds_live: LiveIndex) -> None:
    answerer = Answerer(seeds_live)
    for question in ("What is the boiling point of nitrogen?", "Who won the 1998 football World Cup?"):
        answer = answerer.ask(question)
        assert not answer.answered, question
        assert_true_citations(answer, seeds_live)


def test_missing_weights_fall_back_to_the_rankers_with_a_clear_status(seeds_live: LiveIndex, tmp_path: Path) -> None:
    reader = Reader(tmp_path / "nowhere")
    assert not reader.available()
    assert "unavailable" in reader.status() and "verbatim train reader" in reader.status()
    answerer = Answerer(seeds_live, reader=reader)
    result = answerer.run("Who did Blinken meet in Ramallah?")
    assert result.reading is None and result.answer.answered
    assert_true_citations(result.answer, seeds_live)


def test_corrupt_weights_fall_back_without_a_traceback(seeds_live: LiveIndex, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(shipped_folder(), broken)
    (broken / "reader.safetensors").write_bytes(b"not a safetensors file")
    reader = Reader(broken)
    assert not reader.available()
    assert "unavailable" in reader.status()
    answer = Answerer(seeds_live, reader=reader).ask("Who did Blinken meet in Ramallah?")
    assert answer.answered
