"""docs/protocol.md#scenario-10 and docs/protocol.md#errors retries: the server's own 503 answers
(armed through test mode's
`/_test/faults`) as the real SDK meets them.

This uses a second server per backend, started with `--test-mode` and project-per-token
(each test's random key is a project of its own), so the main conformance server stays in
its production configuration.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from honeyhive import HoneyHive
from honeyhive.models import EventFilter, PostEventRequest

from tests.conformance.conftest import finish_scenario, start_scenario
from tests.conformance.reads import Api
from tests.live_server import LiveServer, live_server

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

OTLP_PATH = "/opentelemetry/v1/traces"


@pytest.fixture(scope="session")
def testmode_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with live_server(
        database_url,
        tmp_path_factory.mktemp("conformance-testmode"),
        {"EVENTS_TEST_MODE": "true", "EVENTS_PROJECT_PER_TOKEN": "true"},
    ) as running:
        yield running


@pytest.fixture
def api(testmode_server: LiveServer, api_key: str) -> Iterator[Api]:
    reader = Api(testmode_server.url, api_key)
    yield reader
    reader.close()


def arm(api: Api, **fault: Any) -> None:
    response = api.http.post("/_test/faults", json=fault)
    assert response.status_code == 200, response.text


def recorded(api: Api, path: str) -> list[dict[str, Any]]:
    response = api.http.get("/_test/requests", params={"path": path})
    assert response.status_code == 200, response.text
    requests: list[dict[str, Any]] = response.json()["requests"]
    return requests


def test_export_retries_503s_then_succeeds(
    testmode_server: LiveServer, api_key: str, api: Api
) -> None:
    """503, 503, 200: export() retries (1 s, then 2 s backoff) and returns the events."""
    client = HoneyHive(api_key=api_key, base_url=testmode_server.url)
    created = client.events.create(
        PostEventRequest(event={"event_type": "tool", "event_name": "kept", "inputs": {}})
    ).event_id
    arm(api, method="POST", path="/v1/events/export", status=503, count=2, retry_after_s=1)

    started = time.monotonic()
    result = client.events.export(
        filters=[EventFilter(field="event_id", operator="is", value=created)]
    )
    elapsed = time.monotonic() - started

    assert result.total_events == 1 and [e.event_id for e in result.events] == [created]
    exports = recorded(api, "/v1/events/export")
    assert [r["status"] for r in exports] == [503, 503, 200]
    assert all(r["body"]["filters"][0]["value"] == created for r in exports)
    assert elapsed > 2.5  # the SDK's own backoff: about 1 s + 2 s


def test_otlp_export_answered_503_is_sent_once_and_stores_nothing(
    testmode_server: LiveServer, api_key: str, api: Api
) -> None:
    """The tracer's OTLP/JSON export meets a 503: exactly one POST, the batch is dropped
    (nothing half-stored), while the session start before it went through."""
    arm(api, method="POST", path=OTLP_PATH, status=503, count=1, retry_after_s=1)
    run = finish_scenario(*start_scenario(testmode_server.url, "otlp503", api_key))
    assert run.out, run.describe()
    sid = run.out["session_id"]
    assert uuid.UUID(sid)

    posts = recorded(api, OTLP_PATH)
    assert [(r["method"], r["status"]) for r in posts] == [("POST", 503)], posts
    assert posts[0]["headers"]["content-type"] == "application/json"
    assert [r["status"] for r in recorded(api, "/session/start")] == [200]

    events = api.session_events(sid)
    assert [(e["event_type"], e["event_name"]) for e in events] == [("session", "otlp-503")]
    # The fault is used up: the same export now lands (the SDK itself does not resend).
    body = posts[0]["body"]
    response = httpx.post(
        f"{testmode_server.url}{OTLP_PATH}",
        json=body,
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    [span] = [e for e in api.session_events(sid) if e["event_type"] != "session"]
    assert span["event_name"] == "llm_call" and span["event_type"] == "model"
    assert span["outputs"] == {"result": {"completion": "ok"}}
    assert span["inputs"] == {"prompt": "hi"} and span["parent_id"] == sid
