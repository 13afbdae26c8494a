"""PDF text extraction compared: pypdf (the product's), pypdfium2 and pdfplumber, on pages made here.

The pages are invented text set as typesetters set it (docs/scripts/pdf_pages.py): two-column
news pages drawn in three orders, a page set TeX-style, a three-page report, a page with a table.
Each library extracts every page; the checks are measured, not judged:

- sentences: the share of the source sentences found verbatim (white space normalised) in the
  raw text, and in the text the product would index (``index.formats.pdf.article_text`` applied
  to that raw text, after the library's own line-end marker is removed: running headers, footers
  and page numbers dropped, lines made paragraphs, words broken at line and page ends mended);
- order: every line of the page found, and all of them in reading order (columns not interleaved);
- hyphens: how each word broken at a line end comes out raw, and whether the product's text has it whole;
- pages: one text per page, each page's footer (or first line) on its own page and no other;
- running lines: how many of the running headers and footers drawn are left in the product's text;
- table rows: each row's cells in order on one line;
- time: the median over ``--repeat`` runs of opening the document and extracting every page, per page.

A library that is not installed is reported as such. pdfplumber runs twice, with its defaults and
with pdfminer's layout analysis ordering the characters; pdfminer.six, its parser, also runs alone.

    pip install -e '.[pdf-compare]'   # pypdfium2 and pdfplumber, for this comparison only
    PYTHONPATH=. .venv/bin/python docs/scripts/pdf_compare.py --json docs/results/formats/pdf-compare.json
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import io
import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pdf_pages import TABLE, Break, Doc, documents, report

from index.formats.pdf import article_text
from tests.pdfmaker import pdf_bytes

Extract = Callable[[bytes], list[str]]


def _pypdf(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def _pdfium(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    pdf, out = pdfium.PdfDocument(data), []
    for page in pdf:
        textpage = page.get_textpage()
        out.append(textpage.get_text_bounded())
        textpage.close()
        page.close()
    pdf.close()
    return out


def _pdfplumber(laparams: dict[str, Any] | None = None, **options: Any) -> Extract:
    def extract(data: bytes) -> list[str]:
        import pdfplumber

        with pdfplumber.open(io.BytesIO(data), laparams=laparams) as pdf:
            return [page.extract_text(**options) or "" for page in pdf.pages]

    return extract


def _pdfminer(data: bytes) -> list[str]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer

    return [
        "".join(box.get_text() for box in layout if isinstance(box, LTTextContainer))
        for layout in extract_pages(io.BytesIO(data), laparams=LAParams())
    ]


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    package: str  # the distribution whose presence decides "not installed"
    licence: str
    extract: Extract
    marker: str = ""  # the library's own mark for a hyphen at a line end, removed before the product's mending


METHODS = (
    Method("pypdf", "pypdf", "BSD-3-Clause (pure Python)", _pypdf),
    Method("pypdfium2", "pypdfium2", "Apache-2.0 or BSD-3-Clause (PDFium: BSD-3/Apache-2.0)", _pdfium, "\x02"),
    Method("pdfplumber", "pdfplumber", "MIT (pdfminer.six: MIT)", _pdfplumber()),
    Method(  # pdfminer's layout analysis orders the characters; a smaller gap than 3 pt makes a space
        "pdfplumber (laparams={}, use_text_flow, x_tolerance=1.5)",
        "pdfplumber",
        "MIT (pdfminer.six: MIT)",
        _pdfplumber({}, use_text_flow=True, x_tolerance=1.5),
    ),
    Method("pdfminer.six (layout analysis)", "pdfminer.six", "MIT", _pdfminer),
)


def flat(value: str) -> str:
    return " ".join(value.split())


def hyphen_outcome(brk: Break, raw: str) -> str:
    """How a broken word came out of the library: joined, its hyphen kept, dropped, or otherwise."""
    joint = "-" if brk.compound else ""
    forms = {
        "joined": f"{brk.before} {brk.head}{joint}{brk.tail}",
        "hyphen kept at line end": f"{brk.before} {brk.head}- {brk.tail}",
        "soft hyphen kept at line end": f"{brk.before} {brk.head}\u00ad {brk.tail}",
        "line-end marker (\\x02)": f"{brk.before} {brk.head}\x02{brk.tail}",
        "hyphen dropped, word split": f"{brk.before} {brk.head} {brk.tail}",
    }
    return next((name for name, form in forms.items() if form in raw), "other")


def in_order(positions: Sequence[int]) -> bool:
    return all(a < b for a, b in zip(positions, positions[1:], strict=False))


def score(doc: Doc, pages: list[str], marker: str) -> dict[str, Any]:
    """The measured checks of one library's pages of ``doc``."""
    raw = flat(" ".join(pages))
    mended = flat(article_text([p.replace(marker, "") if marker else p for p in pages])[0])
    found = [raw.find(flat(line).rstrip("-\u00ad")) for line in doc.lines]
    outcomes = [hyphen_outcome(brk, raw) for brk in doc.breaks]
    flats = [flat(p) for p in pages]
    return {
        "sentences_raw": sum(flat(s) in raw for s in doc.sentences) / len(doc.sentences),
        "sentences_product": sum(flat(s) in mended for s in doc.sentences) / len(doc.sentences),
        "lines_found": sum(at >= 0 for at in found) / len(found),
        "reading_order": all(at >= 0 for at in found) and in_order(found),
        "hyphens": {name: outcomes.count(name) for name in sorted(set(outcomes))},
        "hyphens_whole_in_product": sum(brk.whole() in mended for brk in doc.breaks),
        "hyphenated_words": len(doc.breaks),
        "pages_kept": len(pages) == len(doc.pages)
        and all((m in p) and sum(m in q for q in flats) == 1 for m, p in zip(doc.markers, flats, strict=False)),
        "running_lines_left_in_product": sum(mended.count(flat(line)) for line in set(doc.margins)),
        "running_lines": len(doc.margins),
        "table_rows": sum(row in raw for row in doc.rows) if doc.rows else None,
        "sample": pages[0][:240] if pages else "",
    }


