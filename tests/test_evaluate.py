"""``verbatim eval squad``'s parts: ``asked_on`` read and passed as the as-of day, the open-domain measures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import pytest

from index.live import LiveIndex
from lab import evaluate
from lab.evaluate import _asked_within, _half, check_corpus, open_corpus, run_questions
from lab.judging import EvalRun, Outcome, summarize
from qa.answering import Answerer
from qa.cues import names_in
from qa.squad import GoldQuestion, SquadArticle, SquadSet, load_squad

SEED_A = "000_c355127225fa61d9.txt"  # 15 November 2023
SEED_B = "001_b0c10fa15994f385.txt"  # 10 November 2023


def test_load_squad_reads_asked_on(tmp_path: Path) -> None:
    context = "Tsai Ing-wen resigned as party leader on Saturday."
    qas = [
        {"id": "q1", "question": "Who resigned?", "asked_on": "2024-01-05",
         "answers": [{"text": "Tsai Ing-wen", "answer_start": 0}]},
        {"id": "q2", "question": "When?", "answers": [{"text": "Saturday", "answer_start": 41}]},
    ]  # fmt: skip
    path = tmp_path / "news.squad.json"
    path.write_text(json.dumps({"version": "1.1", "data": [{"title": "T", "paragraphs": [
        {"context": context, "qas": qas}]}]}), encoding="utf-8")  # fmt: skip
    questions = load_squad(path).questions
    assert [(q.id, q.asked_on) for q in questions] == [("q1", dt.date(2024, 1, 5)), ("q2", None)]
    assert questions[0] == GoldQuestion("q1", "Who resigned?", "squad/T", ((0, 12),), ("Tsai Ing-wen",), False,
                                        dt.date(2024, 1, 5))  # fmt: skip


def gold(question: str, article_id: str, answer: str, asked_on: dt.date | None = None) -> GoldQuestion:
    return GoldQuestion(question[:20], question, article_id, (), (answer,), False, asked_on)


@pytest.fixture(scope="module")
def answerer(seeds_live: LiveIndex) -> Answerer:
    return Answerer(seeds_live)


def test_run_questions_counts_relative_dates_from_asked_on(answerer: Answerer) -> None:
    question = "How many Palestinians have been killed in Gaza this week?"
    run = run_questions(
        answerer, [gold(question, SEED_B, "9,000", dt.date(2023, 11, 12)), gold(question, SEED_B, "9,000")]
    )
    asked, undated = (r.answer.text.split("\n\n")[0] for r in run.results)
    assert asked == "Preferred articles dated 6-12 November 2023 (“this week”, counted from 12 November 2023)."
    assert undated.startswith(
        "Preferred articles dated 9-15 November 2023 (“this week”, counted from 15 November 2023)."
    )


def test_open_domain_judgement_counts_the_answer_in_any_article(answerer: Answerer) -> None:
    # the gold article is deliberately the other one: the strict measures miss, the open-domain ones count
    run = run_questions(answerer, [gold("How many Palestinians have been killed in Gaza?", SEED_A, "More than 9,000")])
    outcome = run.outcomes[0]
    assert run.results[0].hits[0].passage.article_id == SEED_B
    assert (outcome.passage_rank, outcome.cited) == (None, False)
    assert (outcome.answer_rank, outcome.excerpt_has_answer, outcome.answered) == (1, True, True)
    missing = run_questions(answerer, [gold("How many Palestinians have been killed in Gaza?", SEED_B, "42,000")])
    assert (missing.outcomes[0].answer_rank, missing.outcomes[0].excerpt_has_answer) == (None, False)


def outcome(
    answer_rank: int | None, has_answer: bool, answered: bool, impossible: bool = False, unsure: bool = False
) -> Outcome:
    question = dataclasses.replace(gold("q", "a", "x"), impossible=impossible)
    return Outcome(question, None, False, answered, 0.5, "", 0.01, answer_rank, has_answer, unsure=unsure)


def test_unsure_refusals_are_counted_apart() -> None:
    outcomes = [
        outcome(1, True, True),
        outcome(2, True, False, unsure=True),
        outcome(2, False, False, unsure=True),
        outcome(3, True, False, unsure=True),
        outcome(None, False, False),
        outcome(None, False, False, impossible=True, unsure=True),  # unanswerable: only in the rate
    ]
    summary = summarize(EvalRun(outcomes=outcomes))
    assert summary["unsure_rate"] == 4 / 6
    assert summary["unsure_closest_has_answer"] == 2 / 3
    assert summary["sure_refusal_closest_has_answer"] == 0.0
    assert summarize(EvalRun(outcomes=outcomes[:1]))["unsure_closest_has_answer"] is None  # no refusal at all


def test_open_domain_measures_on_hand_made_outcomes() -> None:
    outcomes = [
        outcome(1, True, True),
        outcome(3, False, True),
        outcome(7, True, False),
        outcome(None, False, False),
        outcome(None, True, True, impossible=True),  # unanswerable: counts in none of them
    ]
    summary = summarize(EvalRun(outcomes=outcomes))
    names = ["answer_in_top1", "answer_in_top5", "answer_in_top10", "first_excerpt_has_answer", "right_when_answered"]
    assert {k: summary[k] for k in names} == {
        "answer_in_top1": 0.25,
        "answer_in_top5": 0.5,
        "answer_in_top10": 0.75,
        "first_excerpt_has_answer": 0.5,
        "right_when_answered": 0.5,  # of the two answered answerable questions, one
    }
    foreign = summarize(EvalRun(outcomes=outcomes, foreign=True))
    assert not {"answer_in_top1", "first_excerpt_has_answer", "right_when_answered"} & set(foreign)


def _write(tmp_path: Path, data: list[dict[str, object]]) -> Path:
    path = tmp_path / "set.squad.json"
    path.write_text(json.dumps({"version": "1.1", "data": data}), encoding="utf-8")
    return path


def test_articles_that_share_a_title_get_their_own_ids(tmp_path: Path) -> None:
    para = {"context": "Ohio passed a law.", "qas": [{"id": "a", "question": "Who?", "answers": [
        {"text": "Ohio", "answer_start": 0}]}]}  # fmt: skip
    other = {"context": "Iowa passed a law.", "qas": [{"id": "b", "question": "Who?", "answers": [
        {"text": "Iowa", "answer_start": 0}]}]}  # fmt: skip
    squad = load_squad(_write(tmp_path, [{"title": "50 States", "paragraphs": [para]},
                                         {"title": "50 States", "paragraphs": [other]}]))  # fmt: skip
    assert [a.id for a in squad.articles] == ["squad/50 States", "squad/50 States#2"]
    assert [q.article_id for q in squad.questions] == ["squad/50 States", "squad/50 States#2"]
    check_corpus(squad)


def test_gold_offsets_are_mapped_through_normalisation(tmp_path: Path) -> None:
    # trailing blanks, a tab, a decomposed accent and three blank lines all change offsets
    context = "Cafe\u0301 opened.  \n\n\n\nThe mayor\tcame. The mayor came again."
    start = context.index("The mayor came again")
    qa = {"id": "q", "question": "Who came again?", "answers": [{"text": "The mayor", "answer_start": start}]}
    squad = load_squad(_write(tmp_path, [{"title": "T", "paragraphs": [{"context": context, "qas": [qa]}]}]))
    text = squad.articles[0].text
    ((s, e),) = squad.questions[0].answers
    assert text[s:e] == "The mayor" and text[e:].startswith(" came again")
    check_corpus(squad)


def test_the_halves_of_the_fit_split_are_disjoint_and_complete() -> None:
    squad = load_squad(Path(__file__).parent / "data" / "squad-slice.json")
    held_out = {q.id for q in _half(squad, "held-out", 13)}
    train = {q.id for q in _half(squad, "train", 13)}
    assert held_out and train and not held_out & train
    assert held_out | train == {q.id for q in squad.questions} == {q.id for q in _half(squad, "all", 13)}


def test_eval_squad_shows_the_indexing_progress_bar_of_verbatim_index(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tests.conftest import REPO
    from ui.cli import main

    data = json.loads((REPO / "tests" / "data" / "squad-slice.json").read_text(encoding="utf-8"))
    data["data"] = data["data"][1:2]  # one article of over 64 passages: enough for the bar
    squad = tmp_path / "two.json"
    squad.write_text(json.dumps(data), encoding="utf-8")
    args = ["eval", "squad", str(squad), "--limit", "2", "--index-dir", str(tmp_path / "ix"), "--no-reader"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "indexing:" in result.stderr and "passage/s" in result.stderr


def test_news_articles_are_indexed_with_their_dates_and_urls_and_questions_split_by_day(tmp_path: Path) -> None:
    articles = [
        {"title": "Harbour repairs", "date": "2024-01-04", "url": "https://gazette.example/harbour",
         "paragraphs": [{"context": "The harbour repairs will cost 4 million euros, the council said.",
                         "qas": [{"id": "q1", "question": "How much will the harbour repairs cost?",
                                  "asked_on": "2024-01-05",
                                  "answers": [{"text": "4 million euros", "answer_start": 30}]}]}]},
        {"title": "Bridge vote", "date": "2024-04-02",
         "paragraphs": [{"context": "The council delayed its vote on the new bridge until May.",
                         "qas": [{"id": "q2", "question": "Until when was the bridge vote delayed?",
                                  "asked_on": "2024-04-05", "answers": [{"text": "May", "answer_start": 53}]}]}]},
    ]  # fmt: skip
    path = tmp_path / "news.squad.json"
    path.write_text(json.dumps({"version": "1.1", "data": articles}), encoding="utf-8")
    squad = load_squad(path)
    live, _ = open_corpus(squad, tmp_path / "corpus" / "news.jsonl", tmp_path / "ix", None)
    try:
        with live.reading() as snapshot:
            harbour, bridge = (snapshot.article(a.id) for a in squad.articles)
        assert harbour is not None and bridge is not None
        assert (harbour.article.date, harbour.article.url) == (dt.date(2024, 1, 4), "https://gazette.example/harbour")
        assert (bridge.article.date, bridge.article.url) == (dt.date(2024, 4, 2), None)
    finally:
        live.close()
    questions = list(squad.questions)
    assert [q.id for q in _asked_within(questions, (None, dt.date(2024, 3, 31)))] == ["q1"]
    assert [q.id for q in _asked_within(questions, (dt.date(2024, 4, 1), None))] == ["q2"]
    assert _asked_within(questions, (None, None)) == questions


def test_swapped_questions_name_what_no_article_mentions() -> None:
    articles = (
        SquadArticle("squad/A", "A", "Blinken met Erdogan in Ankara in 2023. Abbas spoke in Ramallah."),
        SquadArticle("squad/B", "B", "Putin spoke in Moscow. Macron visited Paris."),
    )
    questions = (
        gold("Who did Blinken meet in Ankara?", "squad/A", "Erdogan"),
        gold("Where did Abbas speak in 2023?", "squad/A", "Ramallah"),
        gold("Who did Xi Jinping meet in Beijing?", "squad/A", "nobody"),  # names nothing its article holds
        gold("Where did Macron go?", "squad/B", "Paris"),
        gold("Did Lula visit Brasilia?", "squad/B", "no"),
    )
    squad = SquadSet("1.1", articles, questions)
    out = evaluate.swapped(squad, questions[:4], seed=0)
    corpus = " ".join(a.text for a in articles).casefold()
    assert 1 <= len(out) <= 3 and all(q.question not in {g.question for g in questions} for q in out)
    for q in out:
        assert q.impossible and q.answers == () and q.answer_texts == ()
        named = [q.question[a:b].casefold() for a, b in names_in(q.question)] + re.findall(r"\b\d{4}\b", q.question)
        assert any(name not in corpus for name in named)  # "Putin" is in the file: never the swap
        assert "putin" not in q.question.casefold()
    assert evaluate.swapped(squad, questions[:4], seed=0) == out
