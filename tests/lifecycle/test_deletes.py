"""Deletes on both backends: each route and its counts, dry runs, validation, project
scoping, and chunked deletes under concurrent ingest."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from tests.apps import client_for, new_key, running_app


@dataclass
class Tenants:
    app: FastAPI
    a: httpx.AsyncClient
    b: httpx.AsyncClient


@pytest.fixture
async def tenants(database_url: str) -> AsyncIterator[Tenants]:
    names = [f"del-{side}-{uuid.uuid4().hex[:8]}" for side in ("a", "b")]
    # A small chunk size so that every multi-row delete here runs in several chunks.
    async with running_app(database_url, auth="keys", delete_chunk_rows=7) as app:
        key_a, key_b = [await new_key(app, name) for name in names]
        async with client_for(app, key_a) as a, client_for(app, key_b) as b:
            yield Tenants(app, a, b)


async def batch(client: httpx.AsyncClient, events: list[dict]) -> list[str]:
    response = await client.post("/v1/events/batch", json={"events": events})
    assert response.status_code == 200, response.text
    return list(response.json()["event_ids"])


def tagged(marker: str, count: int, **fields: object) -> list[dict]:
    return [
        {"event_type": "tool", "inputs": {"i": i}, "metadata": {"marker": marker}, **fields}
        for i in range(count)
    ]


def by_marker(marker: str) -> list[dict]:
    return [{"field": "metadata.marker", "operator": "is", "value": marker, "type": "string"}]


async def matching(client: httpx.AsyncClient, marker: str) -> int:
    response = await client.post("/v1/events/search", json={"filters": by_marker(marker)})
    assert response.status_code == 200, response.text
    return int(response.json()["totalEvents"])


async def test_delete_one_event_answers_the_count_and_404_after(tenants: Tenants) -> None:
    marker = uuid.uuid4().hex
    first, second = await batch(tenants.a, tagged(marker, 2))
    response = await tenants.a.delete(f"/v1/events/{first}")
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "deleted": 1}
    assert (await tenants.a.get(f"/v1/events/{first}")).status_code == 404
    assert (await tenants.a.get(f"/v1/events/{second}")).status_code == 200
    again = await tenants.a.delete(f"/v1/events/{first}")
    assert again.status_code == 404 and again.json()["errorCode"] == "NOT_FOUND"


async def test_a_deleted_id_can_be_created_again(tenants: Tenants) -> None:
    event_id = str(uuid.uuid4())
    await batch(tenants.a, [{"event_id": event_id, "event_type": "tool", "inputs": {"v": 1}}])
    assert (await tenants.a.delete(f"/v1/events/{event_id}")).status_code == 200
    await batch(tenants.a, [{"event_id": event_id, "event_type": "tool", "inputs": {"v": 2}}])
    stored = (await tenants.a.get(f"/v1/events/{event_id}")).json()["event"]
    assert stored["inputs"] == {"v": 2}


async def test_delete_session_removes_the_session_and_all_its_events(tenants: Tenants) -> None:
    response = await tenants.a.post("/v1/sessions", json={"session_name": "doomed"})
    session_id = response.json()["session_id"]
    other = (await tenants.a.post("/v1/sessions", json={"session_name": "kept"})).json()
    path = f"/v1/sessions/{session_id}/events/batch"
    inside = await tenants.a.post(path, json={"events": tagged("s", 20)})
    assert inside.status_code == 200
    kept = await tenants.a.post(
        f"/v1/sessions/{other['session_id']}/events/batch", json={"events": tagged("s", 3)}
    )
    assert kept.status_code == 200
    deleted = await tenants.a.delete(f"/v1/sessions/{session_id}")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"success": True, "deleted": 21}
    assert (await tenants.a.get(f"/v1/sessions/{session_id}")).status_code == 404
    tree = await tenants.a.get(f"/v1/sessions/{other['session_id']}")
    assert len(tree.json()["session"]["children"]) == 3
    assert (await tenants.a.delete(f"/v1/sessions/{session_id}")).status_code == 404


async def test_filter_delete_dry_run_counts_then_delete_removes_exactly_those(
    tenants: Tenants,
) -> None:
    marker, keep = uuid.uuid4().hex, uuid.uuid4().hex
    await batch(tenants.a, tagged(marker, 30, start_time=1_700_000_000_000))
    await batch(tenants.a, tagged(marker, 5, start_time=1_600_000_000_000))
    await batch(tenants.a, tagged(keep, 4))
    body = {
        "filters": by_marker(marker),
        "dateRange": {"start_time": "2022-04-15T00:00:00Z", "end_time": "2027-01-01"},
        "dry_run": True,
    }
    dry = await tenants.a.post("/v1/events/delete", json=body)
    assert dry.status_code == 200, dry.text
    assert dry.json() == {"success": True, "dry_run": True, "count": 30, "deleted": 0}
    assert await matching(tenants.a, marker) == 35
    real = await tenants.a.post("/v1/events/delete", json={**body, "dry_run": False})
    assert real.json() == {"success": True, "dry_run": False, "count": 30, "deleted": 30}
    assert await matching(tenants.a, marker) == 5
    assert await matching(tenants.a, keep) == 4


async def test_filter_delete_validates_like_search(tenants: Tenants) -> None:
    cases = [
        ({"filters": []}, "filters"),
        ({}, "filters"),
        ({"filters": [{"field": "metadata.x", "operator": "bogus", "value": 1}]}, "filters[0]"),
        ({"filters": by_marker("x"), "limit": 3}, "limit"),
        ({"dateRange": {"start_time": "not a date"}}, "dateRange"),
        ({"all": "maybe"}, "all"),
    ]
    for body, loc in cases:
        response = await tenants.a.post("/v1/events/delete", json=body)
        assert response.status_code == 400, (body, response.text)
        envelope = response.json()
        assert envelope["errorCode"] == "BAD_REQUEST" and loc in envelope["message"], envelope


async def test_all_true_deletes_every_event_of_the_project_only(tenants: Tenants) -> None:
    marker = uuid.uuid4().hex
    await batch(tenants.a, tagged(marker, 12))
    await batch(tenants.b, tagged(marker, 9))
    response = await tenants.a.post("/v1/events/delete", json={"all": True})
    assert response.status_code == 200
    assert response.json()["deleted"] >= 12
    assert await matching(tenants.a, marker) == 0
    assert await matching(tenants.b, marker) == 9


async def test_a_key_of_project_a_deletes_nothing_of_b(tenants: Tenants) -> None:
    marker = uuid.uuid4().hex
    (b_event,) = await batch(tenants.b, tagged(marker, 1))
    session = (await tenants.b.post("/v1/sessions", json={"session_name": "b"})).json()
    assert (await tenants.a.delete(f"/v1/events/{b_event}")).status_code == 404
    assert (await tenants.a.delete(f"/v1/sessions/{session['session_id']}")).status_code == 404
    by_filter = await tenants.a.post("/v1/events/delete", json={"filters": by_marker(marker)})
    assert by_filter.json()["deleted"] == 0
    assert (await tenants.b.get(f"/v1/events/{b_event}")).status_code == 200
    assert (await tenants.b.get(f"/v1/sessions/{session['session_id']}")).status_code == 200
    assert await matching(tenants.b, marker) == 1


class ChunkSignal:
    """Telemetry that tells the test when the delete's first chunk is gone."""

    def __init__(self) -> None:
        self.first_chunk = asyncio.Event()
        self.chunks = 0

    def events_ingested(self, count: int) -> None:
        return None

    def rows_deleted(self, reason: str, count: int) -> None:
        self.chunks += 1
        self.first_chunk.set()

    def partitions_changed(self, *, created: int, dropped: int) -> None:
        return None


