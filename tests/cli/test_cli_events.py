"""`events create`, `update` and `get` against a live server: every flag, checked as stored."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.cli.conftest import stored_event


def new_id() -> str:
    return str(uuid.uuid4())


def create(events_cli: Any, *args: str) -> str:
    result = events_cli("create", "--event-type", "tool", "--inputs", '{"q": 1}', *args)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["success"] is True
    event_id: str = answer["event_id"]
    return event_id


def test_create_with_every_flag(events_cli: Any, api: httpx.Client) -> None:
    event_id, session_id, parent_id, child_id = new_id(), new_id(), new_id(), new_id()
    result = events_cli(
        "create",
        "--event-type",
        "model",
        "--inputs",
        '{"question": "hi", "n": [1, 2]}',
        "--children-ids",
        json.dumps([child_id]),
        "--config",
        '{"model": "gpt-x", "temperature": 0.2}',
        "--duration",
        "1500",
        "--end-time",
        "1700000001500",
        "--error",
        "boom",
        "--event-id",
        event_id,
        "--event-name",
        "llm-call",
        "--feedback",
        '{"rating": 5}',
        "--metadata",
        '{"cost": 0.5, "tokens": 12}',
        "--metrics",
        '{"score": 0.9}',
        "--outputs",
        '{"answer": "hello"}',
        "--parent-id",
        parent_id,
        "--project-id",
        "cli-project",
        "--session-id",
        session_id,
        "--source",
        "cli-test",
        "--start-time",
        "1700000000000",
        "--user-properties",
        '{"user_id": "u-1"}',
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"success": True, "event_id": event_id}

    event = stored_event(api, event_id)
    assert event["event_type"] == "model"
    assert event["inputs"] == {"question": "hi", "n": [1, 2]}
    assert event["children_ids"] == [child_id]
    assert event["config"] == {"model": "gpt-x", "temperature": 0.2}
    assert event["duration"] == 1500
    assert event["end_time"] == 1700000001500
    assert event["error"] == "boom"
    assert event["event_id"] == event_id
    assert event["event_name"] == "llm-call"
    assert event["feedback"] == {"rating": 5}
    assert event["metadata"] == {"cost": 0.5, "tokens": 12}
    assert event["metrics"] == {"score": 0.9}
    assert event["outputs"] == {"answer": "hello"}
    assert event["parent_id"] == parent_id
    assert event["session_id"] == session_id
    assert event["source"] == "cli-test"
    assert event["start_time"] == 1700000000000
    assert event["user_properties"] == {"user_id": "u-1"}
    # --project-id is sent (see test_cli_connection); the server scopes events by API key.
    assert isinstance(event["project_id"], str)


def test_create_with_only_the_required_flags_gets_the_defaults(
    events_cli: Any, api: httpx.Client
) -> None:
    event = stored_event(api, create(events_cli))
    assert event["event_type"] == "tool"
    assert event["inputs"] == {"q": 1}
    uuid.UUID(event["event_id"])
    uuid.UUID(event["session_id"])
    assert event["parent_id"] == event["session_id"]
    assert event["event_name"] == "unknown"
    assert event["source"] == "unknown"


def test_create_accepts_each_event_type(events_cli: Any, api: httpx.Client) -> None:
    for event_type in ("model", "tool", "chain", "session"):
        result = events_cli("create", "--event-type", event_type, "--inputs", "{}")
        assert result.exit_code == 0, result.output
        event_id = json.loads(result.stdout)["event_id"]
        assert stored_event(api, event_id)["event_type"] == event_type


def test_create_reads_json_from_a_file_and_stdin(
    events_cli: Any, api: httpx.Client, tmp_path: Path
) -> None:
    config = tmp_path / "config.json"
    config.write_text('{"from": "file"}')
    result = events_cli(
        "create",
        "--event-type",
        "chain",
        "--inputs",
        "-",
        "--config",
        f"@{config}",
        input='{"from": "stdin"}',
    )
    assert result.exit_code == 0, result.output
    event = stored_event(api, json.loads(result.stdout)["event_id"])
    assert event["inputs"] == {"from": "stdin"}
    assert event["config"] == {"from": "file"}


def test_update_with_every_flag(events_cli: Any, api: httpx.Client) -> None:
    first_child, second_child = new_id(), new_id()
    event_id = create(
        events_cli,
        "--children-ids",
        json.dumps([first_child]),
        "--config",
        '{"model": "a"}',
        "--feedback",
        '{"rating": 1}',
        "--metadata",
        '{"kept": 1, "changed": 1}',
        "--metrics",
        '{"m1": 1}',
        "--outputs",
        '{"old": true}',
        "--user-properties",
        '{"user_id": "u-1"}',
    )
    result = events_cli(
        "update",
        "--event-id",
        event_id,
        "--children-ids",
        json.dumps([second_child]),
        "--config",
        '{"temperature": 0}',
        "--duration",
        "42",
        "--end-time",
        "1700000009000",
        "--feedback",
        '{"comment": "ok"}',
        "--metadata",
        '{"changed": 2, "added": 3}',
        "--metrics",
        '{"m2": 2}',
        "--outputs",
        '{"new": true}',
        "--user-properties",
        '{"plan": "pro"}',
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["success"] is True

    event = stored_event(api, event_id)
    assert event["children_ids"] == [second_child]
    assert event["config"] == {"model": "a", "temperature": 0}
    assert event["duration"] == 42
    assert event["end_time"] == 1700000009000
    assert event["feedback"] == {"rating": 1, "comment": "ok"}
    assert event["metadata"] == {"kept": 1, "changed": 2, "added": 3}
    assert event["metrics"] == {"m1": 1, "m2": 2}
    assert event["outputs"] == {"new": True}  # replaced, not merged
    assert event["user_properties"] == {"user_id": "u-1", "plan": "pro"}


def test_update_ignores_an_empty_children_ids(events_cli: Any, api: httpx.Client) -> None:
    child = new_id()
    event_id = create(events_cli, "--children-ids", json.dumps([child]))
    result = events_cli("update", "--event-id", event_id, "--children-ids", "[]")
    assert result.exit_code == 0, result.output
    assert stored_event(api, event_id)["children_ids"] == [child]


def test_update_outputs_accepts_a_scalar(events_cli: Any, api: httpx.Client) -> None:
    event_id = create(events_cli)
    result = events_cli("update", "--event-id", event_id, "--outputs", '"plain text"')
    assert result.exit_code == 0, result.output
    assert stored_event(api, event_id)["outputs"] in ("plain text", {"value": "plain text"})


def test_update_reads_stdin(events_cli: Any, api: httpx.Client) -> None:
    event_id = create(events_cli)
    result = events_cli("update", "--event-id", event_id, "--metadata", "-", input='{"k": "v"}')
    assert result.exit_code == 0, result.output
    assert stored_event(api, event_id)["metadata"] == {"k": "v"}


def test_get_prints_the_stored_event(events_cli: Any, api: httpx.Client) -> None:
    event_id = create(events_cli, "--event-name", "fetched")
    result = events_cli("get", "--event-id", event_id)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer == api.get(f"/v1/events/{event_id}").json()
    assert answer["event"]["event_name"] == "fetched"


def test_get_unknown_event_is_an_api_error(events_cli: Any) -> None:
    result = events_cli("get", "--event-id", new_id())
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("API error 404: ")


def test_update_unknown_event_is_an_api_error(events_cli: Any) -> None:
    result = events_cli("update", "--event-id", new_id(), "--metadata", '{"a": 1}')
    assert result.exit_code == 1
    assert result.stderr.startswith("API error 404: ")
