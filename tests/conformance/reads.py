"""Reading back what the server stored, through its public API only."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


def poll(read: Callable[[], T], done: Callable[[T], bool], timeout_s: float = 10.0) -> T:
    """``read()`` until ``done(value)``, at most ``timeout_s``: returns at once when the
    first read already satisfies it (writes are readable as soon as they are answered)."""
    deadline = time.monotonic() + timeout_s
    delay = 0.02
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


class Api:
    """Plain HTTP reads of one project (the API key's), as any client would do them."""

    def __init__(self, url: str, api_key: str) -> None:
        self.url = url
        self.http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30
        )

    def close(self) -> None:
        self.http.close()

    def get_event(self, event_id: str) -> dict[str, Any]:
        response = self.http.get(f"/v1/events/{event_id}")
        assert response.status_code == 200, (event_id, response.status_code, response.text)
        event: dict[str, Any] = response.json()["event"]
        return event

    def search(self, *filters: tuple[str, str, Any], **body: Any) -> dict[str, Any]:
        """POST /v1/events/search with ``(field, operator, value)`` string filters."""
        payload = {
            "filters": [
                {"field": f, "operator": op, "value": v, "type": "string"} for f, op, v in filters
            ],
            **body,
        }
        response = self.http.post("/v1/events/search", json=payload)
        assert response.status_code == 200, (payload, response.status_code, response.text)
        result: dict[str, Any] = response.json()
        assert result["count"] == result["totalEvents"], result
        return result

    def session_events(self, session_id: str) -> list[dict[str, Any]]:
        """Every event whose session_id is ``session_id`` (session event included)."""
        return list(self.search(("session_id", "is", session_id))["events"])

    def wait_session_events(
        self, session_id: str, count: int, timeout_s: float = 10.0
    ) -> list[dict[str, Any]]:
        return poll(
            lambda: self.session_events(session_id), lambda found: len(found) >= count, timeout_s
        )

    def session_tree(self, session_id: str) -> dict[str, Any]:
        response = self.http.get(f"/v1/sessions/{session_id}")
        assert response.status_code == 200, (session_id, response.status_code, response.text)
        tree: dict[str, Any] = response.json()["session"]
        return tree


def by_name(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Events keyed by event_name; the names must be unique."""
    named = {event["event_name"]: event for event in events}
    assert len(named) == len(events), sorted(event["event_name"] for event in events)
    return named


def assert_times(event: dict[str, Any], lo_ms: float, hi_ms: float) -> None:
    """Span times arrive in ns and are stored as whole Unix ms inside the run's window."""
    start, end = event["start_time"], event["end_time"]
    assert isinstance(start, int) and isinstance(end, int), event
    assert lo_ms - 1000 <= start <= end <= hi_ms + 1000, (lo_ms, start, end, hi_ms)
    assert isinstance(event["duration"], int | float) and event["duration"] >= 0, event
