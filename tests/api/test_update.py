"""Update merge rules on both routes, and that concurrent updates never lose a key."""

from __future__ import annotations

import asyncio
import uuid

import httpx


async def create(client: httpx.AsyncClient, **fields: object) -> str:
    body = {"event_type": "tool", "inputs": {}, **fields}
    response = await client.post("/v1/events", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["event_id"])


async def get(client: httpx.AsyncClient, event_id: str) -> dict:
    response = await client.get(f"/v1/events/{event_id}")
    assert response.status_code == 200, response.text
    return response.json()["event"]


async def test_legacy_update_merges_replaces_and_sets(client: httpx.AsyncClient) -> None:
    event_id = await create(
        client,
        metadata={"cost": 0.5, "keep": "me"},
        outputs={"old": 1},
        feedback={"a": 1},
        metrics={"m": 1},
        config={"c": 1},
        user_properties={"u": 1},
        children_ids=["c0"],
        start_time=1700000000000,
    )
    body = {
        "event_id": event_id,
        "metadata": {"cost": 1, "new": [1, {"x": None}]},
        "feedback": {"b": 2},
        "metrics": {"m": 2},
        "config": {"d": 2},
        "user_properties": {"v": 2},
        "outputs": {"x": 1},
        "duration": 5.0,
        "end_time": 1700000000005.0,
        "children_ids": ["c1"],
        "inputs": {"ignored": True},
        "event_name": "ignored too",
    }
    response = await client.put("/events", json=body)
    assert response.status_code == 200
    assert response.json()["success"] is True
    event = await get(client, event_id)
    assert event["metadata"] == {"cost": 1, "keep": "me", "new": [1, {"x": None}]}
    assert event["feedback"] == {"a": 1, "b": 2}
    assert event["metrics"] == {"m": 2}
    assert event["config"] == {"c": 1, "d": 2}
    assert event["user_properties"] == {"u": 1, "v": 2}
    assert event["outputs"] == {"x": 1}
    assert event["duration"] == 5.0
    assert event["end_time"] == 1700000000005
    assert event["children_ids"] == ["c1"]
    assert event["inputs"] == {} and event["event_name"] == "unknown"


async def test_v1_update_empty_children_ids_and_null_outputs_are_ignored(
    client: httpx.AsyncClient,
) -> None:
    event_id = await create(client, children_ids=["keep"], outputs={"o": 1})
    response = await client.put(
        f"/v1/events/{event_id}", json={"metadata": {"k": 1}, "children_ids": [], "outputs": None}
    )
    assert response.status_code == 200
    response = await client.put(f"/v1/events/{event_id}", json={"metadata": {"k2": 2}})
    assert response.status_code == 200
    event = await get(client, event_id)
    assert event["children_ids"] == ["keep"]
    assert event["outputs"] == {"o": 1}
    assert event["metadata"] == {"k": 1, "k2": 2}


async def test_update_outputs_accepts_any_json_value(client: httpx.AsyncClient) -> None:
    event_id = await create(client, outputs={"o": 1})
    for value in ("text", [1, 2], 3.5, True):
        response = await client.put(f"/v1/events/{event_id}", json={"outputs": value})
        assert response.status_code == 200
        assert (await get(client, event_id))["outputs"] == {"value": value}


async def test_merge_keeps_values_exact(client: httpx.AsyncClient) -> None:
    event_id = await create(client, metadata={"f": 0.30000000000000004, "big": 2**62, "t": True})
    await client.put(
        f"/v1/events/{event_id}",
        json={"metadata": {"g": 1.2345678901234567, 'q"uote.key': "v", "n": None, "f2": False}},
    )
    assert (await get(client, event_id))["metadata"] == {
        "f": 0.30000000000000004,
        "big": 2**62,
        "t": True,
        "g": 1.2345678901234567,
        'q"uote.key': "v",
        "n": None,
        "f2": False,
    }


async def test_update_unknown_event_is_404(client: httpx.AsyncClient) -> None:
    for response in (
        await client.put("/events", json={"event_id": "missing-1", "metadata": {"a": 1}}),
        await client.put("/v1/events/missing-2", json={"metadata": {"a": 1}}),
        await client.put("/v1/events/missing-3", json={}),
    ):
        assert response.status_code == 404
        assert response.json()["errorCode"] == "NOT_FOUND"


async def test_update_bad_types_are_400_and_change_nothing(client: httpx.AsyncClient) -> None:
    event_id = await create(client, metadata={"a": 1})
    for body in (
        {"metadata": "not an object", "feedback": {"x": 1}},
        {"duration": "5", "metadata": {"b": 2}},
        {"end_time": -1, "metadata": {"b": 2}},
        {"children_ids": "c1"},
    ):
        response = await client.put(f"/v1/events/{event_id}", json=body)
        assert response.status_code == 400, body
        assert response.json()["errorCode"] == "BAD_REQUEST"
    event = await get(client, event_id)
    assert event["metadata"] == {"a": 1} and event["feedback"] is None


async def test_legacy_update_requires_event_id(client: httpx.AsyncClient) -> None:
    response = await client.put("/events", json={"metadata": {"a": 1}})
    assert response.status_code == 400
    assert "event_id" in response.json()["message"]


async def test_fifty_concurrent_updates_all_survive(client: httpx.AsyncClient) -> None:
    event_id = await create(client, metadata={"base": 0})

    async def put(i: int) -> int:
        response = await client.put(
            f"/v1/events/{event_id}",
            json={"metadata": {f"k{i}": i}, "metrics": {f"m{i}": i}},
        )
        return response.status_code

    statuses = await asyncio.gather(*(put(i) for i in range(50)))
    assert statuses == [200] * 50
    event = await get(client, event_id)
    assert event["metadata"] == {"base": 0, **{f"k{i}": i for i in range(50)}}
    assert event["metrics"] == {f"m{i}": i for i in range(50)}


async def test_enrich_session_updates_the_session_event(client: httpx.AsyncClient) -> None:
    session_id = str(uuid.uuid4())
    response = await client.post(
        "/session/start", json={"session": {"session_id": session_id, "metadata": {"a": 1}}}
    )
    assert response.status_code == 200
    body = {
        "event_id": session_id,
        "metadata": {"session_meta": 1},
        "feedback": {"thumbs": "up"},
        "metrics": {"m": 2},
        "outputs": {"final": "done"},
        "user_properties": {"user_id": "u-1"},
    }
    assert (await client.put("/events", json=body)).status_code == 200
    event = await get(client, session_id)
    assert event["metadata"] == {"a": 1, "session_meta": 1}
    assert event["feedback"] == {"thumbs": "up"}
    assert event["outputs"] == {"final": "done"}
    assert event["user_properties"] == {"user_id": "u-1"}
