"""`events create-batch` against a live server: arrays, JSONL, sessions, chunks."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.cli.conftest import stored_event


def make_events(count: int, **fields: Any) -> list[dict[str, Any]]:
    return [{"event_type": "tool", "inputs": {"i": i}, **fields} for i in range(count)]


def batch(events_cli: Any, *args: str, input: str | None = None) -> dict[str, Any]:
    result = events_cli("create-batch", *args, input=input)
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.stdout)
    assert answer["success"] is True
    return answer


def test_inline_array(events_cli: Any, api: httpx.Client) -> None:
    events = make_events(2, event_name="inline")
    answer = batch(events_cli, "--events", json.dumps(events))
    assert len(answer["event_ids"]) == 2
    for event_id, sent in zip(answer["event_ids"], events, strict=True):
        stored = stored_event(api, event_id)
        assert (stored["event_name"], stored["inputs"]) == ("inline", sent["inputs"])


def test_jsonl_file(events_cli: Any, api: httpx.Client, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in make_events(3, event_name="jsonl")))
    answer = batch(events_cli, "--events", f"@{path}")
    assert [stored_event(api, i)["inputs"] for i in answer["event_ids"]] == [
        {"i": 0},
        {"i": 1},
        {"i": 2},
    ]


def test_array_file(events_cli: Any, api: httpx.Client, tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text(json.dumps(make_events(2), indent=2))
    assert len(batch(events_cli, "--events", f"@{path}")["event_ids"]) == 2


def test_single_session_with_session_properties(events_cli: Any, api: httpx.Client) -> None:
    answer = batch(
        events_cli,
        "--events",
        json.dumps(make_events(3)),
        "--single-session",
        "--session-properties",
        '{"session_name": "cli-batch-session", "metadata": {"origin": "cli"}}',
    )
    session_id = answer["session_id"]
    assert {stored_event(api, i)["session_id"] for i in answer["event_ids"]} == {session_id}
    session = stored_event(api, session_id)
    assert session["event_type"] == "session"
    assert session["event_name"] == "cli-batch-session"
    assert session["metadata"]["origin"] == "cli"


def test_no_single_session(events_cli: Any, api: httpx.Client) -> None:
    session_id = str(uuid.uuid4())
    answer = batch(
        events_cli,
        "--events",
        json.dumps(make_events(2, session_id=session_id)),
        "--no-single-session",
    )
    assert {stored_event(api, i)["session_id"] for i in answer["event_ids"]} == {session_id}


def test_chunks_share_one_session(events_cli: Any, api: httpx.Client) -> None:
    answer = batch(
        events_cli,
        "--events",
        json.dumps(make_events(5)),
        "--single-session",
        "--session-properties",
        '{"session_name": "chunked"}',
        "--batch-size",
        "2",
    )
    assert len(answer["event_ids"]) == len(set(answer["event_ids"])) == 5
    session_id = answer["session_id"]
    stored = [stored_event(api, i) for i in answer["event_ids"]]
    assert {event["session_id"] for event in stored} == {session_id}
    assert [event["inputs"]["i"] for event in stored] == [0, 1, 2, 3, 4]
    assert stored_event(api, session_id)["event_name"] == "chunked"


def test_chunks_without_a_session(events_cli: Any, api: httpx.Client) -> None:
    answer = batch(events_cli, "--events", json.dumps(make_events(5)), "--batch-size", "2")
    assert set(answer) <= {"event_ids", "success", "session_id"}
    assert [stored_event(api, i)["inputs"]["i"] for i in answer["event_ids"]] == [0, 1, 2, 3, 4]


def test_jsonl_on_stdin_as_a_real_subprocess(
    run_script: Any, server_url: str, api: httpx.Client
) -> None:
    lines = "".join(json.dumps(e) + "\n" for e in make_events(4, event_name="stdin-jsonl"))
    completed = run_script(
        "events", "--data-plane-url", server_url, "create-batch", "--events", "-",
        "--batch-size", "3", input=lines,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    assert completed.stdout.count("\n") == 1  # one compact line when piped
    answer = json.loads(completed.stdout)
    assert answer["success"] is True
    assert [stored_event(api, i)["event_name"] for i in answer["event_ids"]] == ["stdin-jsonl"] * 4
