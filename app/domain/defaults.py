"""Server-side defaults that turn a validated create body into a stored event.

Wire protocol: docs/protocol.md#defaults.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from app.domain.records import MAX_TIME_MS, MIN_TIME_MS, EventRecord

BUCKETS_AS_GIVEN = ("config", "inputs", "metadata", "feedback", "metrics", "user_properties")


def new_id() -> str:
    return str(uuid.uuid4())


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def as_outputs(value: Any) -> dict[str, Any] | None:
    """`outputs` is stored as an object so every reader (the SDK's LegacyEvent) can parse
    it: a non-object value is wrapped as ``{"value": X}``; null stays null."""
    if value is None or isinstance(value, dict):
        return value
    return {"value": value}


def to_ms(value: float | None) -> int | None:
    return None if value is None else round(value)


def _time_or_none(value: Any) -> float | None:
    """A session time: a number in range, or None (sessions tolerate other types)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != value or not MIN_TIME_MS <= value <= MAX_TIME_MS:
        return None
    return float(value)


def build_event(
    fields: Mapping[str, Any],
    *,
    project_id: str,
    now_ms: int,
    session_id: str | None = None,
) -> EventRecord:
    """A new event from validated create fields. ``session_id`` overrides the body's."""
    event_type: str = fields["event_type"]
    event_id: str | None = fields.get("event_id")
    sid: str | None = session_id or fields.get("session_id")
    if event_type == "session":
        # A session event's event_id is its session_id.
        sid = sid or event_id or new_id()
        event_id = event_id or sid
        parent_id: str | None = fields.get("parent_id")
    else:
        sid = sid or new_id()
        event_id = event_id or new_id()
        parent_id = fields.get("parent_id") or sid
    start = fields.get("start_time")
    end = fields.get("end_time")
    duration = fields.get("duration")
    if duration is None and start is not None and end is not None:
        duration = float(end - start)
    record: EventRecord = {
        "project_id": project_id,
        "event_id": event_id,
        "session_id": sid,
        "parent_id": parent_id,
        "event_type": event_type,
        "event_name": fields.get("event_name") or "unknown",
        "source": fields.get("source") or "unknown",
        "config": fields.get("config"),
        "inputs": fields.get("inputs"),
        "outputs": as_outputs(fields.get("outputs")),
        "metadata": fields.get("metadata"),
        "feedback": fields.get("feedback"),
        "metrics": fields.get("metrics"),
        "user_properties": fields.get("user_properties"),
        "children_ids": fields.get("children_ids"),
        "error": fields.get("error"),
        "start_time": now_ms if start is None else round(start),
        "end_time": to_ms(end),
        "duration": None if duration is None else float(duration),
    }
    return record


def build_session(
    fields: Mapping[str, Any], *, project_id: str, now_ms: int, session_id: str | None = None
) -> EventRecord:
    """A session event (event_type "session", event_id == session_id) from session
    properties. The id is generated when absent or not a UUID; a start time that is
    missing or not a number becomes now."""
    sid = session_id or fields.get("session_id")
    if not is_uuid(sid):
        sid = new_id()
    start = _time_or_none(fields.get("start_time"))
    end = _time_or_none(fields.get("end_time"))
    duration = fields.get("duration")
    if isinstance(duration, bool) or not isinstance(duration, int | float):
        duration = None
    start_ms = now_ms if start is None else round(start)
    if duration is None and end is not None:
        duration = float(round(end) - start_ms)
    return build_event(
        {
            **{key: fields.get(key) for key in BUCKETS_AS_GIVEN},
            "event_type": "session",
            "event_id": sid,
            "event_name": fields.get("session_name") or fields.get("event_name"),
            "source": fields.get("source"),
            "outputs": fields.get("outputs"),
            "children_ids": fields.get("children_ids"),
            "error": fields.get("error"),
            "start_time": start_ms,
            "end_time": end,
            "duration": duration,
        },
        project_id=project_id,
        now_ms=now_ms,
        session_id=sid,
    )
