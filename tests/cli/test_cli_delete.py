"""`events-api events delete` against a live server: by id, by session, by filters, dry run,
and the confirmation rules."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from app.cli import deletes


def make_events(api: httpx.Client, marker: str, count: int, **fields: Any) -> list[str]:
    events = [
        {"event_type": "tool", "inputs": {}, "metadata": {"marker": marker}, **fields}
        for _ in range(count)
    ]
    response = api.post("/v1/events/batch", json={"events": events})
    assert response.status_code == 200, response.text
    return list(response.json()["event_ids"])


def marker_filters(marker: str) -> str:
    return json.dumps([{"field": "metadata.marker", "operator": "is", "value": marker}])


def remaining(api: httpx.Client, marker: str) -> int:
    body = {"filters": json.loads(marker_filters(marker))}
    return int(api.post("/v1/events/search", json=body).json()["totalEvents"])


def test_delete_by_event_id_with_yes(run_cli: Any, server_url: str, api: httpx.Client) -> None:
    (event_id,) = make_events(api, uuid.uuid4().hex, 1)
    result = run_cli("events", "delete", "--event-id", event_id, "--yes", "--base-url", server_url)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"success": True, "deleted": 1}
    assert api.get(f"/v1/events/{event_id}").status_code == 404
    again = run_cli("events", "delete", "--event-id", event_id, "-y", "--base-url", server_url)
    assert again.exit_code == 1 and "404" in again.stderr


def test_delete_by_session(run_cli: Any, server_url: str, api: httpx.Client) -> None:
    session_id = api.post("/v1/sessions", json={"session_name": "cli"}).json()["session_id"]
    make_events(api, "cli-session", 4, session_id=session_id)
    result = run_cli(
        "events", "delete", "--session-id", session_id, "--yes", "--base-url", server_url
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["deleted"] == 5


def test_dry_run_then_filter_delete(run_cli: Any, server_url: str, api: httpx.Client) -> None:
    marker = uuid.uuid4().hex
    make_events(api, marker, 6)
    args = ("events", "delete", "--filters", marker_filters(marker), "--base-url", server_url)
    dry = run_cli(*args, "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert json.loads(dry.stdout) == {"success": True, "dry_run": True, "count": 6, "deleted": 0}
    assert remaining(api, marker) == 6
    real = run_cli(*args, "--yes")
    assert json.loads(real.stdout)["deleted"] == 6
    assert remaining(api, marker) == 0


def test_refuses_without_yes_when_not_a_terminal(
    run_cli: Any, server_url: str, api: httpx.Client
) -> None:
    marker = uuid.uuid4().hex
    make_events(api, marker, 2)
    result = run_cli(
        "events", "delete", "--filters", marker_filters(marker), "--base-url", server_url
    )
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert remaining(api, marker) == 2


@pytest.mark.parametrize(("answer", "left"), [("n\n", 3), ("y\n", 0)])
def test_asks_on_a_terminal_with_the_count(
    run_cli: Any,
    server_url: str,
    api: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    left: int,
) -> None:
    monkeypatch.setattr(deletes, "_stdin_is_terminal", lambda: True)
    marker = uuid.uuid4().hex
    make_events(api, marker, 3)
    result = run_cli(
        "events",
        "delete",
        "--filters",
        marker_filters(marker),
        "--base-url",
        server_url,
        input=answer,
    )
    assert "Delete 3 event(s)?" in result.stderr
    assert remaining(api, marker) == left
    assert result.exit_code == (1 if left else 0)


def test_exactly_one_target(run_cli: Any, server_url: str) -> None:
    for args in ([], ["--event-id", "a", "--session-id", "b"], ["--event-id", "a", "--all"]):
        result = run_cli("events", "delete", *args, "--base-url", server_url)
        assert result.exit_code == 2, args
        assert "exactly one of" in result.stderr
    empty = run_cli("events", "delete", "--filters", "[]", "--yes", "--base-url", server_url)
    assert empty.exit_code == 1 and "400" in empty.stderr
