"""The field list of the legacy `GET /v1/events/schema`: bucket keys seen per event type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from app.domain.records import JSON_BUCKETS

# Top-level fields every event has, listed for each event type seen.
TOP_LEVEL_FIELDS: Final[tuple[str, ...]] = (
    "event_name",
    "source",
    "session_id",
    "parent_id",
    "error",
    "start_time",
    "end_time",
    "duration",
)


def schema_fields(events: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """``[{"name": "metadata.cost", "event_type": "model"}, ...]``: the top-level fields and
    every first-level key of the JSON buckets found, per event type, sorted."""
    seen: set[tuple[str, str]] = set()
    for event in events:
        event_type = str(event["event_type"])
        seen.update((event_type, name) for name in TOP_LEVEL_FIELDS)
        for bucket in JSON_BUCKETS:
            value = event.get(bucket)
            if isinstance(value, dict):
                seen.update((event_type, f"{bucket}.{key}") for key in value)
    return [{"name": name, "event_type": kind} for kind, name in sorted(seen)]
