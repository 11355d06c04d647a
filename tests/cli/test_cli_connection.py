"""Server URL and API key resolution, request headers, exact request bodies, output format."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from app.cli import events as events_module
from app.cli.api_client import (
    DEFAULT_BASE_URL,
    InvalidBaseUrl,
    resolve_api_key,
    resolve_base_url,
)
from tests.cli.conftest import Recorder


def test_base_url_precedence() -> None:
    env = {"HH_DATA_PLANE_URL": "http://dp:1", "HH_API_URL": "http://api:2"}
    assert resolve_base_url("http://flag:3/", env).value == "http://flag:3"
    assert resolve_base_url(None, env).value == "http://dp:1"
    assert resolve_base_url(None, {"HH_API_URL": "http://api:2/"}).value == "http://api:2"
    assert resolve_base_url(
        None, {"HH_DATA_PLANE_URL": "", "HH_API_URL": "http://api:2"}
    ).value == ("http://api:2")
    assert resolve_base_url(None, {}).value == DEFAULT_BASE_URL == "http://127.0.0.1:8080"
    assert resolve_base_url("", {"HH_API_URL": " "}).value == DEFAULT_BASE_URL


@pytest.mark.parametrize("url", ["ftp://x", "localhost:8080", "http://", "nonsense"])
def test_base_url_must_be_http(url: str) -> None:
    with pytest.raises(InvalidBaseUrl):
        resolve_base_url(url, {})


def test_api_key_precedence() -> None:
    env = {"HH_PROJECT_API_KEY": "project", "HH_API_KEY": "api"}
    assert resolve_api_key("flag", env).value == "flag"
    assert resolve_api_key(None, env).value == "project"
    assert resolve_api_key(None, {"HH_PROJECT_API_KEY": "", "HH_API_KEY": "api"}).value == "api"
    assert resolve_api_key(None, {"HH_API_KEY": ""}).value is None


def test_headers_with_api_key_flag(run_cli: Any, recorder: Recorder) -> None:
    result = run_cli(
        "events", "get", "--event-id", "e-1", "--data-plane-url", recorder.url, "--api-key", "k1"
    )
    assert result.exit_code == 0, result.output
    sent = recorder.last
    assert (sent.method, sent.path) == ("GET", "/v1/events/e-1")
    assert sent.headers["authorization"] == "Bearer k1"
    assert sent.headers["hh-client-package"] == "events-api-cli"
    assert sent.headers["hh-client-language"] == "python"


def test_aliases_on_the_group(run_cli: Any, recorder: Recorder) -> None:
    result = run_cli(
        "events",
        "--base-url",
        recorder.url,
        "--project-api-key",
        "k2",
        "get",
        "--event-id",
        "e-2",
    )
    assert result.exit_code == 0, result.output
    assert recorder.last.headers["authorization"] == "Bearer k2"


def test_sub_command_flags_win_over_group_flags(run_cli: Any, recorder: Recorder) -> None:
    result = run_cli(
        "events",
        "--data-plane-url",
        "http://127.0.0.1:9",
        "--api-key",
        "group",
        "get",
        "--event-id",
        "e",
        "--base-url",
        recorder.url,
        "--api-key",
        "command",
    )
    assert result.exit_code == 0, result.output
    assert recorder.last.headers["authorization"] == "Bearer command"


def test_env_settings(run_cli: Any, recorder: Recorder) -> None:
    env = {
        "HH_DATA_PLANE_URL": "",
        "HH_API_URL": recorder.url,
        "HH_PROJECT_API_KEY": "",
        "HH_API_KEY": "from-env",
    }
    result = run_cli("events", "get", "--event-id", "e", env=env)
    assert result.exit_code == 0, result.output
    assert recorder.last.headers["authorization"] == "Bearer from-env"

    env = {"HH_DATA_PLANE_URL": recorder.url, "HH_API_URL": "http://127.0.0.1:9"}
    env |= {"HH_PROJECT_API_KEY": "project", "HH_API_KEY": "api"}
    result = run_cli("events", "get", "--event-id", "e", env=env)
    assert result.exit_code == 0, result.output
    assert recorder.last.headers["authorization"] == "Bearer project"


def test_no_key_no_authorization_header(run_cli: Any, recorder: Recorder) -> None:
    result = run_cli("events", "--data-plane-url", recorder.url, "get", "--event-id", "e")
    assert result.exit_code == 0, result.output
    assert "authorization" not in recorder.last.headers


def test_event_id_is_escaped_in_the_path(run_cli: Any, recorder: Recorder) -> None:
    result = run_cli("events", "--data-plane-url", recorder.url, "get", "--event-id", "a/b c")
    assert result.exit_code == 0, result.output
    assert recorder.last.path == "/v1/events/a%2Fb%20c"


def test_create_sends_only_the_given_keys(run_cli: Any, recorder: Recorder) -> None:
    result = run_cli(
        "events",
        "--data-plane-url",
        recorder.url,
        "create",
        "--event-type",
        "tool",
        "--inputs",
        "{}",
        "--duration",
        "5",
        "--start-time",
        "1700000000000.5",
        "--project-id",
        "p-1",
    )
    assert result.exit_code == 0, result.output
    sent = recorder.last
    assert (sent.method, sent.path) == ("POST", "/v1/events")
    assert sent.headers["content-type"] == "application/json"
    assert sent.body == {
        "event_type": "tool",
        "inputs": {},
        "duration": 5,
        "start_time": 1700000000000.5,
        "project_id": "p-1",
    }
    assert json.dumps(sent.body["duration"]) == "5"  # integral numbers go as integers


def test_update_body_has_no_event_id(run_cli: Any, recorder: Recorder) -> None:
    result = run_cli(
        "events",
        "--data-plane-url",
        recorder.url,
        "update",
        "--event-id",
        "e-9",
        "--outputs",
        "[1, 2]",
        "--end-time",
        "1700000000000",
    )
    assert result.exit_code == 0, result.output
    assert (recorder.last.method, recorder.last.path) == ("PUT", "/v1/events/e-9")
    assert recorder.last.body == {"outputs": [1, 2], "end_time": 1700000000000}


def test_search_body(run_cli: Any, recorder: Recorder) -> None:
    recorder.reply_with((200, {"events": [], "count": 0}))
    result = run_cli(
        "events",
        "--data-plane-url",
        recorder.url,
        "search",
        "--filters",
        '[{"field": "event_type", "operator": "is", "value": "tool", "type": "string"}]',
        "--date-range",
        '{"start_time": "2024-01-01T00:00:00Z", "end_time": "2024-02-01T00:00:00Z"}',
        "--limit",
        "100",
        "--page",
        "2",
        "--no-ignore-order",
        "--evaluation-id",
        "run-1",
    )
    assert result.exit_code == 0, result.output
    assert (recorder.last.method, recorder.last.path) == ("POST", "/v1/events/search")
    assert recorder.last.body == {
        "filters": [{"field": "event_type", "operator": "is", "value": "tool", "type": "string"}],
        "dateRange": {"start_time": "2024-01-01T00:00:00Z", "end_time": "2024-02-01T00:00:00Z"},
        "limit": 100,
        "page": 2,
        "ignore_order": False,
        "evaluation_id": "run-1",
    }
    run_cli("events", "--data-plane-url", recorder.url, "search", "--ignore-order")
    assert recorder.last.body == {"ignore_order": True}


def test_search_all_stops_on_a_short_page(run_cli: Any, recorder: Recorder) -> None:
    page = [{"event_id": str(i)} for i in range(2)]
    recorder.reply_with((200, {"events": page, "count": 99}), (200, {"events": page[:1]}))
    result = run_cli("events", "--data-plane-url", recorder.url, "search", "--all", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert [r.body["page"] for r in recorder.requests] == [1, 2]
    assert all(r.body["limit"] == 2 for r in recorder.requests)
    assert result.stdout.splitlines() == [
        '{"event_id":"0"}',
        '{"event_id":"1"}',
        '{"event_id":"0"}',
    ]


def test_search_all_stops_when_the_count_is_reached(run_cli: Any, recorder: Recorder) -> None:
    page = [{"event_id": str(i)} for i in range(2)]
    recorder.reply_with((200, {"events": page, "count": 4}), (200, {"events": page, "count": 4}))
    result = run_cli("events", "--data-plane-url", recorder.url, "search", "--all", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert [r.body["page"] for r in recorder.requests] == [1, 2]
    assert len(result.stdout.splitlines()) == 4


def test_search_all_defaults_to_pages_of_1000(run_cli: Any, recorder: Recorder) -> None:
    recorder.reply_with((200, {"events": [], "count": 0}))
    result = run_cli("events", "--data-plane-url", recorder.url, "search", "--all")
    assert result.exit_code == 0, result.output
    assert recorder.last.body == {"limit": 1000, "page": 1}
    assert result.stdout == ""


def test_batch_chunks_in_single_session(run_cli: Any, recorder: Recorder) -> None:
    recorder.reply_with(
        (200, {"event_ids": ["a", "b"], "session_id": "S", "success": True}),
        (200, {"event_ids": ["c", "d"], "session_id": "S", "success": True}),
        (200, {"event_ids": ["e"], "success": True}),
    )
    events = [{"event_type": "tool", "inputs": {"i": i}} for i in range(5)]
    result = run_cli(
        "events",
        "--data-plane-url",
        recorder.url,
        "create-batch",
        "--events",
        json.dumps(events),
        "--single-session",
        "--session-properties",
        '{"session_name": "sp"}',
        "--batch-size",
        "2",
    )
    assert result.exit_code == 0, result.output
    first, second, third = (r.body for r in recorder.requests)
    assert first == {
        "events": events[:2],
        "single_session": True,
        "session_properties": {"session_name": "sp"},
    }
    assert second == {
        "events": [{**e, "session_id": "S"} for e in events[2:4]],
        "single_session": False,
    }
    assert third == {"events": [{**events[4], "session_id": "S"}], "single_session": False}
    assert json.loads(result.stdout) == {
        "event_ids": ["a", "b", "c", "d", "e"],
        "success": True,
        "session_id": "S",
    }


def test_batch_chunks_keep_the_users_options(run_cli: Any, recorder: Recorder) -> None:
    recorder.reply_with(
        (200, {"event_ids": ["a"], "success": True}),
        (200, {"event_ids": ["b"], "success": True}),
    )
    events = [{"event_type": "tool", "inputs": {}}] * 2
    result = run_cli(
        "events",
        "--data-plane-url",
        recorder.url,
        "create-batch",
        "--events",
        json.dumps(events),
        "--no-single-session",
        "--batch-size",
        "1",
    )
    assert result.exit_code == 0, result.output
    assert [r.body for r in recorder.requests] == [
        {"events": events[:1], "single_session": False}
    ] * 2
    assert json.loads(result.stdout) == {"event_ids": ["a", "b"], "success": True}


def test_single_batch_is_sent_as_given(run_cli: Any, recorder: Recorder) -> None:
    answer = {"event_ids": ["a"], "success": True}
    recorder.reply_with((200, answer))
    result = run_cli(
        "events",
        "--data-plane-url",
        recorder.url,
        "create-batch",
        "--events",
        '[{"event_type": "tool", "inputs": {}}]',
    )
    assert result.exit_code == 0, result.output
    assert recorder.last.path == "/v1/events/batch"
    assert recorder.last.body == {"events": [{"event_type": "tool", "inputs": {}}]}
    assert json.loads(result.stdout) == answer


def test_batch_failure_partway_reports_what_was_created(run_cli: Any, recorder: Recorder) -> None:
    recorder.reply_with(
        (200, {"event_ids": ["a"], "success": True}),
        (400, {"statusCode": 400, "message": "bad event", "success": False}),
    )
    events = [{"event_type": "tool", "inputs": {}}] * 3
    result = run_cli(
        "events",
        "--data-plane-url",
        recorder.url,
        "create-batch",
        "--events",
        json.dumps(events),
        "--batch-size",
        "1",
    )
    assert result.exit_code == 1
    assert len(recorder.requests) == 2
    assert result.stderr.splitlines()[0] == "API error 400: bad event"
    assert "1 of 3 events were created" in result.stderr
    assert json.loads(result.stdout) == {"event_ids": ["a"], "success": False}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_output_is_pretty_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(events_module, "_stdout", lambda: terminal)
    events_module._print_json({"a": [1]})
    assert terminal.getvalue() == '{\n  "a": [\n    1\n  ]\n}\n'


def test_output_is_one_line_when_piped(run_cli: Any, recorder: Recorder) -> None:
    recorder.reply_with((200, {"event": {"event_id": "e", "inputs": {"a": 1}}}))
    result = run_cli("events", "--data-plane-url", recorder.url, "get", "--event-id", "e")
    assert result.stdout == '{"event":{"event_id":"e","inputs":{"a":1}}}\n'
