"""The real honeyhive SDK (1.7.0) against the plugin's server: export retries on injected
503s, and the spans of a @trace function are waitable right after force_flush()."""

from __future__ import annotations

import time

import pytest
from honeyhive import HoneyHive, HoneyHiveTracer, trace
from honeyhive.models import PostEventRequest

from events_api_pytest import EventsApiServer


def test_sdk_export_retries_two_injected_503s_and_succeeds(events_api: EventsApiServer) -> None:
    client = HoneyHive(api_key=events_api.api_key, base_url=events_api.url)
    created = client.events.create(
        PostEventRequest(event={"event_type": "tool", "event_name": "seen", "inputs": {}})
    )
    events_api.fail_next("POST", "/v1/events/export", status=503, count=2)

    started = time.monotonic()
    result = client.events.export(filters=[])
    elapsed = time.monotonic() - started

    assert [event.event_id for event in result.events] == [created.event_id]
    exports = events_api.requests(path="/v1/events/export")
    assert [r["status"] for r in exports] == [503, 503, 200]
    assert all(r["body"]["filters"] == [] for r in exports)
    assert exports[0]["headers"]["authorization"] == "Bearer <redacted>"
    # The SDK's backoff is 1 s then 2 s (+-10% jitter): it waited for our Retry-After.
    assert 2.5 < elapsed < 10


@pytest.mark.filterwarnings("ignore:The 'project' argument:DeprecationWarning")
def test_wait_for_returns_trace_spans_right_after_force_flush(
    events_api: EventsApiServer,
) -> None:
    tracer = HoneyHiveTracer.init(
        api_key=events_api.api_key,
        project="p",
        server_url=events_api.url,
        source="t",
        session_name="s",
    )

    @trace(event_type="tool", event_name="add", tracer=tracer)
    def add(a: int, b: int) -> int:
        return a + b

    assert add(2, 3) == 5
    tracer.force_flush()

    [span] = events_api.wait_for(1, timeout=5, event_name="add")
    assert span["event_type"] == "tool"
    assert span["inputs"] == {"a": 2, "b": 3}
    assert span["outputs"] == {"result": 5}
    assert span["session_id"] == span["parent_id"] == tracer.session_id
    assert span["source"] == "t"
    [session] = events_api.events(event_type="session")
    assert session["event_id"] == tracer.session_id and session["event_name"] == "s"
    paths = [r["path"] for r in events_api.requests()]
    assert paths == ["/session/start", "/opentelemetry/v1/traces"]