def timed(extract: Extract, data: bytes, pages: int, repeat: int) -> float:
    """Milliseconds per page: the median over ``repeat`` runs of opening and extracting every page."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        extract(data)
        times.append(time.perf_counter() - start)
    return round(1000 * statistics.median(times) / pages, 2)


def installed(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine() -> str:
    """The CPU, its cores, Python and the load when the run started (timings beside other work are rough)."""
    cpu = platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as info:
        names = [line for line in info if line.startswith("model name")]
        cpu = names[0].split(":", 1)[1].strip() if names else cpu
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, load average {load} at the start"


def compare(repeat: int) -> dict[str, Any]:
    docs = documents()
    data = {doc.name: pdf_bytes(doc.pages) for doc in docs}
    long_report = pdf_bytes(report(copies=10).pages)
    results: dict[str, Any] = {}
    for method in METHODS:
        version = installed(method.package)
        if version is None:
            results[method.name] = {"status": "not installed", "licence": method.licence}
            continue
        scored = {doc.name: score(doc, method.extract(data[doc.name]), method.marker) for doc in docs}
        for doc in docs:
            scored[doc.name]["ms_per_page"] = timed(method.extract, data[doc.name], len(doc.pages), repeat)
        results[method.name] = {
            "status": "ok",
            "version": version,
            "licence": method.licence,
            "documents": scored,
            "summary": summary(docs, scored),
            "ms_per_page_30_page_report": timed(method.extract, long_report, 30, repeat),
        }
    return {
        "what": "PDF text extraction on generated pages (docs/scripts/pdf_compare.py)",
        "machine": machine(),
        "repeat": repeat,
        "documents": [describe(doc) for doc in docs],
        "results": results,
    }


def describe(doc: Doc) -> dict[str, Any]:
    return {"name": doc.name, "what": doc.what, "pages": len(doc.pages), "sentences": len(doc.sentences)} | {
        "hyphenated_words": len(doc.breaks)
    }


def summary(docs: Sequence[Doc], scored: dict[str, dict[str, Any]]) -> dict[str, Any]:
    total = sum(len(d.sentences) for d in docs)
    columns = [d.name for d in docs if d.name.startswith("news-")]
    return {
        "sentences_raw": round(sum(scored[d.name]["sentences_raw"] * len(d.sentences) for d in docs) / total, 3),
        "sentences_product": round(
            sum(scored[d.name]["sentences_product"] * len(d.sentences) for d in docs) / total, 3
        ),
        "two_column_pages_in_order": f"{sum(scored[n]['reading_order'] for n in columns)}/{len(columns)}",
        "pages_in_reading_order": f"{sum(scored[d.name]['reading_order'] for d in docs)}/{len(docs)}",
        "hyphenated_whole_in_product": f"{sum(scored[d.name]['hyphens_whole_in_product'] for d in docs)}/"
        f"{sum(len(d.breaks) for d in docs)}",
        "page_boundaries_kept": f"{sum(scored[d.name]['pages_kept'] for d in docs)}/{len(docs)}",
        "running_lines_left_in_product": f"{sum(scored[d.name]['running_lines_left_in_product'] for d in docs)}/"
        f"{sum(len(d.margins) for d in docs)}",
        "table_rows_intact": f"{scored['table']['table_rows']}/{len(TABLE)}",
        "ms_per_page_median": round(statistics.median(scored[d.name]["ms_per_page"] for d in docs), 2),
    }


def markdown(report_: dict[str, Any]) -> str:
    head = (
        "library | sentences raw | sentences indexed | 2-column pages in order | all pages in order | "
        "hyphenated words whole | pages kept | running lines left | table rows | ms/page (30 pages) | licence"
    ).split(" | ")
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, result in report_["results"].items():
        if result["status"] != "ok":
            rows.append(f"| {name} | not installed |" + " |" * (len(head) - 3) + f" {result['licence']} |")
            continue
        s = result["summary"]
        keys = ("sentences_raw", "sentences_product", "two_column_pages_in_order", "pages_in_reading_order")
        keys += ("hyphenated_whole_in_product", "page_boundaries_kept", "running_lines_left_in_product")
        keys += ("table_rows_intact",)
        cells = (name, *(s[k] for k in keys), result["ms_per_page_30_page_report"], result["licence"])
        rows.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per document (the median is kept)")
    parser.add_argument("--json", help="write the report here")
    args = parser.parse_args()
    result = compare(args.repeat)
    print(markdown(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=1, ensure_ascii=True)
            out.write("\n")


if __name__ == "__main__":
    main()
