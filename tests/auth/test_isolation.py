"""Project isolation with API keys, on both backends: project B can neither read, update,
join, search, export, count, see in a session tree, nor reset or fail project A's data."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from app.domain.projects import project_for_name
from tests.apps import client_for, new_key, running_app


@dataclass
class Tenants:
    app: FastAPI
    a: httpx.AsyncClient
    b: httpx.AsyncClient
    project_a: str
    project_b: str


@pytest.fixture
async def tenants(database_url: str) -> AsyncIterator[Tenants]:
    names = [f"iso-{side}-{uuid.uuid4().hex[:8]}" for side in ("a", "b")]
    async with running_app(database_url, auth="keys", test_mode=True) as app:
        key_a, key_b = [await new_key(app, name) for name in names]
        async with client_for(app, key_a) as a, client_for(app, key_b) as b:
            yield Tenants(app, a, b, project_for_name(names[0]).id, project_for_name(names[1]).id)


async def create(client: httpx.AsyncClient, **fields: object) -> str:
    response = await client.post("/v1/events", json={"event_type": "tool", "inputs": {}, **fields})
    assert response.status_code == 200, response.text
    return str(response.json()["event_id"])


async def get(client: httpx.AsyncClient, event_id: str) -> httpx.Response:
    return await client.get(f"/v1/events/{event_id}")


def marker_filter(marker: str) -> list[dict]:
    return [{"field": "metadata.marker", "operator": "is", "value": marker, "type": "string"}]


async def test_b_cannot_read_a_event(tenants: Tenants) -> None:
    event_id = await create(tenants.a)
    assert (await get(tenants.a, event_id)).status_code == 200
    response = await get(tenants.b, event_id)
    assert response.status_code == 404
    assert response.json()["errorCode"] == "NOT_FOUND"


async def test_b_cannot_update_a_event(tenants: Tenants) -> None:
    event_id = await create(tenants.a, metadata={"owner": "a"})
    put_v1 = await tenants.b.put(f"/v1/events/{event_id}", json={"metadata": {"owner": "b"}})
    put_legacy = await tenants.b.put(
        "/events", json={"event_id": event_id, "metadata": {"owner": "b"}}
    )
    assert put_v1.status_code == put_legacy.status_code == 404
    assert (await get(tenants.a, event_id)).json()["event"]["metadata"] == {"owner": "a"}


async def test_b_creating_a_event_id_makes_its_own_event(tenants: Tenants) -> None:
    event_id = await create(tenants.a, metadata={"owner": "a"})
    batch = await tenants.b.post(
        "/v1/events/batch",
        json={"events": [{"event_id": event_id, "event_type": "tool", "inputs": {"b": 1}}]},
    )
    assert batch.json()["event_ids"] == [event_id]
    mine = (await get(tenants.b, event_id)).json()["event"]
    theirs = (await get(tenants.a, event_id)).json()["event"]
    assert mine["project_id"] == tenants.project_b and mine["inputs"] == {"b": 1}
    assert theirs["project_id"] == tenants.project_a and theirs["metadata"] == {"owner": "a"}


async def test_b_session_start_with_a_session_id_creates_b_session(tenants: Tenants) -> None:
    session_id = str(uuid.uuid4())
    first = await tenants.a.post(
        "/session/start", json={"session": {"session_id": session_id, "metadata": {"o": "a"}}}
    )
    assert first.json()["project_id"] == tenants.project_a
    second = await tenants.b.post(
        "/session/start", json={"session": {"session_id": session_id, "metadata": {"p": "b"}}}
    )
    assert second.status_code == 200
    assert second.json()["project_id"] == tenants.project_b
    assert second.json()["metadata"] == {"p": "b"}  # not merged into A's session
    assert (await get(tenants.a, session_id)).json()["event"]["metadata"] == {"o": "a"}
    assert (await get(tenants.b, session_id)).json()["event"]["metadata"] == {"p": "b"}


@pytest.mark.parametrize("route", ["/v1/events/search", "/v1/events/export"])
async def test_b_cannot_search_export_or_count_a_events(tenants: Tenants, route: str) -> None:
    marker = uuid.uuid4().hex
    await create(tenants.a, metadata={"marker": marker})
    body = {"filters": marker_filter(marker), "limit": 10}
    seen_by_a = (await tenants.a.post(route, json=body)).json()
    assert seen_by_a["count"] == seen_by_a["totalEvents"] == 1
    seen_by_b = (await tenants.b.post(route, json=body)).json()
    assert seen_by_b["events"] == [] and seen_by_b["count"] == seen_by_b["totalEvents"] == 0
    everything_b = (await tenants.b.post(route, json={"limit": 1000})).json()
    assert all(e["project_id"] == tenants.project_b for e in everything_b["events"])


async def test_b_cannot_see_a_session_tree(tenants: Tenants) -> None:
    session_id = str(uuid.uuid4())
    await tenants.a.post("/v1/sessions", json={"session_id": session_id})
    child = await create(tenants.a, session_id=session_id)
    tree_a = await tenants.a.get(f"/v1/sessions/{session_id}")
    assert tree_a.status_code == 200 and child in tree_a.text
    assert (await tenants.b.get(f"/v1/sessions/{session_id}")).status_code == 404

    # Once B has a session with that id, its tree holds only B's events.
    await tenants.b.post("/v1/sessions", json={"session_id": session_id})
    tree_b = await tenants.b.get(f"/v1/sessions/{session_id}")
    assert tree_b.status_code == 200
    assert child not in tree_b.text and tenants.project_a not in tree_b.text


async def test_b_cannot_wait_for_or_reset_a_events(tenants: Tenants) -> None:
    marker = uuid.uuid4().hex
    event_id = await create(tenants.a, metadata={"marker": marker})
    params = {
        "count": 1,
        "timeout_s": 0.2,
        "filters": f'[{{"field": "metadata.marker", "operator": "is", "value": "{marker}"}}]',
    }
    waited = await tenants.b.get("/_test/wait", params=params)
    assert waited.status_code == 408 and waited.json()["count"] == 0
    assert (await tenants.a.get("/_test/wait", params=params)).json()["count"] == 1

    reset = await tenants.b.post("/_test/reset")
    assert reset.status_code == 200
    assert (await get(tenants.a, event_id)).status_code == 200


async def test_b_cannot_see_a_requests_or_fail_a_calls(tenants: Tenants) -> None:
    marker = uuid.uuid4().hex
    await create(tenants.a, metadata={"marker": marker})
    assert marker in (await tenants.a.get("/_test/requests")).text
    assert marker not in (await tenants.b.get("/_test/requests")).text

    armed = await tenants.b.post(
        "/_test/faults", json={"method": "POST", "path": "/v1/events", "status": 500}
    )
    assert armed.status_code == 200
    assert (
        await tenants.a.post("/v1/events", json={"event_type": "tool", "inputs": {}})
    ).is_success
    assert (await tenants.a.get("/_test/faults")).json()["faults"] == []
    hit = await tenants.b.post("/v1/events", json={"event_type": "tool", "inputs": {}})
    assert hit.status_code == 500
