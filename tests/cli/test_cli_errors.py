"""Error exits of the real `events-api` script: 2 for usage errors (before any request),
1 for API errors and unreachable servers."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.cli.conftest import Recorder
from tests.live_server import free_port

# Every JSON flag of every command, with the other flags the command requires.
JSON_FLAGS = [
    *(
        (
            ["create", "--event-type", "tool"] + ([] if flag == "--inputs" else ["--inputs", "{}"]),
            flag,
        )
        for flag in (
            "--inputs",
            "--children-ids",
            "--config",
            "--feedback",
            "--metadata",
            "--metrics",
            "--outputs",
            "--user-properties",
        )
    ),
    *(
        (["update", "--event-id", "e-1"], flag)
        for flag in (
            "--children-ids",
            "--config",
            "--feedback",
            "--metadata",
            "--metrics",
            "--outputs",
            "--user-properties",
        )
    ),
    (["search"], "--date-range"),
    (["search"], "--filters"),
    (["create-batch"], "--events"),
    (["create-batch", "--events", "[]"], "--session-properties"),
]


def one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


@pytest.mark.parametrize(("command", "flag"), JSON_FLAGS)
def test_bad_json_exits_2_naming_the_flag(
    run_script: Any, recorder: Recorder, command: list[str], flag: str
) -> None:
    completed = run_script("events", "--data-plane-url", recorder.url, *command, flag, "{oops")
    assert completed.returncode == 2
    line = one_line(completed.stderr)
    assert f"'{flag}'" in line
    assert "not valid JSON" in line
    assert completed.stdout == ""
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["create", "--inputs", "{}"], "--event-type"),
        (["create", "--event-type", "tool"], "--inputs"),
        (["update", "--metadata", "{}"], "--event-id"),
        (["get"], "--event-id"),
        (["create-batch", "--single-session"], "--events"),
    ],
)
def test_missing_required_flag_exits_2(
    run_script: Any, recorder: Recorder, args: list[str], flag: str
) -> None:
    completed = run_script("events", "--data-plane-url", recorder.url, *args)
    assert completed.returncode == 2
    line = one_line(completed.stderr)
    assert f"Missing option '{flag}'" in line
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["create", "--event-type", "span", "--inputs", "{}"], "'--event-type'"),
        (["create", "--event-type", "tool", "--inputs", "{}", "--duration", "soon"], "--duration"),
        (["search", "--limit", "lots"], "--limit"),
        (["create-batch", "--events", "[]", "--batch-size", "0"], "--batch-size"),
        (["create", "--event-type", "tool", "--inputs", "@/no/such.json"], "'--inputs'"),
    ],
)
def test_other_bad_values_exit_2(
    run_script: Any, recorder: Recorder, args: list[str], expected: str
) -> None:
    completed = run_script("events", "--data-plane-url", recorder.url, *args)
    assert completed.returncode == 2
    assert expected in one_line(completed.stderr)
    assert recorder.requests == []


def test_bad_server_url_exits_2(run_script: Any) -> None:
    completed = run_script("events", "get", "--event-id", "e", env={"HH_API_URL": "nowhere"})
    assert completed.returncode == 2
    assert "HH_API_URL" in one_line(completed.stderr)


def test_api_400_exits_1(run_script: Any, server_url: str) -> None:
    completed = run_script(
        "events", "--data-plane-url", server_url, "create-batch", "--events",
        '[{"event_type": "tool"}]',
    )  # fmt: skip
    assert completed.returncode == 1
    assert one_line(completed.stderr).startswith("API error 400: ")
    assert completed.stdout == ""


def test_search_limit_over_1000_is_an_api_400(run_script: Any, server_url: str) -> None:
    completed = run_script("events", "--data-plane-url", server_url, "search", "--limit", "1001")
    assert completed.returncode == 1
    assert one_line(completed.stderr).startswith("API error 400: ")


def test_api_404_exits_1(run_script: Any, server_url: str) -> None:
    completed = run_script(
        "events", "--data-plane-url", server_url, "get", "--event-id", str(uuid.uuid4())
    )
    assert completed.returncode == 1
    assert one_line(completed.stderr).startswith("API error 404: ")


def test_api_error_message_comes_from_the_envelope(run_script: Any, recorder: Recorder) -> None:
    envelope = {"statusCode": 422, "message": "inputs: field required", "success": False}
    recorder.reply_with((422, envelope | {"errorCode": "BAD_REQUEST"}))
    completed = run_script("events", "--data-plane-url", recorder.url, "get", "--event-id", "e")
    assert completed.returncode == 1
    assert completed.stderr == "API error 422: inputs: field required\n"


def test_api_error_without_envelope_prints_the_raw_text(
    run_script: Any, recorder: Recorder
) -> None:
    recorder.reply_with((502, b"upstream is down"))
    completed = run_script("events", "--data-plane-url", recorder.url, "get", "--event-id", "e")
    assert completed.returncode == 1
    assert completed.stderr == "API error 502: upstream is down\n"


def test_unreachable_server_exits_1_naming_the_url(run_script: Any) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    completed = run_script(
        "events", "create", "--event-type", "tool", "--inputs", "{}", env={"HH_DATA_PLANE_URL": url}
    )
    assert completed.returncode == 1
    line = one_line(completed.stderr)
    assert f"could not reach the Events API at {url}/v1/events" in line
    assert completed.stdout == ""


def test_successful_output_is_one_compact_line_when_piped(run_script: Any, server_url: str) -> None:
    completed = run_script(
        "events", "--data-plane-url", server_url, "create", "--event-type", "tool", "--inputs", "{}"
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.count("\n") == 1
    assert json.loads(completed.stdout)["success"] is True