async def test_chunked_delete_under_concurrent_ingest_loses_no_new_event(
    tenants: Tenants,
) -> None:
    """A delete of 300 matching events (43 chunks of 7) runs while batches of events that
    ALSO match are ingested (starting once its first chunk is gone): every event written
    before the delete goes, every event written while it runs stays."""
    marker = uuid.uuid4().hex
    old_ids = set(await batch(tenants.a, tagged(marker, 300)))
    signal = ChunkSignal()
    tenants.app.state.services.deletes.telemetry = signal
    new_ids: set[str] = set()
    started_while_deleting = 0
    deleting = True

    async def ingest() -> None:
        nonlocal started_while_deleting
        await signal.first_chunk.wait()
        for _ in range(15):
            started_while_deleting += deleting
            new_ids.update(await batch(tenants.a, tagged(marker, 5)))

    writer = asyncio.create_task(ingest())
    response = await tenants.a.post("/v1/events/delete", json={"filters": by_marker(marker)})
    deleting = False
    await writer
    assert response.status_code == 200, response.text
    assert response.json()["deleted"] == 300
    assert signal.chunks == 43
    assert started_while_deleting >= 1, "no batch was written while the delete ran"
    assert len(new_ids) == 75
    search = await tenants.a.post(
        "/v1/events/search", json={"filters": by_marker(marker), "limit": 1000}
    )
    remaining = {e["event_id"] for e in search.json()["events"]}
    assert remaining == new_ids
    assert not remaining & old_ids
