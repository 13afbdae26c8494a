"""A minimal PDF writer for the tests: Helvetica text lines at given positions, several pages.

No binary fixtures: each test writes the PDF it reads, with a real text layer that pypdf extracts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

Line = tuple[float, float, str]  # (x, y, text) in points from the bottom left; A4 is 595 x 842


@dataclass(frozen=True, slots=True)
class Page:
    """One page: its text lines (empty for a page without a text layer, like a scan)."""

    lines: tuple[Line, ...] = ()
    drawing: bool = False  # a filled rectangle, as a scanned image would be, with no text


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
    return b"".join(parts)


def write_pdf(path: Path, pages: Sequence[Page], title: str | None = None, created: str | None = None) -> Path:
    """Write ``pages`` as a PDF with Helvetica text (WinAnsi), an info dictionary with ``title``
    and ``created`` (a PDF date like ``D:20231110120000``)."""
    objects: list[bytes] = []
    n_pages = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
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
    path.write_bytes(bytes(out))
    return path
