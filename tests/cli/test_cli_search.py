"""`events search` (and `--all`) against a live server: every flag."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from tests.cli.conftest import parse_json_lines

JAN_15 = 1705276800000  # 2024-01-15T00:00:00Z in ms
MAR_15 = 1710460800000  # 2024-03-15T00:00:00Z in ms


def seed(api: httpx.Client, count: int, **metadata: Any) -> tuple[str, list[str]]:
    """``count`` events tagged with a fresh marker, start_time ascending; returns the marker
    and the event ids, newest first (the order search answers in)."""
    marker = str(uuid.uuid4())
    events = [
        {
            "event_type": "tool",
            "inputs": {"i": i},
            "start_time": JAN_15 + i * 1000,
            "metadata": {"marker": marker, **metadata},
        }
        for i in range(count)
    ]
    response = api.post("/v1/events/batch", json={"events": events})
    assert response.status_code == 200, response.text
    return marker, list(reversed(response.json()["event_ids"]))


def marker_filter(marker: str) -> str:
    return json.dumps(
        [{"field": "metadata.marker", "operator": "is", "value": marker, "type": "string"}]
    )


def search(events_cli: Any, *args: str) -> dict[str, Any]:
    result = events_cli("search", *args)
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def ids(answer: dict[str, Any]) -> list[str]:
    return [event["event_id"] for event in answer["events"]]


def test_filters(events_cli: Any, api: httpx.Client) -> None:
    marker, event_ids = seed(api, 3)
    seed(api, 2)  # other events, other marker
    answer = search(events_cli, "--filters", marker_filter(marker))
    assert answer["count"] == 3
    assert ids(answer) == event_ids  # start_time DESC


def test_limit_and_page(events_cli: Any, api: httpx.Client) -> None:
    marker, event_ids = seed(api, 5)
    answer = search(events_cli, "--filters", marker_filter(marker), "--limit", "2", "--page", "2")
    assert ids(answer) == event_ids[2:4]
    assert answer["count"] == 5
    answer = search(events_cli, "--filters", marker_filter(marker), "--limit", "2")
    assert ids(answer) == event_ids[:2]


def test_date_range(events_cli: Any, api: httpx.Client) -> None:
    marker = str(uuid.uuid4())
    events = [
        {"event_type": "tool", "inputs": {}, "start_time": at, "metadata": {"marker": marker}}
        for at in (JAN_15, MAR_15)
    ]
    response = api.post("/v1/events/batch", json={"events": events})
    assert response.status_code == 200, response.text
    january_id = response.json()["event_ids"][0]
    answer = search(
        events_cli,
        "--filters",
        marker_filter(marker),
        "--date-range",
        '{"start_time": "2024-01-01T00:00:00Z", "end_time": "2024-02-01T00:00:00Z"}',
    )
    assert ids(answer) == [january_id]


def test_evaluation_id(events_cli: Any, api: httpx.Client) -> None:
    run_id = str(uuid.uuid4())
    _marker, event_ids = seed(api, 2, run_id=run_id)
    seed(api, 1, run_id="another-run")
    answer = search(events_cli, "--evaluation-id", run_id)
    assert sorted(ids(answer)) == sorted(event_ids)


def test_ignore_order_flags_are_accepted(events_cli: Any, api: httpx.Client) -> None:
    marker, event_ids = seed(api, 3)
    for flag in ("--ignore-order", "--no-ignore-order"):
        answer = search(events_cli, "--filters", marker_filter(marker), flag)
        assert ids(answer) == event_ids


def test_all_pages_as_jsonl(events_cli: Any, api: httpx.Client) -> None:
    marker, event_ids = seed(api, 7)
    result = events_cli("search", "--all", "--filters", marker_filter(marker), "--limit", "3")
    assert result.exit_code == 0, result.output
    assert [event["event_id"] for event in parse_json_lines(result.stdout)] == event_ids
    assert all(line.startswith("{") for line in result.stdout.splitlines())


def test_all_pages_as_a_real_subprocess(
    run_script: Any, server_url: str, api: httpx.Client
) -> None:
    marker, event_ids = seed(api, 5)
    completed = run_script(
        "events", "search", "--all", "--limit", "2", "--filters", marker_filter(marker),
        env={"HH_DATA_PLANE_URL": server_url},
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert len(lines) == 5
    assert [json.loads(line)["event_id"] for line in lines] == event_ids
    assert completed.stderr == ""  # no progress bar when stderr is not a terminal
