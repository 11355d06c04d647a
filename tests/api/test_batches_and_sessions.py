"""Batches (v1, legacy, model, session-scoped) and session start."""

from __future__ import annotations

import uuid

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from app.domain.projects import project_for_name


async def count_events(app: FastAPI, **where: str) -> int:
    db = app.state.services.db
    where = {"project_id": project_for_name("default").id, **where}
    clauses = " AND ".join(f"{key} = :{key}" for key in where)
    async with db.transaction(write=False) as conn:
        result = await conn.execute(sa.text(f"SELECT count(*) FROM events WHERE {clauses}"), where)
        return int(result.scalar_one())


async def get(client: httpx.AsyncClient, event_id: str) -> dict:
    response = await client.get(f"/v1/events/{event_id}")
    assert response.status_code == 200, response.text
    return response.json()["event"]


async def test_v1_batch_returns_ids_in_order(client: httpx.AsyncClient, app: FastAPI) -> None:
    given = [str(uuid.uuid4()) for _ in range(3)]
    events = [
        {"event_id": given[0], "event_type": "tool", "inputs": {"i": 0}},
        {"event_type": "model", "inputs": {"i": 1}},
        {"event_id": given[2], "event_type": "chain", "inputs": {"i": 2}},
    ]
    response = await client.post("/v1/events/batch", json={"events": events})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert "session_id" not in body
    ids = body["event_ids"]
    assert ids[0] == given[0] and ids[2] == given[2] and len(ids) == 3
    for index, event_id in enumerate(ids):
        assert (await get(client, event_id))["inputs"] == {"i": index}


