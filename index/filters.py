"""Search filters on article metadata, applied inside both stores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrict a search to a date range (inclusive) and to some sources."""

    since: dt.date | None = None
    until: dt.date | None = None
    sources: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when nothing is filtered."""
        return self.since is None and self.until is None and not self.sources


def date_number(date: dt.date | None) -> int | None:
    """A sortable integer for range filters: 2023-11-10 -> 20231110."""
    return None if date is None else date.year * 10000 + date.month * 100 + date.day
