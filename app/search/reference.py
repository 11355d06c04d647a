"""Pure-Python reference model of search: the executable spec the SQL compiler must agree with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from app.search.casefold import fold_case
from app.search.daterange import DateWindow
from app.search.filters import NEGATIONS, Filter, Operator, array_index

_MISSING: Final = object()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def resolve_path(root: Any, path: Sequence[str]) -> Any:
    """The JSON value at `path` inside `root`, or `_MISSING`. A segment is an object key; a
    segment of ASCII digits (value <= 2**31-1) also indexes an array."""
    current = root
    for segment in path:
        if isinstance(current, dict):
            if segment not in current:
                return _MISSING
            current = current[segment]
        elif isinstance(current, list):
            index = array_index(segment)
            if index is None or index >= len(current):
                return _MISSING
            current = current[index]
        else:
            return _MISSING
    return current


def _contains(text: str, needle: str) -> bool:
    return fold_case(needle) in fold_case(text)


def _scalar_matches(value: Any, operator: Operator, f: Filter) -> bool:
    """A positive operator against one JSON value (`_MISSING` when absent)."""
    if value is _MISSING or value is None:
        return False
    if operator == "exists":
        return True
    expected = f.value
    if operator == "contains":
        assert isinstance(expected, str)
        return isinstance(value, str) and _contains(value, expected)
    if isinstance(expected, bool):
        return isinstance(value, bool) and value is expected
    if isinstance(expected, str):
        return isinstance(value, str) and value == expected
    assert _is_number(expected)
    if not _is_number(value):
        return False
    if operator == "is":
        return bool(value == expected)
    if operator in ("greater than", "after"):
        return bool(value > expected)
    return bool(value < expected)


def _positive_matches(event: Mapping[str, Any], f: Filter, operator: Operator) -> bool:
    field = f.field
    if field.kind == "absent":
        return False
    raw = event.get(field.root)
    if field.kind == "json":
        return _scalar_matches(resolve_path(raw, field.path), operator, f)
    if field.kind == "id_list":
        ids = raw if isinstance(raw, list) else []
        return any(_scalar_matches(item, operator, f) for item in ids if isinstance(item, str))
    return _scalar_matches(raw, operator, f)


def matches(event: Mapping[str, Any], f: Filter) -> bool:
    """Whether one event (a dict shaped like EventRecord) satisfies one filter."""
    positive = NEGATIONS.get(f.operator)
    if positive is None:
        return _positive_matches(event, f, f.operator)
    return not _positive_matches(event, f, positive)


def sort_key(event: Mapping[str, Any]) -> tuple[Any, str]:
    """Key for the search order `start_time DESC, event_id DESC` (use with reverse=True)."""
    return (event["start_time"], event["event_id"])


def reference_search(
    events: Sequence[Mapping[str, Any]],
    filters: Sequence[Filter],
    window: DateWindow | None,
    limit: int,
    page: int,
) -> tuple[list[dict[str, Any]], int]:
    """Filter (AND), restrict to the inclusive window on start_time, order by start_time DESC,
    event_id DESC (code-point order), and return page `page` (1-based) of `limit` rows plus the
    number of matches before paging."""
    if limit < 1 or page < 1:
        raise ValueError("limit and page must be >= 1")
    hits = [
        dict(event)
        for event in events
        if (window is None or window.contains(event["start_time"]))
        and all(matches(event, f) for f in filters)
    ]
    hits.sort(key=sort_key, reverse=True)
    offset = (page - 1) * limit
    return hits[offset : offset + limit], len(hits)
