"""Retention on both backends, with the clock injected: exactly the events older than the
cutoff go (whole partitions and chunked deletes on Postgres, chunked deletes on SQLite),
in every project, and the ids of expired events are free again."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from app.domain.retention import DAY_MS
from tests.apps import client_for, new_key, running_app

# 2026-06-15T12:00:00Z: "now" for these tests.
NOW = 1_781_524_800_000
CUTOFF = NOW - 3 * DAY_MS


async def write(client: httpx.AsyncClient, times: list[int]) -> dict[str, int]:
    events = [
        {"event_id": str(uuid.uuid4()), "event_type": "tool", "inputs": {}, "start_time": t}
        for t in times
    ]
    response = await client.post("/v1/events/batch", json={"events": events})
    assert response.status_code == 200, response.text
    return {e["event_id"]: e["start_time"] for e in events}


async def stored_ids(client: httpx.AsyncClient) -> set[str]:
    found: set[str] = set()
    page = 1
    while True:
        response = await client.post("/v1/events/search", json={"limit": 1000, "page": page})
        events = response.json()["events"]
        found.update(e["event_id"] for e in events)
        if len(events) < 1000:
            return found
        page += 1


def spread() -> list[int]:
    """Times from 12 days ago to 2 days ahead, dense around the cutoff."""
    times = [NOW - day * DAY_MS + hour * 3_600_000 for day in range(-2, 13) for hour in (0, 7)]
    times += [CUTOFF - 1, CUTOFF, CUTOFF + 1, 0, NOW + 400 * DAY_MS]
    return times


async def test_retention_removes_exactly_the_expired_events(fresh_url: str) -> None:
    async with running_app(fresh_url, auth="keys", retention_days=3, delete_chunk_rows=4) as app:
        keys = [await new_key(app, f"ret-{side}") for side in ("a", "b")]
        maintenance = app.state.services.maintenance
        # Partitions for the days around "12 days ago" exist before the events are written
        # (Postgres), so the events land in day partitions and in the default partition.
        early = await maintenance.run(NOW - 12 * DAY_MS)
        assert early.cutoff_ms == NOW - 15 * DAY_MS
        written: dict[str, dict[str, int]] = {}
        for key in keys:
            async with client_for(app, key) as client:
                written[key] = await write(client, spread())
        report = await maintenance.run(NOW)
        assert report.cutoff_ms == CUTOFF
        for key in keys:
            async with client_for(app, key) as client:
                expected = {e for e, t in written[key].items() if t >= CUTOFF}
                assert await stored_ids(client) == expected
                gone = next(e for e, t in written[key].items() if t == CUTOFF - 1)
                assert (await client.get(f"/v1/events/{gone}")).status_code == 404
                # The expired id is free again: a new event with it is stored.
                again = {"event_id": gone, "event_type": "tool", "inputs": {"again": True}}
                assert (await client.post("/v1/events", json=again)).status_code == 200
                stored = (await client.get(f"/v1/events/{gone}")).json()["event"]
                assert stored["inputs"] == {"again": True}
        expired_each = sum(1 for t in spread() if t < CUTOFF)
        removed = report.rows_deleted + report.ids_deleted
        assert removed >= 2 * expired_each
        await check_backend_report(app, report, expired_each)


async def check_backend_report(app: FastAPI, report: object, expired_each: int) -> None:
    if app.state.services.db.dialect.value == "postgresql":
        assert report.ids_deleted == 2 * expired_each  # type: ignore[attr-defined]
        assert report.partitions_dropped  # type: ignore[attr-defined]
    else:
        assert report.rows_deleted == 2 * expired_each  # type: ignore[attr-defined]
        assert report.partitions_dropped == []  # type: ignore[attr-defined]


async def test_without_retention_nothing_is_deleted(fresh_url: str) -> None:
    async with running_app(fresh_url) as app, client_for(app) as client:
        written = await write(client, [0, NOW - 400 * DAY_MS, NOW])
        report = await app.state.services.maintenance.run(NOW)
        assert report.cutoff_ms is None and report.rows_deleted == 0
        assert await stored_ids(client) == set(written)
