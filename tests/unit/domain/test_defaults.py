"""app/domain/defaults.py: what the server fills in when a create body leaves fields out."""

from __future__ import annotations

import uuid

from app.domain.defaults import as_outputs, build_event, build_session, is_uuid

NOW = 1_700_000_000_000


def test_an_event_gets_ids_names_and_start_time() -> None:
    record = build_event({"event_type": "tool", "inputs": {"q": 1}}, project_id="p", now_ms=NOW)
    assert is_uuid(record["event_id"]) and is_uuid(record["session_id"])
    assert record["event_id"] != record["session_id"]
    assert record["parent_id"] == record["session_id"]
    assert (record["event_name"], record["source"]) == ("unknown", "unknown")
    assert record["start_time"] == NOW
    assert (record["end_time"], record["duration"]) == (None, None)
    assert record["project_id"] == "p"


def test_duration_comes_from_start_and_end_when_absent() -> None:
    fields = {"event_type": "model", "start_time": 1000.4, "end_time": 1500}
    record = build_event(fields, project_id="p", now_ms=NOW)
    assert (record["start_time"], record["end_time"]) == (1000, 1500)
    assert record["duration"] == 499.6
    given = build_event({**fields, "duration": 7}, project_id="p", now_ms=NOW)
    assert given["duration"] == 7.0


def test_a_session_event_is_its_own_session() -> None:
    record = build_event({"event_type": "session"}, project_id="p", now_ms=NOW)
    assert record["event_id"] == record["session_id"]
    assert record["parent_id"] is None
    chosen = build_event({"event_type": "session", "event_id": "s-1"}, project_id="p", now_ms=NOW)
    assert chosen["session_id"] == "s-1"


def test_a_route_session_id_overrides_the_body() -> None:
    fields = {"event_type": "chain", "session_id": "from-body"}
    record = build_event(fields, project_id="p", now_ms=NOW, session_id="from-path")
    assert record["session_id"] == record["parent_id"] == "from-path"


def test_outputs_are_always_an_object_or_null() -> None:
    assert as_outputs(None) is None
    assert as_outputs({"a": 1}) == {"a": 1}
    assert as_outputs("text") == {"value": "text"}
    assert as_outputs([1, 2]) == {"value": [1, 2]}


def test_session_ids_that_are_not_uuids_are_replaced() -> None:
    kept = str(uuid.uuid4())
    assert build_session({"session_id": kept}, project_id="p", now_ms=NOW)["event_id"] == kept
    replaced = build_session({"session_id": "not-a-uuid"}, project_id="p", now_ms=NOW)
    assert replaced["event_id"] != "not-a-uuid" and is_uuid(replaced["event_id"])


def test_session_times_tolerate_junk_and_name_comes_from_session_name() -> None:
    session = build_session(
        {"session_name": "chat", "start_time": "yesterday", "end_time": NOW + 50},
        project_id="p",
        now_ms=NOW,
    )
    assert session["event_type"] == "session"
    assert session["event_name"] == "chat"
    assert session["start_time"] == NOW
    assert session["duration"] == 50.0
