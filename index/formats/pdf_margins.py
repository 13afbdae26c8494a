"""A PDF's running headers, footers and page numbers: found on the pages' edges, dropped before joining.

pypdf (like every library compared in docs/BENCHMARKS.md) gives each page's lines as the page
draws them, the running header and footer included, so "Page 1 of 3" and the next page's header
would land inside a sentence that runs across the page. Two kinds of line are dropped, and only
from the top or bottom of a page (at most ``EDGE`` lines each side, and only a run of them that
starts at the edge, so a body line below a kept line is never touched):

- a page number alone on its line ("7", "- 7 -", "Page 7", "Page 7 of 9", "7 / 9"), in a document
  of any length, when its number agrees with the page's place: a worded one ("Page 7 of 9") is
  enough on its own, a bare number must be its page's place in the file ("1" on the first page)
  or follow the page order on two pages or more (17, 18, 19 on an excerpt's pages);
- in a document of three pages or more, a line that, its digits replaced, is dropped so from
  the edge of most pages and of two at least ("Daily Courier — 12" and "Daily Courier — 13").
  A line found at the edge of only one page is never dropped, whatever the other pages hold.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

EDGE = 3  # the lines looked at from a page's top and from its bottom
_DIGITS = re.compile(r"\d+")
_LETTER = re.compile(r"[^\W\d_]")
_BARE_NUMBER = re.compile(r"[-–—]?\s*(\d{1,4})\s*[-–—]?")
_WORDED_NUMBER = re.compile(
    r"(?:(?:page|p\.|pg\.?)\s*(\d{1,4})(?:\s*(?:of|/)\s*(\d{1,4}))?|(\d{1,4})\s*(?:of|/)\s*(\d{1,4}))",
    re.IGNORECASE,
)

Spot = tuple[int, int]  # (page, line) of a line on a page, both 0-based


def drop_margins(pages: Sequence[str]) -> list[str]:
    """Each page's extracted text without its running header, footer and page number lines.

    Args:
        pages: each page's text as the library extracted it, lines separated by line breaks.

    Returns:
        The pages in the same order, a page with nothing dropped exactly as it came.
    """
    lines = [page.splitlines() for page in pages]
    numbers = _page_numbers(lines)
    running = _running(lines, numbers)
    dropped = _dropped(lines, numbers, running)
    touched = {p for p, _ in dropped}
    return [
        "\n".join(line for i, line in enumerate(page) if (p, i) not in dropped) if p in touched else pages[p]
        for p, page in enumerate(lines)
    ]


def page_number(line: str) -> tuple[int, bool] | None:
    """The number of a line that is only a page number, and whether it is worded ("Page 3 of 5")."""
    text = line.strip()
    worded = _WORDED_NUMBER.fullmatch(text)
    if worded is not None:
        number, total = worded.group(1) or worded.group(3), worded.group(2) or worded.group(4)
        return (int(number), True) if total is None or int(number) <= int(total) else None
    bare = _BARE_NUMBER.fullmatch(text)
    return (int(bare.group(1)), False) if bare is not None else None


def _key(line: str) -> str:
    """The line compared across pages: its words, digits replaced ("Page 2 of 5" -> "Page # of #")."""
    return _DIGITS.sub("#", " ".join(line.split()))


def _edges(page: Sequence[str]) -> tuple[list[int], list[int]]:
    """The indexes of a page's first and of its last ``EDGE`` lines that are not blank, outermost first."""
    content = [i for i, line in enumerate(page) if line.strip()]
    return content[:EDGE], content[::-1][:EDGE]


def _dropped(lines: Sequence[Sequence[str]], numbers: set[Spot], running: set[str]) -> set[Spot]:
    """The page numbers and running lines that make a run from a page's top, or from its bottom."""
    out: set[Spot] = set()
    for p, page in enumerate(lines):
        for edge in _edges(page):
            for i in edge:
                if (p, i) in out or ((p, i) not in numbers and _key(page[i]) not in running):
                    break
                out.add((p, i))
    return out


def _page_numbers(lines: Sequence[Sequence[str]]) -> set[Spot]:
    """The edge lines that are page numbers agreeing with their pages' places (see the module)."""
    found: dict[Spot, tuple[int, bool]] = {}
    for p, page in enumerate(lines):
        for i in {i for edge in _edges(page) for i in edge}:
            number = page_number(page[i])
            if number is not None:
                found[(p, i)] = number
    # How far the printed numbers are from the pages' places, and on how many pages each shift is seen.
    shifts = Counter(shift for shift, _ in {(n - p - 1, p) for (p, _), (n, _) in found.items()})
    return {(p, i) for (p, i), (n, worded) in found.items() if worded or n == p + 1 or shifts[n - p - 1] >= 2}


def _running(lines: Sequence[Sequence[str]], numbers: set[Spot]) -> set[str]:
    """The keys of the running headers and footers of a document of three pages or more.

    A key runs when the lines it would drop lie on most pages. Dropping is simulated until no
    key loses its majority: a line counted at a page's edge may sit below a kept line there, and
    then it is not dropped after all.
    """
    pages = sum(1 for page in lines if any(line.strip() for line in page))
    if pages < 3:
        return set()
    edges = {(p, i) for p, page in enumerate(lines) for edge in _edges(page) for i in edge} - numbers
    running = {key for key, n in _pages_of(lines, edges).items() if _most(n, pages) and _LETTER.search(key)}
    while True:
        dropped = _dropped(lines, numbers, running)
        kept = {key for key, n in _pages_of(lines, dropped - numbers).items() if key in running and _most(n, pages)}
        if kept == running:
            return running
        running = kept


def _pages_of(lines: Sequence[Sequence[str]], spots: set[Spot]) -> Counter[str]:
    """On how many pages each key is found among ``spots``."""
    return Counter(key for key, _ in {(_key(lines[p][i]), p) for p, i in spots})


def _most(count: int, pages: int) -> bool:
    """Found on most pages, and on two at least."""
    return count >= 2 and 2 * count > pages
