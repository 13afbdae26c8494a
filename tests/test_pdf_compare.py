"""The PDF comparison script (docs/scripts/pdf_compare.py): its pages, its checks, a missing library."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from tests.conftest import REPO
from tests.pdfmaker import pdf_bytes


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "docs" / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name; pdf_compare imports pdf_pages
    spec.loader.exec_module(module)
    return module


pages = _load("pdf_pages")
compare = _load("pdf_compare")


def test_the_pages_break_words_at_line_ends_and_one_across_a_page() -> None:
    docs = {doc.name: doc for doc in pages.documents()}
    assert all(docs[name].breaks for name in ("news-columns", "tex-kerned", "report-3-pages"))
    report = docs["report-3-pages"]
    assert len(report.pages) == 3
    assert any(run.words[-1].endswith("\u00ad") for run in report.pages[1].runs[-2:])  # the last line before the footer


def test_pypdf_reads_a_page_drawn_column_by_column_in_order_with_every_word_mended() -> None:
    [doc] = [doc for doc in pages.documents() if doc.name == "news-columns"]
    scored = compare.score(doc, compare._pypdf(pdf_bytes(doc.pages)), "")
    assert (scored["sentences_product"], scored["reading_order"], scored["pages_kept"]) == (1.0, True, True)
    assert scored["hyphens_whole_in_product"] == scored["hyphenated_words"] == len(doc.breaks)


def test_a_library_that_is_not_installed_is_reported_so(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = compare.Method("nothing", "no-such-pdf-library", "none", compare._pypdf)
    monkeypatch.setattr(compare, "METHODS", (compare.METHODS[0], missing))
    result = compare.compare(repeat=1)
    assert result["results"]["nothing"] == {"status": "not installed", "licence": "none"}
    assert result["results"]["pypdf"]["status"] == "ok"
    assert "| nothing | not installed |" in compare.markdown(result)


def test_the_product_drops_the_reports_running_lines_and_mends_the_word_across_a_page() -> None:
    [doc] = [doc for doc in pages.documents() if doc.name == "report-3-pages"]
    scored = compare.score(doc, compare._pypdf(pdf_bytes(doc.pages)), "")
    left = scored["running_lines_left_in_product"]
    assert (scored["sentences_product"], left, scored["running_lines"]) == (1.0, 0, 6)
    assert scored["hyphens_whole_in_product"] == len(doc.breaks) == 3
