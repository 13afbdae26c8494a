"""A minimal PDF writer for the tests: Helvetica text lines at given positions, several pages.

No binary fixtures: each test writes the PDF it reads, with a real text layer that pypdf extracts.
Lines are one string each; runs (``Run``) are words set as a typesetter would: any size, justified
by widening the spaces, or with no space glyphs at all, the words set apart by kerning (as TeX
does). The font carries Helvetica's glyph widths, so ``width`` says how wide a run is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

Line = tuple[float, float, str]  # (x, y, text) in points from the bottom left; A4 is 595 x 842

# Helvetica's advance widths (thousandths of an em) for the characters 32..126, from its AFM.
_ASCII_WIDTHS = (
    [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278]
    + [556] * 10
    + [278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778]
    + [667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556]
    + [278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334]
    + [260, 334, 584]
)
WIDTHS = {chr(32 + i): w for i, w in enumerate(_ASCII_WIDTHS)} | {"\u00ad": 333}  # the soft hyphen drawn as "-"


def width(text: str, size: float = 10.0) -> float:
    """How wide ``text`` is drawn in Helvetica at ``size`` points (unknown characters as an "n")."""
    return sum(WIDTHS.get(c, 556) for c in text) * size / 1000


@dataclass(frozen=True, slots=True)
class Run:
    """Words on one baseline from (x, y): ``gap`` points added to every space (justification);
    with ``spaces=False`` no space glyph is drawn and each gap is a kerning step of a space's width
    plus ``gap`` inside one TJ array."""

    x: float
    y: float
    words: tuple[str, ...]
    size: float = 10.0
    gap: float = 0.0
    spaces: bool = True


@dataclass(frozen=True, slots=True)
class Page:
    """One page: its text lines and runs, drawn in this order (none for a page without a text
    layer, like a scan)."""

    lines: tuple[Line, ...] = ()
    drawing: bool = False  # a filled rectangle, as a scanned image would be, with no text
    runs: tuple[Run, ...] = ()


def column(lines: Sequence[str], x: float, top: float = 780.0, leading: float = 14.0) -> tuple[Line, ...]:
    """Lines set one under the other from ``top`` down, at ``x``."""
    return tuple((x, top - i * leading, text) for i, text in enumerate(lines))


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(page: Page) -> bytes:
    parts = [b"0.5 g 50 50 495 742 re f\n"] if page.drawing else []
    for x, y, text in page.lines:
        parts.append(b"BT /F1 10 Tf %.1f %.1f Td (" % (x, y) + _escape(text) + b") Tj ET\n")
    parts.extend(_run(run) for run in page.runs)
    return b"".join(parts)


def _run(run: Run) -> bytes:
    head = b"BT /F1 %.2f Tf %.2f %.2f Td " % (run.size, run.x, run.y)
    if run.spaces:
        return head + b"%.3f Tw (" % run.gap + _escape(" ".join(run.words)) + b") Tj 0 Tw ET\n"
    kern = b" %d " % -round(WIDTHS[" "] + run.gap * 1000 / run.size)  # moves right by a space plus the gap
    return head + b"[" + kern.join(b"(" + _escape(w) + b")" for w in run.words) + b"] TJ ET\n"


def write_pdf(path: Path, pages: Sequence[Page], title: str | None = None, created: str | None = None) -> Path:
    """Write ``pages`` as a PDF with Helvetica text (WinAnsi), an info dictionary with ``title``
    and ``created`` (a PDF date like ``D:20231110120000``)."""
    path.write_bytes(pdf_bytes(pages, title, created))
    return path


def pdf_bytes(pages: Sequence[Page], title: str | None = None, created: str | None = None) -> bytes:
    """The bytes of the PDF that ``write_pdf`` writes."""
    objects: list[bytes] = []
    n_pages = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    widths = " ".join(str(WIDTHS.get(bytes([c]).decode("cp1252", "replace"), 556)) for c in range(32, 256))
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding "
        + f"/FirstChar 32 /LastChar 255 /Widths [{widths}] >>".encode()
    )
    for i, page in enumerate(pages):
        content = _content(page)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    info = []
    if title is not None:
        info.append(b"/Title (" + _escape(title) + b")")
    if created is not None:
        info.append(b"/CreationDate (" + created.encode() + b")")
    objects.append(b"<< " + b" ".join(info) + b" >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (len(objects) + 1, len(objects))
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
