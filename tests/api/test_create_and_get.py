"""Creating single events on both families of routes, defaults, and reading them back."""

from __future__ import annotations

import uuid

import httpx
import orjson


async def get_event(client: httpx.AsyncClient, event_id: str) -> dict:
    response = await client.get(f"/v1/events/{event_id}")
    assert response.status_code == 200, response.text
    return response.json()["event"]


async def test_v1_create_applies_defaults(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/events", json={"event_type": "tool", "inputs": {}})
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    event = await get_event(client, body["event_id"])
    uuid.UUID(event["event_id"])
    uuid.UUID(event["session_id"])
    assert event["parent_id"] == event["session_id"]
    assert event["event_name"] == "unknown"
    assert event["source"] == "unknown"
    assert isinstance(event["start_time"], int) and event["start_time"] > 1_700_000_000_000
    assert event["inputs"] == {}
    assert event["outputs"] is None and event["metadata"] is None


async def test_v1_create_stores_every_field(client: httpx.AsyncClient) -> None:
    event_id, session_id = str(uuid.uuid4()), str(uuid.uuid4())
    body = {
        "event_id": event_id,
        "session_id": session_id,
        "parent_id": "p-1",
        "event_type": "model",
        "event_name": "llm",
        "source": "sdk-python",
        "project_id": "ignored-project",
        "children_ids": ["c1", "c2"],
        "config": {"model": "gpt-x", "temperature": 0.2},
        "inputs": {"chat_history": [{"role": "user", "content": "hi"}]},
        "outputs": {"role": "assistant", "content": "hello"},
        "metadata": {"cost": 0.30000000000000004, "tokens": 12, "ok": True, "none": None},
        "feedback": {"rating": 5},
        "metrics": {"score": 0.9},
        "user_properties": {"user_id": "u-1"},
        "error": None,
        "start_time": 1700000000000.0,
        "end_time": 1700000000250.0,
    }
    response = await client.post("/v1/events", json=body)
    assert response.json() == {"success": True, "event_id": event_id}
    event = await get_event(client, event_id)
    for key in ("session_id", "parent_id", "event_type", "event_name", "source", "children_ids"):
        assert event[key] == body[key], key
    for key in ("config", "inputs", "outputs", "metadata", "feedback", "metrics"):
        assert event[key] == body[key], key
    assert event["start_time"] == 1700000000000
    assert event["end_time"] == 1700000000250
    assert event["duration"] == 250.0  # end - start when not given
    assert event["project_id"] != "ignored-project"  # the project comes from the API key


async def test_legacy_create_with_wrapper_extra_keys_and_project(
    client: httpx.AsyncClient,
) -> None:
    # What tracer.create_event sends (captures/create_event.jsonl).
    body = {
        "event": {
            "project": "",
            "source": "auto",
            "event_name": "manual_ev",
            "event_type": "tool",
            "session_id": str(uuid.uuid4()),
            "config": {},
            "inputs": {"x": 1},
            "outputs": {"y": 2},
            "duration": 12.5,
            "metadata": {"m": 1},
            "something_new": {"kept": False},
        }
    }
    response = await client.post("/events", json=body)
    assert response.status_code == 200, response.text
    event = await get_event(client, response.json()["event_id"])
    assert event["duration"] == 12.5
    assert event["outputs"] == {"y": 2}
    assert event["source"] == "auto"
    assert "something_new" not in event


async def test_legacy_create_accepts_event_as_json_string(client: httpx.AsyncClient) -> None:
    inner = {"event_type": "chain", "inputs": {"q": "x"}, "event_name": "as-string"}
    response = await client.post("/events", json={"event": orjson.dumps(inner).decode()})
    assert response.status_code == 200, response.text
    event = await get_event(client, response.json()["event_id"])
    assert event["event_name"] == "as-string"
    assert event["inputs"] == {"q": "x"}


async def test_session_type_event_has_event_id_equal_session_id(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/events", json={"event_type": "session", "inputs": {}})
    event = await get_event(client, response.json()["event_id"])
    assert event["event_id"] == event["session_id"]
    assert event["parent_id"] is None


async def test_non_object_outputs_are_wrapped(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/events", json={"event_type": "tool", "inputs": {}, "outputs": ["a", "b"]}
    )
    event = await get_event(client, response.json()["event_id"])
    assert event["outputs"] == {"value": ["a", "b"]}


async def test_get_unknown_event_is_404_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/events/no-such-event")
    assert response.status_code == 404
    assert response.json() == {
        "statusCode": 404,
        "message": "Event not found: no-such-event",
        "success": False,
        "errorCode": "NOT_FOUND",
    }


async def test_retried_create_writes_nothing_new(client: httpx.AsyncClient) -> None:
    event_id = str(uuid.uuid4())
    first = {"event_id": event_id, "event_type": "tool", "inputs": {"n": 1}}
    second = {"event_id": event_id, "event_type": "chain", "inputs": {"n": 2}}
    for body in (first, second):
        response = await client.post("/v1/events", json=body)
        assert response.status_code == 200
        assert response.json() == {"success": True, "event_id": event_id}
    event = await get_event(client, event_id)
    assert event["event_type"] == "tool" and event["inputs"] == {"n": 1}  # first write wins


async def test_model_event_fields_are_remapped(client: httpx.AsyncClient) -> None:
    body = {
        "model_event": {
            "model": "gpt",
            "messages": [{"role": "user", "content": "hi"}],
            "response": {"content": "hello"},
            "usage": {"total_tokens": 3},
            "cost": 0.01,
            "provider": "openai",
            "duration": 12,
        }
    }
    response = await client.post("/events/model", json=body)
    assert response.status_code == 200, response.text
    event = await get_event(client, response.json()["event_id"])
    assert event["event_type"] == "model"
    assert event["inputs"]["messages"] == [{"role": "user", "content": "hi"}]
    assert event["inputs"]["usage"] == {"total_tokens": 3}
    assert event["inputs"]["cost"] == 0.01
    assert event["inputs"]["duration"] == 12
    assert event["outputs"] == {"response": {"content": "hello"}}
    assert event["event_name"] == "gpt"
    assert event["metadata"]["model_name"] == "gpt"
    assert event["config"]["model"] == "gpt"
