"""The reader's training: examples made from SQuAD-shaped text alone, labels that point at the
answer, "not here" examples that truly lack it, and a run that resumes where it stopped."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.cues import names_in
from qa.reader import Reader, base_model_folder, build_model, load_tokenizer, read_batch
from qa.reader_examples import (
    OPPOSITES,
    ArticleSentences,
    Mix,
    build_examples,
    edit_question,
    noun_pool,
    swap_name,
)
from qa.reader_training import TrainSettings, train
from qa.reader_windows import ReaderSettings, pack
from qa.squad import GoldQuestion, SquadArticle, sample

RIVER = (
    "The Arlen river rises in the northern hills. It flows south for 212 kilometres.\n\n"
    "The first bridge over the Arlen was built in 1821 by the engineer Tomas Veyra. "
    "It was replaced by a steel bridge in 1903.\n\n"
    "Salmon return to the river every autumn. Fishing is allowed only from June to September."
)
ORCHARD = (
    "The orchard grows apples and pears. Its oldest tree was planted in 1790.\n\n"
    "Harvest begins in late August and lasts six weeks."
)


def _question(article: SquadArticle, qid: str, text: str, answer: str, impossible: bool = False) -> GoldQuestion:
    if impossible:
        return GoldQuestion(qid, text, article.id, (), (), True)
    start = article.text.index(answer)
    return GoldQuestion(qid, text, article.id, ((start, start + len(answer)),), (answer,))


@pytest.fixture()
def corpus() -> tuple[dict[str, ArticleSentences], list[GoldQuestion]]:
    river = SquadArticle("squad/Arlen", "Arlen", RIVER)
    orchard = SquadArticle("squad/Orchard", "Orchard", ORCHARD)
    questions = [
        _question(river, "q1", "Who built the first bridge over the Arlen?", "Tomas Veyra"),
        _question(river, "q2", "How long is the Arlen river?", "212 kilometres"),
        _question(river, "q3", "When was the steel bridge replaced by a stone one?", "", impossible=True),
        _question(orchard, "q4", "When was the oldest tree planted?", "1790"),
    ]
    return {a.id: ArticleSentences(a) for a in (river, orchard)}, questions


def test_answered_examples_point_at_the_answer_characters(corpus) -> None:  # type: ignore[no-untyped-def]
    articles, questions = corpus
    examples = build_examples(articles, questions * 20, random.Random(0), Mix(missing=0.0, other_article=0.0))
    answered = [e for e in examples if e.answer is not None]
    assert answered and all(e.answer is not None for e in examples if e.question != questions[2].question)
    for example in answered:
        index, start, end = example.answer  # type: ignore[misc]
        gold = next(q for q in questions if q.question == example.question)
        assert example.texts[index][start:end] == gold.answer_texts[0]
        assert len(example.texts) == len(example.order)


def test_not_here_examples_never_hold_the_answer(corpus) -> None:  # type: ignore[no-untyped-def]
    articles, questions = corpus
    examples = build_examples(articles, questions * 30, random.Random(1), Mix(missing=0.5, other_article=0.2))
    unanswered = [e for e in examples if e.answer is None]
    assert len(unanswered) > 10
    for example in unanswered:
        gold = next(q for q in questions if q.question == example.question)
        for text in example.texts:
            assert not any(a and a in text for a in gold.answer_texts)


def test_examples_are_a_function_of_the_seed(corpus) -> None:  # type: ignore[no-untyped-def]
    articles, questions = corpus
    first = build_examples(articles, questions * 5, random.Random(7))
    again = build_examples(articles, questions * 5, random.Random(7))
    other = build_examples(articles, questions * 5, random.Random(8))
    assert first == again
    assert first != other


def test_swapped_examples_name_what_their_article_never_mentions(corpus) -> None:  # type: ignore[no-untyped-def]
    articles, questions = corpus
    orchard = articles["squad/Orchard"].article
    questions = [*questions, _question(orchard, "q5", "When did the Orchard plant its oldest tree?", "1790")]
    examples = build_examples(
        articles, questions * 30, random.Random(2), Mix(missing=0.0, other_article=0.0, swapped=0.5)
    )
    asked = {q.question for q in questions}
    swapped = [e for e in examples if e.question not in asked]
    assert len(swapped) > 10
    assert sum(e.answer is not None for e in examples) > 30  # the rest stay answerable
    for example in swapped:
        assert example.answer is None and example.texts
        text = (RIVER if example.texts[0] in RIVER else orchard.text).casefold()
        named = [example.question[a:b] for a, b in names_in(example.question)]
        assert any(name.casefold() not in text for name in named)  # it names what its article never does


def test_names_skip_the_question_word_and_keep_runs_whole() -> None:
    question = "When did the Duke of Wellington meet Napoleon in 1815?"
    assert [question[a:b] for a, b in names_in(question)] == ["Duke of Wellington", "Napoleon"]
    assert names_in("What is it?") == []
    article = "Tomas Veyra built the first bridge in 1821."
    swapped = swap_name("Who built the bridge Tomas Veyra planned?", article, {2: ["Ada Lovelace"]}, random.Random(0))
    assert swapped == "Who built the bridge Ada Lovelace planned?"
    assert swap_name("Who built the first bridge?", article, {1: ["Veyra"]}, random.Random(0)) is None


def test_edited_questions_ask_what_their_article_does_not_say(corpus) -> None:  # type: ignore[no-untyped-def]
    articles, questions = corpus
    river = articles["squad/Arlen"]
    asked = _question(river.article, "q6", "Who was the engineer of the first bridge?", "Tomas Veyra")
    seen = {edit_question(asked, river, ["castle", "engineer"], random.Random(seed)) for seed in range(40)}
    assert seen == {
        "Who was the engineer of the last bridge?",  # an opposite the answer's sentence does not hold
        "Who wasn't the engineer of the first bridge?",  # a negation
        "Who was the castle of the first bridge?",  # a noun the article never mentions
    }
    assert edit_question(questions[2], river, ["castle"], random.Random(0)) is None  # no answer sentence
    negated = _question(river.article, "q7", "What is not done in winter?", "Fishing")
    assert edit_question(negated, river, ["castle"], random.Random(0)) is None  # already negated, no noun it shares
    assert noun_pool(questions) == []  # none heads a phrase: "the steel bridge", "a stone one"
    assert all(OPPOSITES[OPPOSITES[w]] == w for w in ("first", "north", "won"))


def test_edited_examples_are_unanswerable_and_leave_the_rest_alone(corpus) -> None:  # type: ignore[no-untyped-def]
    articles, questions = corpus
    plain = build_examples(articles, questions * 20, random.Random(4), Mix(missing=0.0, other_article=0.0))
    mix = Mix(missing=0.0, other_article=0.0, edited=0.5)
    examples = build_examples(articles, questions * 20, random.Random(4), mix)
    asked = {q.question for q in questions}
    edited = [e for e in examples if e.question not in asked]
    assert len(edited) > 10 and all(e.answer is None and e.texts for e in edited)
    assert sum(e.answer is not None for e in examples) > 20
    assert len(examples) == len(plain)  # one example per question either way


def test_a_second_pass_reads_what_the_first_had_no_room_for() -> None:
    tokenizer = load_tokenizer(base_model_folder())
    many = [f"Sentence {i} tells a fairly long story about the harbour and boat number {i}." for i in range(30)]
    settings = ReaderSettings(candidates=12, passes=2)
    first = pack(tokenizer, "Which boat?", many, [(0, i) for i in range(30)], settings)
    second = pack(tokenizer, "Which boat?", many, [(0, i) for i in range(30)], settings, frozenset(first.chosen))
    assert first.chosen and second.chosen and not set(first.chosen) & set(second.chosen)
    assert min(second.chosen) > min(first.chosen)


def test_reading_in_two_passes_scores_more_candidates_with_one_no_answer_score() -> None:
    """The second pass reads the candidates the first had no room for; the no-answer score is the
    passes' together (log-sum-exp, as shared normalisation trains it), so never below the first's."""
    shipped = Reader()
    assert shipped.available(), shipped.status()
    tokenizer = load_tokenizer(base_model_folder())
    many = [f"Sentence {i} tells a fairly long story about the harbour and boat number {i}." for i in range(30)]
    item = ("Which boat sank in the harbour?", many, [(0, i) for i in range(30)])
    one = read_batch(shipped._model, tokenizer, [item], ReaderSettings(passes=1))[0]
    two = read_batch(shipped._model, tokenizer, [item], ReaderSettings(passes=2))[0]
    read_once = [i for i, s in enumerate(one.scores) if s is not None]
    read_twice = [i for i, s in enumerate(two.scores) if s is not None]
    assert set(read_once) < set(read_twice)
    second = read_batch(shipped._model, tokenizer, [(item[0], [many[i] for i in range(30) if i not in read_once],
                        [(0, i) for i in range(30) if i not in read_once])], ReaderSettings(passes=1))[0]  # fmt: skip
    assert two.null == pytest.approx(float(np.logaddexp(one.null, second.null)), abs=1e-3)
    assert [one.scores[i] for i in read_once] == pytest.approx([two.scores[i] for i in read_once], abs=1e-3)


def test_an_interrupted_run_resumes_to_the_same_weights(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import torch

    articles, questions = corpus
    examples = build_examples(articles, questions * 3, random.Random(0))
    tokenizer = load_tokenizer(base_model_folder())
    settings = ReaderSettings(max_length=96)
    whole = build_model(base_model_folder())
    train(whole, tokenizer, examples, settings, TrainSettings(batch_size=4, seed=3), lambda _: None, tmp_path / "a")
    stopped = build_model(base_model_folder())
    halfway = TrainSettings(batch_size=4, seed=3, stop_after=2)
    train(stopped, tokenizer, examples, settings, halfway, lambda _: None, tmp_path / "b")
    resumed = build_model(base_model_folder())
    lines: list[str] = []
    train(
        resumed, tokenizer, examples, settings, TrainSettings(batch_size=4, seed=3), lines.append, tmp_path / "b", True
    )
    assert any(line.startswith("resumed at step 2/") for line in lines)
    for (name, a), b in zip(whole.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert torch.allclose(a, b, atol=1e-6), name
    pairs = zip(whole.state_dict().values(), stopped.state_dict().values(), strict=True)
    assert not all(torch.equal(a, b) for a, b in pairs)


def test_a_further_stage_reads_only_unseen_questions() -> None:
    from lab.train import unseen

    article = SquadArticle("squad/Arlen", "Arlen", RIVER)
    pool = [_question(article, f"q{i}", f"Question {i}?", "Tomas Veyra") for i in range(40)]
    first = sample(pool, 25, 0)
    later = unseen(pool, [(25, 0)])
    assert {q.id for q in first}.isdisjoint(q.id for q in later)
    assert len(first) + len(later) == 40 and unseen(pool, []) == pool
    second = sample(later, 10, 1)  # a second stage drew from what the first left
    last = unseen(pool, [(25, 0), (10, 1)])
    assert len(last) == 5 and {q.id for q in last}.isdisjoint({q.id for q in first} | {q.id for q in second})


def test_a_further_stage_keeps_the_trained_head(corpus) -> None:  # type: ignore[no-untyped-def]
    import torch

    articles, questions = corpus
    examples = build_examples(articles, questions, random.Random(0))
    tokenizer = load_tokenizer(base_model_folder())
    kept, fresh = build_model(base_model_folder()), build_model(base_model_folder())
    for model in (kept, fresh):
        torch.nn.init.constant_(model.qa_outputs.weight, 0.5)  # stands for a first stage's head
    none = TrainSettings(batch_size=4, stop_after=0)  # no step: only the set-up runs
    train(kept, tokenizer, examples, ReaderSettings(max_length=96), none, lambda _: None, fresh_head=False)
    train(fresh, tokenizer, examples, ReaderSettings(max_length=96), none, lambda _: None)
    assert torch.all(kept.qa_outputs.weight == 0.5)
    assert not torch.all(fresh.qa_outputs.weight == 0.5)


def test_bfloat16_training_keeps_fp32_weights_and_learns(corpus) -> None:  # type: ignore[no-untyped-def]
    import torch

    articles, questions = corpus
    examples = build_examples(articles, questions * 4, random.Random(0))
    tokenizer = load_tokenizer(base_model_folder())
    settings = ReaderSettings(max_length=96)
    model, start, full = (build_model(base_model_folder()) for _ in range(3))
    run = TrainSettings(batch_size=4, seed=3, learning_rate=3e-4, windows=2, bf16=True, warmup=0.0)
    report = train(model, tokenizer, examples, settings, run, lambda _: None)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert np.isfinite(report["loss"]) and report["steps"] >= 2
    moved = [not torch.equal(a, b) for a, b in zip(model.parameters(), start.parameters(), strict=True)]
    assert sum(moved) > len(moved) // 2  # the encoder learned, not only the head
    train(full, tokenizer, examples, settings, replace(run, bf16=False), lambda _: None)  # the same run in fp32
    assert not all(torch.equal(a, b) for a, b in zip(model.parameters(), full.parameters(), strict=True))
