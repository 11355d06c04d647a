"""The event record as stored and returned: its fields, buckets, and limits."""

from __future__ import annotations

from typing import Any, Final, Literal, TypedDict, get_args

# The one list of event types; everything else derives from it.
EventType = Literal["model", "tool", "chain", "session"]
EVENT_TYPES: Final[tuple[EventType, ...]] = get_args(EventType)
# The types a span (anything but the session itself) may have.
SPAN_EVENT_TYPES: Final[frozenset[str]] = frozenset(EVENT_TYPES) - {"session"}

# JSON object buckets of an event (dotted filter paths go into these).
JSON_BUCKETS: Final[tuple[str, ...]] = (
    "inputs",
    "outputs",
    "config",
    "metadata",
    "metrics",
    "feedback",
    "user_properties",
)

# Scalar top-level columns, in storage order.
SCALAR_COLUMNS: Final[tuple[str, ...]] = (
    "event_id",
    "session_id",
    "parent_id",
    "event_type",
    "event_name",
    "source",
    "project_id",
    "error",
    "start_time",
    "end_time",
    "duration",
)

# Every field of a stored event, in the order the API returns them.
EVENT_FIELDS: Final[tuple[str, ...]] = (
    "event_id",
    "project_id",
    "session_id",
    "parent_id",
    "event_type",
    "event_name",
    "source",
    "config",
    "inputs",
    "outputs",
    "metadata",
    "feedback",
    "metrics",
    "user_properties",
    "children_ids",
    "error",
    "start_time",
    "end_time",
    "duration",
)

# Unix milliseconds for 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z.
MIN_TIME_MS: Final[int] = 0
MAX_TIME_MS: Final[int] = 253_402_300_799_999


class EventRecord(TypedDict):
    """One event row. Times are Unix milliseconds; buckets are JSON objects or None."""

    project_id: str
    event_id: str
    session_id: str
    parent_id: str | None
    event_type: str
    event_name: str
    source: str
    config: dict[str, Any] | None
    inputs: dict[str, Any] | None
    outputs: dict[str, Any] | None
    metadata: dict[str, Any] | None
    feedback: dict[str, Any] | None
    metrics: dict[str, Any] | None
    user_properties: dict[str, Any] | None
    children_ids: list[str] | None
    error: str | None
    start_time: int
    end_time: int | None
    duration: float | None
