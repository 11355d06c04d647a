"""A validated search: filters, date window, page; shared by search, export and test waits."""

from __future__ import annotations

from dataclasses import dataclass

from app.search.daterange import DateWindow
from app.search.filters import Filter


@dataclass(frozen=True, slots=True)
class SearchQuery:
    filters: tuple[Filter, ...] = ()
    window: DateWindow | None = None
    limit: int = 1000
    page: int = 1
    # Top-level fields to return (None: every field).
    projections: tuple[str, ...] | None = None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit
