"""Which searches the event counters can count, and how: whole hours from the counters, the
partial hours at the window's edges from the events themselves (a pure rule)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from app.search.query import SearchQuery

# The counters' bucket: one UTC hour of start_time (migration 0006: hour = floor(ms / HOUR_MS)).
HOUR_MS: Final[int] = 3_600_000

# An inclusive start_time range; None is unbounded on that side.
TimeRange = tuple[int | None, int | None]


@dataclass(frozen=True, slots=True)
class CountPlan:
    """count = the counters' sum over ``hours`` (of ``event_type``, or of every type when
    None) + the events of ``edges`` (same type condition), counted from the table.
    ``hours`` is an inclusive range of hour numbers, None when no whole hour is inside the
    window; its ends are None when unbounded. The hours and the edges are disjoint, and
    together they cover exactly the window."""

    event_type: str | None
    hours: TimeRange | None
    edges: tuple[TimeRange, ...]


def _floor_div(a: int, b: int) -> int:
    return a // b  # Python's // is floor division for negative numbers too


def count_plan(query: SearchQuery) -> CountPlan | None:
    """The plan that counts ``query`` from the counters, or None when its filters are not
    ones the counters know: no filter, or only ``event_type is X`` (the same X)."""
    types: set[str] = set()
    for f in query.filters:
        if f.field.name != "event_type" or f.field.kind != "text" or f.operator != "is":
            return None
        if not isinstance(f.value, str):
            return None
        types.add(f.value)
    if len(types) > 1:
        return None
    event_type = next(iter(types), None)
    start = query.window.start_ms if query.window is not None else None
    end = query.window.end_ms if query.window is not None else None
    # First hour that starts at or after `start`; last hour that ends at or before `end`.
    first = None if start is None else -_floor_div(-start, HOUR_MS)
    last = None if end is None else _floor_div(end + 1, HOUR_MS) - 1
    if first is not None and last is not None and first > last:
        return CountPlan(event_type, None, ((start, end),))
    edges: list[TimeRange] = []
    if start is not None and first is not None and start < first * HOUR_MS:
        edges.append((start, first * HOUR_MS - 1))
    if end is not None and last is not None and end > (last + 1) * HOUR_MS - 1:
        edges.append(((last + 1) * HOUR_MS, end))
    return CountPlan(event_type, (first, last), tuple(edges))
