"""The real honeyhive SDK (1.7.0) client against a real server: the write path."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from honeyhive import HoneyHive
from honeyhive._generated.api_config import HTTPException
from honeyhive.models import (
    PostEventBatchRequest,
    PostEventRequest,
    StartSessionRequest,
    UpdateEventRequest,
)

from tests.live_server import LiveServer

pytestmark = pytest.mark.e2e


def stored(server: LiveServer, event_id: str) -> dict:
    response = httpx.get(f"{server.url}/v1/events/{event_id}")
    assert response.status_code == 200, response.text
    return response.json()["event"]


def test_sdk_client_sessions_events_updates_and_batches(server: LiveServer) -> None:
    client = HoneyHive(api_key="hh_e2e", base_url=server.url)
    session_id = str(uuid.uuid4())
    started = client.sessions.start(
        StartSessionRequest(
            session={"session_id": session_id, "session_name": "s1", "metadata": {"a": 1}}
        )
    )
    assert started.session_id == session_id and started.project_id and started.org_id
    again = client.sessions.start(
        StartSessionRequest(session={"session_id": session_id, "metadata": {"b": 2}})
    )
    assert again.metadata == {"a": 1, "b": 2}

    created = client.events.create(
        PostEventRequest(
            event={
                "event_type": "tool",
                "event_name": "t1",
                "session_id": session_id,
                "inputs": {"q": 1},
                "metadata": {"cost": 0.5},
            }
        )
    )
    assert created.success is True
    client.events.update(
        UpdateEventRequest(
            event_id=created.event_id,
            metadata={"tokens": 3},
            outputs={"x": 1},
            children_ids=["c1"],
            duration=5,
            end_time=1_900_000_000_000,
        )
    )
    event = stored(server, created.event_id)
    assert event["metadata"] == {"cost": 0.5, "tokens": 3}
    assert event["outputs"] == {"x": 1} and event["children_ids"] == ["c1"]
    assert event["duration"] == 5 and event["end_time"] == 1_900_000_000_000
    assert event["session_id"] == session_id and event["parent_id"] == session_id

    batch = client.events.create_batch(
        PostEventBatchRequest(
            events=[
                {"event_type": "model", "inputs": {}},
                {"event_type": "chain", "inputs": {"a": 1}},
            ],
            is_single_session=True,
            session={"session_name": "b"},
        )
    )
    assert len(batch.event_ids) == 2
    assert stored(server, batch.session_id)["event_name"] == "b"
    assert stored(server, batch.event_ids[1])["inputs"] == {"a": 1}


def test_sdk_sees_our_error_message(server: LiveServer) -> None:
    client = HoneyHive(api_key="hh_e2e", base_url=server.url)
    with pytest.raises(HTTPException) as raised:
        client.events.update(UpdateEventRequest(event_id="missing-event", metadata={"a": 1}))
    assert raised.value.status_code == 404
    assert "Event not found: missing-event" in str(raised.value)


async def test_fifty_concurrent_updates_over_http(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        created = await http.post("/v1/events", json={"event_type": "tool", "inputs": {}})
        event_id = created.json()["event_id"]
        responses = await asyncio.gather(
            *(
                http.put(f"/v1/events/{event_id}", json={"metadata": {f"k{i}": i}})
                for i in range(50)
            )
        )
        assert [r.status_code for r in responses] == [200] * 50
        event = (await http.get(f"/v1/events/{event_id}")).json()["event"]
        assert event["metadata"] == {f"k{i}": i for i in range(50)}
