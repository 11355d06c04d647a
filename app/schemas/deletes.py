"""Request body of `POST /v1/events/delete` and its conversion into a SearchQuery."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.errors import BadRequest
from app.search.daterange import parse_search_date_range
from app.search.filters import parse_filters
from app.search.query import SearchQuery


class DeleteBody(BaseModel):
    """Strict: the `filters` and `dateRange` of search, plus `dry_run` and `all`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    filters: list[Any] | None = None
    date_range: Any = Field(default=None, alias="dateRange")
    dry_run: bool = False
    all: bool = Field(
        default=False, description="Required to delete every event of the project (no filter)."
    )

    def to_query(self) -> SearchQuery:
        filters = parse_filters(self.filters, strict=True)
        window = parse_search_date_range(self.date_range)
        if not filters and window is None and not self.all:
            raise BadRequest(
                "refusing to delete every event of the project: give filters or dateRange, "
                'or "all": true',
                details=[{"loc": "filters", "message": "empty without dateRange and all"}],
            )
        return SearchQuery(filters=tuple(filters), window=window)
