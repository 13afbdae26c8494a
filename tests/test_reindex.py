"""Incremental reindex scenarios on a private corpus, with invariants checked after each."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.embedding import SentenceTransformerEmbedder
from index.errors import EmptyIndexError, SettingsMismatchError
from index.live import LiveIndex
from index.reindex import Reindexer
from index.store import PASSAGE_LAYOUT
from index.vectors import PassageVectors, Vectors
from tests.conftest import LiveFactory, both_backends
from tests.invariants import assert_consistent, corpus_articles

SEED_A = "000_c355127225fa61d9.txt"
SEED_B = "001_b0c10fa15994f385.txt"


def index(live: LiveIndex, *paths: Path, full: bool = False, dry_run: bool = False) -> dict[str, Any]:
    return Reindexer(live).run(list(paths) or None, full=full, dry_run=dry_run).as_json()


def test_first_run_adds_every_article_and_a_second_run_changes_nothing(corpus: Path, make_live: LiveFactory) -> None:
    live = make_live()
    first = index(live, corpus)
    assert (first["added"], first["passages_embedded"], first["passages_reused"]) == (
        [SEED_A, SEED_B],
        6,
        0,
    )
    assert_consistent(live, corpus_articles(corpus))
    second = index(live)  # no path: the corpus indexed before
    assert (second["unchanged"], second["added"], second["updated"], second["removed"]) == (
        [SEED_A, SEED_B],
        [],
        [],
        [],
    )
    assert second["passages_embedded"] == 0
    assert_consistent(live, corpus_articles(corpus))


def test_no_change_run_in_a_new_process_does_not_load_the_model(
    corpus: Path, make_live: LiveFactory, tmp_path: Path
) -> None:
    index(make_live(), corpus)
    fresh = SentenceTransformerEmbedder()
    live = LiveIndex(make_live().config, embedder=fresh)
    report = index(live)
    live.close()
    assert report["unchanged"] == [SEED_A, SEED_B]
    assert fresh._model is None  # never loaded


def test_editing_one_paragraph_embeds_only_that_passage(corpus: Path, make_live: LiveFactory) -> None:
    live = make_live()
    index(live, corpus)
    path = corpus / SEED_B
    path.write_text(
        path.read_text(encoding="utf-8").replace("in Ramallah", "in the city of Ramallah"),
        encoding="utf-8",
    )
    report = index(live, corpus)
    assert (report["updated"], report["unchanged"]) == ([SEED_B], [SEED_A])
    assert (report["passages_embedded"], report["passages_reused"]) == (1, 2)  # the other two of its three
    assert_consistent(live, corpus_articles(corpus))
    with live.reading() as snapshot:
        hits = snapshot.keyword_search(["city", "ramallah"], 3)
    assert "in the city of Ramallah" in hits[0].passage.text


def test_adding_and_deleting_articles(corpus: Path, make_live: LiveFactory) -> None:
    live = make_live()
    index(live, corpus)
    (corpus / "more").mkdir()
    (corpus / "more" / "tokyo.md").write_text("# G7 in Tokyo\n\nForeign ministers met in Tokyo.\n", encoding="utf-8")
    report = index(live, corpus)
    assert (report["added"], report["passages_embedded"]) == (["more/tokyo.md"], 1)
    assert_consistent(live, corpus_articles(corpus))
    (corpus / SEED_A).unlink()
    report = index(live, corpus)
    assert report["removed"] == [SEED_A]
    assert_consistent(live, corpus_articles(corpus))
    with live.reading() as snapshot:
        assert snapshot.keyword_search(["netanyahu", "pauses"], 10) == [] or all(
            h.passage.article_id != SEED_A for h in snapshot.keyword_search(["netanyahu", "pauses"], 10)
        )
        assert snapshot.article(SEED_A) is None


def test_renaming_a_file_moves_the_article_without_embedding(corpus: Path, make_live: LiveFactory) -> None:
    live = make_live()
    index(live, corpus)
    (corpus / SEED_B).rename(corpus / "renamed.txt")
    report = index(live, corpus)
    assert (report["added"], report["removed"]) == (["renamed.txt"], [SEED_B])
    assert (report["passages_embedded"], report["passages_reused"]) == (0, 3)
    assert_consistent(live, corpus_articles(corpus))


def test_indexing_one_file_leaves_the_rest_alone(corpus: Path, make_live: LiveFactory) -> None:
    live = make_live()
    index(live, corpus)
    (corpus / SEED_A).write_text(" date 2023-11-15 A new text.\n\nSources: AP News", encoding="utf-8")
    report = index(live, corpus / SEED_A)
    assert (report["updated"], report["unchanged"], report["removed"]) == ([SEED_A], [], [])
    assert_consistent(live, corpus_articles(corpus))


def test_changed_chunk_settings_need_a_full_rebuild(corpus: Path, make_live: LiveFactory, tmp_path: Path) -> None:
    index(make_live(), corpus)
    smaller = make_live(chunk_words=40)
    with pytest.raises(SettingsMismatchError, match=r"chunk_words 150 \(asked for 40\).*verbatim index --full"):
        index(smaller, corpus)
    report = index(smaller, corpus, full=True)
    assert (sorted(report["updated"]), report["full"]) == ([SEED_A, SEED_B], True)
    assert smaller.state.settings is not None and smaller.state.settings.chunk_words == 40
    assert_consistent(smaller, corpus_articles(corpus))
    assert smaller.store.tokens() == [smaller.generation.token]  # the old generation is gone
    reopened = make_live()  # no options: the index's own settings
    assert index(reopened)["unchanged"] == [SEED_A, SEED_B]


def test_an_index_of_the_older_passage_layout_asks_for_a_full_rebuild(corpus: Path, make_live: LiveFactory) -> None:
    live = make_live()
    index(live, corpus)
    state = live.state
    assert state.settings is not None and state.settings.layout == PASSAGE_LAYOUT
    live.store.set_state(replace(state, settings=replace(state.settings, layout=1)))  # as an older version left it
    older = make_live()
    with pytest.raises(SettingsMismatchError, match=r"layout 1 \(asked for 2\).*verbatim index --full"):
        index(older, corpus)
    report = index(older, corpus, full=True)
    assert sorted(report["updated"]) == [SEED_A, SEED_B]
    assert older.state.settings is not None and older.state.settings.layout == PASSAGE_LAYOUT


def test_another_model_is_refused(corpus: Path, make_live: LiveFactory, tmp_path: Path) -> None:
    index(make_live(), corpus)
    folder = tmp_path / "other-model"
    folder.mkdir()
    (folder / "modules.json").write_text("[]", encoding="utf-8")
    with pytest.raises(SettingsMismatchError, match="model"):
        index(make_live(model=str(folder)), corpus)


def test_dry_run_reports_the_plan_and_writes_nothing(corpus: Path, make_live: LiveFactory) -> None:
    live = make_live()
    index(live, corpus)
    before = corpus_articles(corpus)
    (corpus / "new.txt").write_text("A new article about talks.", encoding="utf-8")
    (corpus / SEED_A).unlink()
    report = index(live, corpus, dry_run=True)
    assert (report["added"], report["removed"], report["passages_embedded"], report["dry_run"]) == (
        ["new.txt"],
        [SEED_A],
        1,
        True,
    )
    assert_consistent(live, before)


def test_bad_files_do_not_stop_the_rest(corpus: Path, make_live: LiveFactory) -> None:
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (corpus / "empty.md").write_text("", encoding="utf-8")
    (corpus / "feed.jsonl").write_text('{"id": "x1", "text": "Fine record."}\nnot json\n', encoding="utf-8")
    (corpus / "dup.jsonl").write_text(
        json.dumps({"id": SEED_A, "text": "Same id as a seed file."}) + "\n", encoding="utf-8"
    )
    live = make_live()
    report = Reindexer(live).run([corpus])
    assert sorted(report.added) == [SEED_A, SEED_B, "x1"]
    messages = {(Path(p.path).name, p.line, p.level): p.message for p in report.problems}
    assert set(messages) == {
        ("binary.txt", None, "error"),
        ("empty.md", None, "warning"),
        ("feed.jsonl", 2, "error"),
        ("dup.jsonl", None, "error"),
    }
    assert SEED_A in messages[("dup.jsonl", None, "error")]  # names both files
    for problem in report.problems:  # relative to the corpus: a report never names the server's folders
        assert not Path(problem.path).is_absolute() and str(corpus) not in problem.message, problem
    assert {p.path for p in report.problems} == {"binary.txt", "empty.md", "feed.jsonl", "dup.jsonl"}
    expected = corpus_articles(corpus)  # the reader keeps the first claimant too
    assert_consistent(live, {i: expected[i] for i in (SEED_A, SEED_B, "x1")})


class FailingEmbedder:
    """Fault injection: the real model, which raises after ``calls`` batches."""

    def __init__(self, real: SentenceTransformerEmbedder, calls: int, error: BaseException) -> None:
        self._real, self._calls, self._error = real, calls, error

    @property
    def name(self) -> str:
        return self._real.name

    @property
    def dimension(self) -> int:
        return self._real.dimension

    def embed_documents(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        if self._calls == 0:
            raise self._error
        self._calls -= 1
        return self._real.embed_documents(texts, progress)

    def embed_query(self, text: str) -> Vectors:
        return self._real.embed_query(text)

    def embed_passages(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
        contexts: Sequence[str] | None = None,
    ) -> list[PassageVectors]:
        if self._calls == 0:
            raise self._error
        self._calls -= 1
        return self._real.embed_passages(texts, progress, contexts)


@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("disk full")], ids=["ctrl-c", "crash"])
def test_a_run_that_fails_midway_leaves_a_consistent_index_and_the_next_completes(
    corpus: Path,
    make_live: LiveFactory,
    embedder: SentenceTransformerEmbedder,
    tmp_path: Path,
    error: BaseException,
) -> None:
    index(make_live(), corpus)
    for n in range(40):
        (corpus / f"extra-{n:02d}.txt").write_text(
            f"Extra article {n} about diplomacy. " * 20 + f"Unique {n}.", encoding="utf-8"
        )
    config = make_live(batch_size=2).config  # 16 passages a commit: several commits in this run
    broken = LiveIndex(config, embedder=FailingEmbedder(embedder, 1, error))
    with pytest.raises(type(error)):
        Reindexer(broken).run([corpus])
    broken.close()
    live = make_live()
    live.refresh(force=True)
    assert live.state.clean is False  # the next writer knows to sweep
    committed = set(live.generation.manifest())
    assert {SEED_A, SEED_B} < committed < set(corpus_articles(corpus))
    report = index(live, corpus)
    assert set(report["added"]) == set(corpus_articles(corpus)) - committed
    assert_consistent(live, corpus_articles(corpus))
    assert live.state.clean is True


class EditingEmbedder(FailingEmbedder):
    """The real model; its first batch runs ``edit`` (a user changing files mid-reindex)."""

    def __init__(self, real: SentenceTransformerEmbedder, edit: Callable[[], None]) -> None:
        super().__init__(real, 10**6, RuntimeError())
        self._edit: Callable[[], None] | None = edit

    def embed_passages(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
        contexts: Sequence[str] | None = None,
    ) -> list[PassageVectors]:
        edit, self._edit = self._edit, None
        if edit is not None:
            edit()
        return super().embed_passages(texts, progress, contexts)


def test_the_plan_keeps_no_texts_and_files_changed_mid_run_are_read_as_they_are(
    corpus: Path, make_live: LiveFactory, embedder: SentenceTransformerEmbedder
) -> None:
    """Articles are read again when written, one commit at a time: a file deleted after the plan
    is reported and skipped, one edited is indexed as edited, and the next run agrees with the files."""
    for n in range(40):
        (corpus / f"extra-{n:02d}.txt").write_text(f"Extra article {n} about ports. " * 20, encoding="utf-8")

    def edit() -> None:  # runs at the first embedding batch, long before the last files are read
        (corpus / "extra-39.txt").unlink()
        (corpus / "extra-38.txt").write_text("Extra article 38, rewritten while the reindex ran.", encoding="utf-8")

    live = LiveIndex(make_live(batch_size=2).config, embedder=EditingEmbedder(embedder, edit))
    report = index(live, corpus)
    assert "extra-39.txt" not in report["added"] and "extra-38.txt" in report["added"]
    assert any("extra-39.txt" in p["message"] and "run the reindex again" in p["message"] for p in report["problems"])
    assert all(str(corpus) not in p["path"] + p["message"] for p in report["problems"])  # named relative to it
    with live.catalog.snapshot() as snap:
        record = snap.article("extra-38.txt")
    assert record is not None and "rewritten while the reindex ran" in record.article.text
    again = index(live, corpus)
    assert (again["added"], again["updated"], again["removed"]) == ([], [], [])
    assert_consistent(live, corpus_articles(corpus))
    live.close()


def test_asking_an_empty_index_for_its_corpus_says_what_to_do(make_live: LiveFactory) -> None:
    with pytest.raises(EmptyIndexError, match="verbatim index seeds/"):
        index(make_live())


def test_vectors_are_unit_length(embedder: SentenceTransformerEmbedder) -> None:
    vectors = embedder.embed_documents(["one text", "another text"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.fixture(params=["embedded", "chroma-server"])
def backend(request: pytest.FixtureRequest) -> str | None:
    """Every scenario above runs against embedded Chroma and against a `chroma run` server."""
    return both_backends(request)


def test_whole_collection_reads_are_paged(
    corpus: Path, make_live: LiveFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest and the passage sweep read in pages (one unbounded get of a million-passage
    server overflowed SQLite's variable limit); small pages still see every row exactly once."""
    from index import generation as stored

    live = make_live()
    index(live, corpus)
    whole_manifest, whole_keys = live.generation.manifest(), sorted(live.generation.passage_keys())
    monkeypatch.setattr(stored, "_PAGE", 1)
    assert live.generation.manifest() == whole_manifest
    monkeypatch.setattr(stored, "_PAGE", 4)  # 6 passages: a full page, then a short one
    assert sorted(live.generation.passage_keys()) == whole_keys
    assert len(whole_manifest) == 2 and len(whole_keys) == 6


def test_progress_reads_the_changed_files_by_bytes_then_counts_the_passages(
    corpus: Path, make_live: LiveFactory
) -> None:
    live = make_live()
    told: list[tuple[str, int, int]] = []
    Reindexer(live).run([corpus], progress=lambda *step: told.append(step))
    size = sum(f.stat().st_size for f in corpus.iterdir() if f.suffix == ".txt")
    reading = [step for step in told if step[0] == "reading"]
    assert told[: len(reading)] == reading  # reading first, then indexing
    assert reading[-1] == ("reading", size, size) and [d for _, d, _ in reading] == sorted(d for _, d, _ in reading)
    assert told[-1] == ("indexing", 6, 6)
    (corpus / SEED_A).write_text((corpus / SEED_A).read_text(encoding="utf-8") + "\nOne more line.\n")
    told.clear()
    Reindexer(live).run(progress=lambda *step: told.append(step))
    assert [s for s in told if s[0] == "reading"][-1] == ("reading", *(2 * [(corpus / SEED_A).stat().st_size]))
