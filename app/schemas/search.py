"""Request bodies of search and export, and their conversion into a SearchQuery."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.domain.records import EVENT_FIELDS
from app.search.daterange import parse_export_date_range, parse_search_date_range
from app.search.filters import evaluation_filter, parse_filters
from app.search.query import SearchQuery

SEARCH_MAX_LIMIT = 1000
EXPORT_MAX_LIMIT = 7500
# Bounds that keep every query inside what both databases take (docs/operations.md): the
# offset (page - 1) * limit stays far below 2**63, and SQLite's expression depth holds.
MAX_PAGE = 1_000_000_000
MAX_FILTERS = 100


def _whole_number(value: Any) -> Any:
    """The Python SDK sends limits as floats (``10.0``): accept whole floats."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class SearchBody(BaseModel):
    """`POST /v1/events/search` (strict: unknown keys are rejected)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    filters: Annotated[list[Any] | None, Field(max_length=MAX_FILTERS)] = None
    date_range: Any = Field(default=None, alias="dateRange")
    limit: Annotated[int, Field(strict=True, ge=1, le=SEARCH_MAX_LIMIT)] = SEARCH_MAX_LIMIT
    page: Annotated[int, Field(strict=True, ge=1, le=MAX_PAGE)] = 1
    ignore_order: bool | None = None  # accepted, no effect: results are always ordered
    evaluation_id: str | None = None

    _whole = field_validator("limit", "page", mode="before")(_whole_number)

    def to_query(self) -> SearchQuery:
        filters = parse_filters(self.filters, strict=True)
        if self.evaluation_id is not None:
            filters.append(evaluation_filter(self.evaluation_id))
        return SearchQuery(
            filters=tuple(filters),
            window=parse_search_date_range(self.date_range),
            limit=self.limit,
            page=self.page,
        )


class ExportBody(BaseModel):
    """`POST /v1/events/export` as the Python SDK sends it (lenient: other keys ignored)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    filters: Annotated[list[Any] | None, Field(max_length=MAX_FILTERS)] = None
    date_range: Any = Field(default=None, alias="dateRange")
    limit: Annotated[int, Field(strict=True, ge=1, le=EXPORT_MAX_LIMIT)] = 1000
    page: Annotated[int, Field(strict=True, ge=1, le=MAX_PAGE)] = 1
    projections: list[str] | None = None
    project: Any = None  # deprecated, ignored: the project comes from the API key
    ignore_order: bool | None = None
    evaluation_id: str | None = None

    _whole = field_validator("limit", "page", mode="before")(_whole_number)

    @field_validator("projections")
    @classmethod
    def _known_fields(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = [name for name in value if name not in EVENT_FIELDS]
        if unknown:
            raise ValueError(
                f"unknown field(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(EVENT_FIELDS)}"
            )
        return value

    def to_query(self, now_ms: int) -> SearchQuery:
        filters = parse_filters(self.filters, strict=False)
        if self.evaluation_id is not None:
            filters.append(evaluation_filter(self.evaluation_id))
        return SearchQuery(
            filters=tuple(filters),
            window=parse_export_date_range(self.date_range, now_ms=now_ms),
            limit=self.limit,
            page=self.page,
            projections=tuple(self.projections) if self.projections else None,
        )
