"""Replays what each `honeyhive` version sent (tests/sdk_matrix/recordings/, see its README)
on both backends, without any SDK installed: every request must get the status it got when
it was recorded, and the project must end up storing the same events, field by field."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.apps import client_for, running_app
from tests.sdk_matrix.matrix import ROWS, families
from tests.sdk_matrix.recordings import (
    body_bytes,
    load_all,
    normalized,
    path_of,
    pinned_body,
)

RECORDINGS = load_all()


def check_read_answer(request: dict[str, Any], response: httpx.Response) -> None:
    """The answers that old SDKs parse whole: 0.x get_session reads ONE bare event, the
    export routes a page of events."""
    if response.status_code != 200:
        return
    path = request["path"]
    if request["method"] == "GET" and path.startswith("/session/"):
        event = response.json()
        assert event["event_id"] == path.rsplit("/", 1)[-1], event
        assert event["event_type"] == "session" and "session" not in event, event
    elif path.endswith("/events/export"):
        page = response.json()
        assert isinstance(page["events"], list) and page["totalEvents"] == page["count"], page


def test_every_version_and_driver_has_a_recording() -> None:
    missing = [
        path_of(version, family).name
        for version in ROWS
        for family in families(version)
        if not path_of(version, family).exists()
    ]
    assert missing == [], f"record them with SDK_MATRIX_RECORD=1: {missing}"


@pytest.mark.parametrize(("name", "recording"), RECORDINGS, ids=[name for name, _ in RECORDINGS])
async def test_replay(database_url: str, name: str, recording: dict[str, Any]) -> None:
    async with (
        running_app(database_url, test_mode=True, project_per_token=True) as app,
        client_for(app, f"hh_replay_{uuid.uuid4().hex}") as http,
    ):
        for fault in recording["faults"]:
            armed = await http.post("/_test/faults", json=fault)
            assert armed.status_code == 200, armed.text
        for i, request in enumerate(recording["requests"]):
            body = pinned_body(request, recording["stored"])
            headers = {k: v for k, v in request["headers"].items() if k == "content-type"}
            target = request["path"] + (f"?{request['query']}" if request["query"] else "")
            response = await http.request(
                request["method"], target, content=body_bytes(request, body), headers=headers
            )
            assert response.status_code == request["status"], (
                f"{name} request {i}: {request['method']} {target} answered "
                f"{response.status_code} (recorded {request['status']}): {response.text[:500]}"
            )
            check_read_answer(request, response)
        answer = await http.get("/_test/wait", params={"count": 0})
        assert answer.status_code == 200, answer.text
        assert normalized(answer.json()["events"]) == recording["stored"], name
