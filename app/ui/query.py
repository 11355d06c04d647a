"""What a browser view asks for, read from its URL: filter rows, time window and page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from app.errors import BadRequest
from app.search.daterange import DateWindow, parse_relative, parse_time_ms
from app.search.filters import FILTER_TYPES, OPERATORS, Filter, parse_filters

# Time window presets (relative spans the search language knows) and their labels.
RANGE_PRESETS: Final[dict[str, str]] = {
    "all": "All time",
    "15m": "Last 15 minutes",
    "1h": "Last hour",
    "24h": "Last 24 hours",
    "7d": "Last 7 days",
    "custom": "Custom",
}
MAX_PAGE: Final[int] = 100_000
MAX_FILTER_ROWS: Final[int] = 20
_LOC: Final = re.compile(r"filters\[(\d+)\]\.?(\w*)")
# Top-level fields offered by the filter builder (dotted paths into buckets work too).
FIELD_SUGGESTIONS: Final[tuple[str, ...]] = (
    "event_name",
    "event_type",
    "source",
    "session_id",
    "event_id",
    "parent_id",
    "error",
    "start_time",
    "duration",
    "metadata.cost",
    "metadata.total_tokens",
    "metadata.model",
    "config.model",
    "inputs",
    "outputs",
    "user_properties.user_id",
)


@dataclass(frozen=True, slots=True)
class FilterRow:
    """One row of the filter builder as the user typed it."""

    field: str
    operator: str
    value: str
    type: str = ""


@dataclass
class ViewQuery:
    rows: list[FilterRow] = field(default_factory=list)
    range: str = "all"
    start: str = ""
    end: str = ""
    page: int = 1
    filters: list[Filter] = field(default_factory=list)
    window: DateWindow | None = None
    errors: list[str] = field(default_factory=list)

    def params(self, **override: Any) -> list[tuple[str, str]]:
        """The query string pairs of this view (for shareable links and pagers)."""
        pairs: list[tuple[str, str]] = []
        for row in self.rows:
            pairs += [
                ("field", row.field),
                ("op", row.operator),
                ("value", row.value),
                ("type", row.type),
            ]
        if self.range != "all":
            pairs.append(("range", self.range))
        if self.range == "custom":
            pairs += [("from", self.start), ("to", self.end)]
        page = int(override.get("page", self.page))
        if page != 1:
            pairs.append(("page", str(page)))
        return pairs

    def query_string(self, **override: Any) -> str:
        return urlencode(self.params(**override))


def _page(raw: str | None) -> int:
    try:
        return min(max(int(raw or "1"), 1), MAX_PAGE)
    except ValueError:
        return 1


def _problem_text(detail: dict[str, Any]) -> str:
    loc = str(detail.get("loc", ""))
    match = _LOC.match(loc)
    message = str(detail.get("message", "invalid"))
    if match is None:
        return message
    part = f" {match.group(2)}" if match.group(2) else ""
    return f"Filter {int(match.group(1)) + 1}{part}: {message}"


def parse_view_query(params: QueryParams, *, now_ms: int) -> ViewQuery:
    """Read the filter rows, window and page; problems are collected in ``errors`` (the
    view then shows them and no results) instead of raised."""
    fields, ops = params.getlist("field"), params.getlist("op")
    values, types = params.getlist("value"), params.getlist("type")
    view = ViewQuery(page=_page(params.get("page")))
    for index, name in enumerate(fields[:MAX_FILTER_ROWS]):
        row = FilterRow(
            field=name.strip(),
            operator=ops[index] if index < len(ops) else "is",
            value=values[index] if index < len(values) else "",
            type=types[index] if index < len(types) else "",
        )
        if row.field:
            view.rows.append(row)
    raw_filters: list[dict[str, Any]] = []
    for row in view.rows:
        raw: dict[str, Any] = {"field": row.field, "operator": row.operator}
        if row.operator not in ("exists", "not exists"):
            raw["value"] = row.value
        if row.type:
            raw["type"] = row.type
        raw_filters.append(raw)
    try:
        view.filters = parse_filters(raw_filters, strict=True)
    except BadRequest as problem:
        view.errors += [_problem_text(d) for d in problem.details or []] or [problem.message]

    chosen = params.get("range", "all")
    view.range = chosen if chosen in RANGE_PRESETS else "all"
    try:
        if view.range == "custom":
            view.start, view.end = params.get("from", ""), params.get("to", "")
            start = parse_time_ms(view.start, loc="from") if view.start else None
            end = parse_time_ms(view.end, loc="to") if view.end else None
            if start is not None and end is not None and start > end:
                view.errors.append("Time window: the start is after the end")
            view.window = DateWindow(start_ms=start, end_ms=end)
        elif view.range != "all":
            view.window = parse_relative(view.range, now_ms=now_ms)
    except BadRequest as problem:
        view.errors += [
            f"Time window {d.get('loc', '')}: {d.get('message', '')}" for d in problem.details or []
        ] or [f"Time window: {problem.message}"]
    return view


OPERATOR_CHOICES: Final[tuple[str, ...]] = OPERATORS
TYPE_CHOICES: Final[tuple[str, ...]] = FILTER_TYPES
