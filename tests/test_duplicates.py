"""Syndicated copies: the same wire story under other headlines and bylines forms one group;
two different reports of one event do not."""

from __future__ import annotations

from index.duplicates import Fingerprint, fingerprint, groups, members

WIRE = (
    "Storm Halvar swept through the Arnsby valley on Sunday night, bringing a month of rain in six hours. "
    "At least four people have died in the floods, the regional fire service said on Monday. "
    "Dozens of homes along the river were evacuated as the water rose through the night. "
    "The mayor of Arnsby asked residents to stay away from the riverbanks until the water falls. "
    "Forecasters expect more rain in the hills on Tuesday, but less than on Sunday."
)


def test_copies_with_another_byline_and_a_local_line_form_one_group_earliest_first() -> None:
    copy = "By Mara Lind, Coast Times\n\n" + WIRE + " Coast Times readers can call the county help line."
    other = (
        "Rescuers in the Arnsby valley said on Monday that the floods had killed at least four people. "
        "The storm, named Halvar, dropped record rain on the hills overnight, and the river burst its banks "
        "in three places, a spokeswoman for the fire service told reporters at the town hall."
    )
    fair = "The Kelling apple fair returns this autumn after a two-year break. " * 3
    found = groups({
        "wire": (fingerprint(WIRE), "2025-03-03"), "coast": (fingerprint(copy), "2025-03-02"),
        "other": (fingerprint(other), "2025-03-03"), "fair": (fingerprint(fair), "2025-03-01"),
    })  # fmt: skip
    assert found == [["coast", "wire"]]
    assert members(found) == {"coast": ("coast", "wire"), "wire": ("coast", "wire")}


def test_stored_fingerprints_give_the_same_groups() -> None:
    fresh = {"a": (fingerprint(WIRE), None), "b": (fingerprint("Headline\n\n" + WIRE), None)}
    stored = {k: (Fingerprint.from_bytes(*f.to_bytes()), d) for k, (f, d) in fresh.items()}
    assert groups(stored) == groups(fresh) == [["a", "b"]]


def test_reindexing_keeps_the_groups_current(tmp_path, make_live) -> None:  # type: ignore[no-untyped-def]
    from index.reindex import Reindexer

    corpus = tmp_path / "wire"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Floods in Arnsby\n\n" + WIRE, encoding="utf-8")
    (corpus / "b.txt").write_text("Arnsby counts its dead\n\nBy Mara Lind\n\n" + WIRE, encoding="utf-8")
    fair = "The Kelling apple fair returns this autumn. " * 5
    (corpus / "c.txt").write_text("Apple fair\n\n" + fair, encoding="utf-8")
    live = make_live()
    Reindexer(live).run([corpus])
    with live.reading() as snapshot:
        assert snapshot.copy_groups() == [("a.txt", "b.txt")]
        assert snapshot.copies("b.txt") == ("a.txt", "b.txt") and snapshot.copies("c.txt") == ()
    (corpus / "d.txt").write_text("Another outlet\n\n" + WIRE + " Local readers can call 555.", encoding="utf-8")
    Reindexer(live).run([corpus])
    with live.reading() as snapshot:
        assert snapshot.copy_groups() == [("a.txt", "b.txt", "d.txt")]
    (corpus / "b.txt").write_text("Arnsby counts its dead\n\nA different story entirely, " + "about a bridge. " * 9)
    (corpus / "a.txt").unlink()
    Reindexer(live).run([corpus])
    with live.reading() as snapshot:
        assert snapshot.copy_groups() == [] and snapshot.copies("d.txt") == ()


def test_an_answer_cites_one_copy_and_names_the_others(tmp_path, make_live) -> None:  # type: ignore[no-untyped-def]
    import json as json_

    from index.filters import Filters
    from index.reindex import Reindexer
    from qa.answering import Answerer

    corpus = tmp_path / "feed.jsonl"
    records = [
        {"id": "wire", "title": "Floods in Arnsby", "date": "2025-03-03", "source": "Wire Service", "text": WIRE},
        {"id": "coast", "title": "Arnsby counts its dead", "date": "2025-03-04", "source": "Coast Times",
         "text": "By Mara Lind\n\n" + WIRE},
        {"id": "ledger", "title": "Valley floods", "date": "2025-03-04", "source": "North Ledger",
         "text": "A local view. " + WIRE.replace("less than on Sunday", "far less than on Sunday")},
    ]  # fmt: skip
    corpus.write_text("\n".join(json_.dumps(r) for r in records) + "\n", encoding="utf-8")
    live = make_live()
    Reindexer(live).run([corpus])
    answerer = Answerer(live)
    answer = answerer.ask("How many people have died in the floods?")
    assert answer.answered
    cited = [c.article_id for c in answer.citations]
    with live.reading() as snapshot:
        groups_ = [snapshot.copies(i)[0] for i in cited if snapshot.copies(i)]
    assert len(groups_) == len(set(groups_))  # never two copies of one text
    first = answer.citations[0]
    assert first.article_id == "wire" and {m.article_id for m in first.also_in} == {"coast", "ledger"}
    assert first.as_json()["also_in"][0]["source"] in {"Coast Times", "North Ledger"}
    chosen = answerer.ask("How many people have died in the floods?", filters=Filters(sources=("Coast Times",)))
    assert chosen.citations[0].article_id == "coast"
    with live.reading() as snapshot:
        record = snapshot.article("coast")
        assert record is not None
        c = chosen.citations[0]
        assert record.article.text[c.start : c.end] == c.excerpt


def test_an_answer_reads_a_large_group_of_copies_in_a_few_calls(tmp_path, make_live, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A story syndicated to many outlets: naming the copies costs one read, not one per copy
    (at a million passages with a hundred copies per story, per-copy reads were most of an answer)."""
    import json as json_
    from collections import Counter
    from pathlib import Path

    from index.filters import Filters
    from index.reindex import Reindexer
    from index.snapshot import Snapshot
    from qa.answering import Answerer

    outlets = 5  # more, in an archive this small, and the shared sentences count as boilerplate (a limit of 5)
    corpus = tmp_path / "feed.jsonl"
    records = [
        {"id": f"outlet{n:02d}", "title": f"Floods in Arnsby ({n})", "date": f"2025-03-{3 + n % 5:02d}",
         "source": f"Outlet {n}", "text": f"By Reporter {n}\n\n" + WIRE}
        for n in range(outlets)
    ]  # fmt: skip
    corpus.write_text("\n".join(json_.dumps(r) for r in records) + "\n", encoding="utf-8")
    live = make_live()
    Reindexer(live).run([corpus, Path(__file__).parents[1] / "seeds"])  # the seeds: other stories beside it
    reads: Counter[str] = Counter()
    for name in ("article", "article_source", "article_exists", "headers", "copies"):
        original = getattr(Snapshot, name)

        def counted(self, *args, _name=name, _original=original):  # type: ignore[no-untyped-def]
            reads[_name] += 1
            return _original(self, *args)

        monkeypatch.setattr(Snapshot, name, counted)
    answerer = Answerer(live)
    for filters in (None, Filters(sources=("Outlet 3",))):
        reads.clear()
        answer = answerer.ask("How many people have died in the floods?", filters=filters)
        assert answer.answered and len(answer.citations) == 1  # one group: one citation
        assert len(answer.citations[0].also_in) == outlets - 1  # every other copy named
        assert answer.citations[0].article_id == ("outlet00" if filters is None else "outlet03")
        assert reads["article_source"] == reads["article_exists"] == 0, reads
        assert reads["article"] <= 3 and reads["headers"] <= 2, reads  # not one per copy
