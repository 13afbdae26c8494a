"""The supported file formats: one module each, behind one small interface (``base.Format``).

To add a format, write ``index/formats/NAME.py`` with a reader yielding ``Fields`` and
``Problem`` values and a ``Format`` naming its suffixes, list it in ``FORMATS`` below, and give
it a ``tests/test_format_NAME.py``. Heavy libraries are imported inside the readers, so this
registry is cheap to import.
"""

from __future__ import annotations

from index.formats.base import Columns, Fields, Format, Problem, ReadOptions, decode
from index.formats.csvfile import COLUMN_FIELDS, CSV, TSV, parse_columns
from index.formats.html import HTML, parse_html
from index.formats.jsonl import JSONL, parse_jsonl_record
from index.formats.markdown import MARKDOWN, markdown_to_text
from index.formats.pdf import PDF
from index.formats.text import TEXT, parse_text
from index.formats.warc import WARC

FORMATS: tuple[Format, ...] = (TEXT, MARKDOWN, HTML, JSONL, CSV, TSV, PDF, WARC)
BY_KIND: dict[str, Format] = {f.kind: f for f in FORMATS}
KINDS: dict[str, str] = {suffix: f.kind for f in FORMATS for suffix in f.suffixes}
SUPPORTED = " ".join(sorted(KINDS))


def format_of(file_name: str) -> Format | None:
    """The format a file's name says it has (by its suffix, case-insensitive; ``.warc.gz`` too)."""
    name = file_name.lower()
    for suffix in sorted(KINDS, key=len, reverse=True):
        if name.endswith(suffix):
            return BY_KIND[KINDS[suffix]]
    return None


__all__ = [
    "BY_KIND", "COLUMN_FIELDS", "FORMATS", "KINDS", "SUPPORTED", "Columns", "Fields", "Format", "Problem",
    "ReadOptions", "decode", "format_of", "markdown_to_text", "parse_columns", "parse_html", "parse_jsonl_record",
    "parse_text",
]  # fmt: skip
