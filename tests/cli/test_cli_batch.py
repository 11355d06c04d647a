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
    assert set(answer) <= {"event_ids", "success", "session_id", "created", "already_existed"}
    assert (answer["created"], answer["already_existed"]) == (5, 0)
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
    assert completed.stderr == "events-api: 4 events: 4 new, 0 already existed\n"
    assert completed.stdout.count("\n") == 1  # one compact line when piped
    answer = json.loads(completed.stdout)
    assert answer["success"] is True
    assert [stored_event(api, i)["event_name"] for i in answer["event_ids"]] == ["stdin-jsonl"] * 4


def test_export_and_reload_reports_existing_events_and_new_ids_loads_a_copy(
    events_cli: Any, api: httpx.Client, tmp_path: Path
) -> None:
    """The round trip of the README: `search --all > events.jsonl`, then `create-batch`."""
    session = str(uuid.uuid4())
    chain, tool = str(uuid.uuid4()), str(uuid.uuid4())
    started = api.post("/v1/sessions", json={"session_id": session, "session_name": "orig"})
    assert started.status_code == 200
    created = api.post(
        "/v1/events/batch",
        json={
            "events": [
                {
                    "event_id": chain,
                    "session_id": session,
                    "event_type": "chain",
                    "inputs": {"q": 1},
                    "children_ids": [tool],
                },
                {
                    "event_id": tool,
                    "session_id": session,
                    "parent_id": chain,
                    "event_type": "tool",
                    "inputs": {"q": 2},
                },
            ]
        },
    )
    assert created.status_code == 200

    filters = json.dumps([{"field": "session_id", "operator": "is", "value": session}])
    exported = events_cli("search", "--all", "--filters", filters)
    assert exported.exit_code == 0, exported.output
    path = tmp_path / "events.jsonl"
    path.write_text(exported.stdout)
    assert len(path.read_text().splitlines()) == 3

    # Loading the same events again writes nothing, and says so. (The session event was
    # started without inputs: it is exported with `inputs: null`, which create refuses.)
    originals = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["inputs"] for e in originals if e["event_type"] == "session"] == [None]
    loadable = "".join(json.dumps({**e, "inputs": e["inputs"] or {}}) + "\n" for e in originals)
    again = events_cli("create-batch", "--events", "-", input=loadable)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["created"] == 0
    assert "3 events: 0 new, 3 already existed" in again.stderr
    assert "--new-ids" in again.stderr

    # --new-ids loads a copy: new ids, same tree, one new session.
    copy = events_cli("create-batch", "--events", f"@{path}", "--new-ids")
    assert copy.exit_code == 0, copy.output
    answer = json.loads(copy.stdout)
    assert (answer["created"], answer["already_existed"]) == (3, 0)
    assert "3 events: 3 new, 0 already existed" in copy.stderr
    stored = [stored_event(api, event_id) for event_id in answer["event_ids"]]
    by_type = {event["event_type"]: event for event in stored}
    new_session = by_type["session"]["event_id"]
    assert new_session not in (session, chain, tool)
    assert {event["session_id"] for event in stored} == {new_session}
    assert by_type["session"]["session_id"] == new_session
    assert by_type["chain"]["event_id"] not in (chain, tool)
    assert by_type["chain"]["parent_id"] == new_session
    assert by_type["tool"]["parent_id"] == by_type["chain"]["event_id"]
    assert by_type["chain"]["children_ids"] == [by_type["tool"]["event_id"]]
    assert by_type["tool"]["inputs"] == {"q": 2}
    # The original is untouched.
    assert stored_event(api, tool)["session_id"] == session


def test_chunked_batches_sum_the_counts(events_cli: Any, tmp_path: Path) -> None:
    events = [{**event, "event_id": str(uuid.uuid4())} for event in make_events(5)]
    path = tmp_path / "five.json"
    path.write_text(json.dumps(events))
    batch(events_cli, "--events", json.dumps(events[:2]))
    result = events_cli("create-batch", "--events", f"@{path}", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert (answer["created"], answer["already_existed"]) == (3, 2)
    assert "5 events: 3 new, 2 already existed" in result.stderr