async def test_v1_batch_single_session(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/events/batch",
        json={
            "events": [{"event_type": "tool", "inputs": {}}, {"event_type": "model", "inputs": {}}],
            "single_session": True,
            "session_properties": {"session_name": "sp", "metadata": {"run": 1}},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    session = await get(client, body["session_id"])
    assert session["event_type"] == "session"
    assert session["event_name"] == "sp"
    assert session["metadata"] == {"run": 1}
    for event_id in body["event_ids"]:
        event = await get(client, event_id)
        assert event["session_id"] == body["session_id"]
        assert event["parent_id"] == body["session_id"]


async def test_v1_batch_rejects_legacy_aliases(client: httpx.AsyncClient) -> None:
    for body in (
        {"events": [{"event_type": "tool", "inputs": {}}], "is_single_session": True},
        {"events": [{"event_type": "tool", "inputs": {}}], "session": {"session_name": "x"}},
        {"events": [{"event_type": "tool", "inputs": {}, "project": "p"}]},
    ):
        response = await client.post("/v1/events/batch", json=body)
        assert response.status_code == 400, body
        assert response.json()["errorCode"] == "BAD_REQUEST"


async def test_invalid_batch_names_each_bad_item_and_writes_nothing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    session_id = str(uuid.uuid4())
    events = [
        {"event_type": "tool", "inputs": {}, "session_id": session_id},
        {"event_type": "nope", "inputs": {}, "session_id": session_id},
        {"event_type": "tool", "session_id": session_id},
        {"event_type": "tool", "inputs": {}, "session_id": session_id},
    ]
    response = await client.post("/v1/events/batch", json={"events": events})
    assert response.status_code == 400
    body = response.json()
    locs = {detail["loc"] for detail in body["details"]}
    assert locs == {"events[1].event_type", "events[2].inputs"}
    assert "events[1].event_type" in body["message"] and "events[2].inputs" in body["message"]
    assert await count_events(app, session_id=session_id) == 0


async def test_retried_batch_creates_no_duplicates(client: httpx.AsyncClient, app: FastAPI) -> None:
    session_id = str(uuid.uuid4())
    events = [
        {
            "event_id": str(uuid.uuid4()),
            "event_type": "tool",
            "inputs": {},
            "session_id": session_id,
        }
        for _ in range(5)
    ]
    first = await client.post("/v1/events/batch", json={"events": events})
    second = await client.post("/v1/events/batch", json={"events": events})
    assert first.status_code == second.status_code == 200
    assert first.json()["event_ids"] == second.json()["event_ids"]
    assert await count_events(app, session_id=session_id) == 5


async def test_legacy_batch_aliases(client: httpx.AsyncClient) -> None:
    body = {
        "events": [
            {"event_type": "model", "inputs": {}},
            {"project": "p", "event_type": "chain", "inputs": {"a": 1}},
        ],
        "is_single_session": True,
        "session": {"session_name": "b"},
    }
    response = await client.post("/events/batch", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (await get(client, result["session_id"]))["event_name"] == "b"
    second = await get(client, result["event_ids"][1])
    assert second["inputs"] == {"a": 1} and second["session_id"] == result["session_id"]


async def test_model_batch(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/events/model/batch",
        json={"model_events": [{"model": "gpt"}, {"model_name": "m2"}], "is_single_session": True},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    first = await get(client, body["event_ids"][0])
    assert first["event_type"] == "model" and first["session_id"] == body["session_id"]
    assert (await get(client, body["event_ids"][1]))["event_name"] == "m2"


async def test_session_start_answers_every_required_key(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/session/start",
        json={
            "session": {"session_name": "tracer-scenario", "source": "conformance", "project": "p"}
        },
    )
    assert response.status_code == 200
    body = response.json()
    for key in ("event_id", "session_id", "org_id", "workspace_id", "project_id"):
        assert isinstance(body[key], str) and body[key], key
    assert body["event_id"] == body["session_id"]
    assert body["event_type"] == "session"
    assert body["event_name"] == "tracer-scenario"
    assert body["source"] == "conformance"


async def test_session_start_is_idempotent_and_merges(client: httpx.AsyncClient) -> None:
    session_id = str(uuid.uuid4())
    first = await client.post(
        "/session/start",
        json={"session": {"session_id": session_id, "session_name": "s1", "metadata": {"a": 1}}},
    )
    second = await client.post(
        "/session/start",
        json={
            "session": {
                "session_id": session_id,
                "session_name": "renamed",
                "metadata": {"b": 2},
                "user_properties": {"u": 1},
            }
        },
    )
    assert first.status_code == second.status_code == 200
    body = second.json()
    assert body["session_id"] == session_id
    assert body["metadata"] == {"a": 1, "b": 2}
    assert body["user_properties"] == {"u": 1}
    assert body["event_name"] == "s1"  # first write wins for everything else
    assert body["start_time"] == first.json()["start_time"]


async def test_v1_sessions_defaults(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/sessions",
        json={"session_name": "v1s", "session_id": "not-a-uuid", "start_time": "yesterday"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["event_name"] == "v1s" and body["source"] == "unknown"
    assert body["session_id"] != "not-a-uuid"
    uuid.UUID(body["session_id"])
    assert body["start_time"] > 1_700_000_000_000
    nameless = (await client.post("/v1/sessions", json={})).json()
    assert nameless["event_name"] == "unknown"


async def test_session_scoped_batch_overrides_session_id(client: httpx.AsyncClient) -> None:
    session_id = str(uuid.uuid4())
    response = await client.post(
        f"/v1/sessions/{session_id}/events/batch",
        json={"events": [{"event_type": "model", "inputs": {}, "session_id": "other"}]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True
    event = await get(client, response.json()["event_ids"][0])
    assert event["session_id"] == session_id and event["parent_id"] == session_id
    strict = await client.post(
        f"/v1/sessions/{session_id}/events/batch",
        json={"events": [{"event_type": "model", "inputs": {}, "project": "p"}]},
    )
    assert strict.status_code == 400


async def test_session_traces_needs_exactly_one_of_events_or_logs(
    client: httpx.AsyncClient,
) -> None:
    session_id = str(uuid.uuid4())
    ok = await client.post(
        f"/session/{session_id}/traces", json={"events": [{"event_type": "tool"}]}
    )
    assert ok.status_code == 200 and ok.json()["success"] is True
    assert (await get(client, ok.json()["event_ids"][0]))["session_id"] == session_id
    logs = await client.post(
        f"/session/{session_id}/traces", json={"logs": [{"event_type": "tool"}]}
    )
    assert logs.status_code == 200
    for body in ({"events": [], "logs": []}, {}):
        response = await client.post(f"/session/{session_id}/traces", json=body)
        assert response.status_code == 400
        assert "exactly one of 'events' or 'logs'" in response.json()["message"]
