"""Postgres time partitions: maintenance creates and drops them, rows written before their
day's partition existed move into it, a retried create with another start_time stays
idempotent, and the plans of GET/PUT by id and of a search with a dateRange read only the
partitions they need (EXPLAIN of the statements the server really sends)."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import make_url

from app.domain.retention import DAY_MS, DayPartition, utc_day
from app.repository.maintenance import MaintenanceRepository
from tests.apps import client_for, running_app

NOW = 1_781_524_800_000  # 2026-06-15T12:00:00Z
PARTITION = re.compile(r"\bevents_(?:p\d{8}|default)\b")


async def partitions(app: FastAPI) -> set[str]:
    async with app.state.services.db.transaction(write=False) as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'events'::regclass"
            )
        )
        return {str(name) for name in rows.scalars()}


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


def day_name(ms: int) -> str:
    return DayPartition(utc_day(ms)).name


async def test_maintenance_creates_ahead_and_drops_expired(fresh_postgres_url: str) -> None:
    async with running_app(fresh_postgres_url, retention_days=2, partition_days_ahead=3) as app:
        maintenance = app.state.services.maintenance
        first = await maintenance.run(NOW - 10 * DAY_MS)
        expected = {day_name(NOW - (10 - n) * DAY_MS) for n in range(4)}
        assert set(first.partitions_created) == expected
        assert await partitions(app) == expected | {"events_default"}
        again = await maintenance.run(NOW - 10 * DAY_MS)
        assert again.partitions_created == [] and again.partitions_dropped == []
        later = await maintenance.run(NOW)
        assert set(later.partitions_created) == {day_name(NOW + n * DAY_MS) for n in range(4)}
        # Every partition that ends at or before now - 2 days is gone.
        assert set(later.partitions_dropped) == expected
        assert await partitions(app) == {day_name(NOW + n * DAY_MS) for n in range(4)} | {
            "events_default"
        }


async def test_rows_in_the_default_partition_move_into_a_new_partition(
    fresh_postgres_url: str,
) -> None:
    async with (
        running_app(fresh_postgres_url, partition_days_ahead=2) as app,
        client_for(app) as client,
    ):
        future = NOW + 5 * DAY_MS
        body = {"event_type": "tool", "inputs": {"x": 1}, "start_time": future}
        event_id = (await client.post("/v1/events", json=body)).json()["event_id"]
        report = await app.state.services.maintenance.run(NOW + 4 * DAY_MS)
        assert day_name(future) in report.partitions_created
        stored = (await client.get(f"/v1/events/{event_id}")).json()["event"]
        async with app.state.services.db.transaction(write=False) as conn:
            where = {"p": stored["project_id"], "e": event_id}
            holder = (
                await conn.execute(
                    sa.text(
                        "SELECT tableoid::regclass::text FROM events "
                        "WHERE project_id = :p AND event_id = :e"
                    ),
                    where,
                )
            ).scalar_one()
        assert holder == day_name(future)
        assert (await client.get(f"/v1/events/{event_id}")).json()["event"]["inputs"] == {"x": 1}


async def test_retried_create_with_another_start_time_is_idempotent(
    fresh_postgres_url: str,
) -> None:
    async with running_app(fresh_postgres_url, partition_days_ahead=3) as app:
        await app.state.services.maintenance.run(NOW)
        async with client_for(app) as client:
            event_id = str(uuid.uuid4())
            for day, value in ((0, "first"), (2, "retry")):
                body = {
                    "event_id": event_id,
                    "event_type": "tool",
                    "inputs": {"v": value},
                    "start_time": NOW + day * DAY_MS,
                }
                assert (await client.post("/v1/events", json=body)).status_code == 200
                batch = await client.post("/v1/events/batch", json={"events": [body, body]})
                assert batch.status_code == 200
            stored = (await client.get(f"/v1/events/{event_id}")).json()["event"]
            assert stored["inputs"] == {"v": "first"} and stored["start_time"] == NOW
            by_id = [{"field": "event_id", "operator": "is", "value": event_id}]
            found = await client.post("/v1/events/search", json={"filters": by_id})
            assert found.json()["totalEvents"] == 1


@contextmanager
def sent_statements(app: FastAPI) -> Iterator[list[tuple[str, Any]]]:
    """The (statement, parameters) the app sends to Postgres inside the block."""
    engine = app.state.services.db.engine.sync_engine
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def scanned_partitions(app: FastAPI, statements: list[tuple[str, Any]]) -> list[set[str]]:
    """For each sent statement that reads `events`, the partitions its plan scans."""
    plans: list[set[str]] = []
    async with app.state.services.db.engine.connect() as conn:
        await conn.exec_driver_sql("SET plan_cache_mode = force_custom_plan")
        for statement, params in statements:
            if not re.search(r"\bFROM events\b|\bUPDATE events\b", statement):
                continue
            result = await conn.exec_driver_sql(f"EXPLAIN {statement}", params)
            plan = "\n".join(str(line) for line in result.scalars())
            plans.append(set(PARTITION.findall(plan)))
    return plans


async def test_get_put_and_dated_search_read_only_their_partitions(
    fresh_postgres_url: str,
) -> None:
    async with running_app(fresh_postgres_url, partition_days_ahead=6) as app:
        await app.state.services.maintenance.run(NOW)
        assert len(await partitions(app)) == 8
        async with client_for(app) as client:
            events = [
                {"event_type": "tool", "inputs": {}, "start_time": NOW + day * DAY_MS}
                for day in range(6)
            ]
            ids = (await client.post("/v1/events/batch", json={"events": events})).json()[
                "event_ids"
            ]
            target_day = day_name(NOW + 2 * DAY_MS)
            with sent_statements(app) as get_sql:
                assert (await client.get(f"/v1/events/{ids[2]}")).status_code == 200
            with sent_statements(app) as put_sql:
                put = await client.put(f"/v1/events/{ids[2]}", json={"metadata": {"k": 1}})
                assert put.status_code == 200
            window = {"start_time": iso(NOW + DAY_MS), "end_time": iso(NOW + 2 * DAY_MS + 1000)}
            with sent_statements(app) as search_sql:
                found = await client.post("/v1/events/search", json={"dateRange": window})
                assert found.json()["totalEvents"] == 2
        for plan in await scanned_partitions(app, get_sql + put_sql):
            assert plan == {target_day}, plan
        search_plans = await scanned_partitions(app, search_sql)
        assert search_plans
        wanted = {day_name(NOW + DAY_MS), target_day}
        for plan in search_plans:
            assert plan and plan <= wanted, plan


async def _waiting_for_a_lock(database_url: str) -> bool:
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    conn = await asyncpg.connect(dsn)
    try:
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(waiting)
    finally:
        await conn.close()


@pytest.mark.parametrize("route", ["/v1/events", "/v1/events/batch"])
async def test_a_write_racing_a_partition_attach_is_stored_in_the_new_partition(
    fresh_postgres_url: str, route: str
) -> None:
    """The day's partition is attached (rows of that day wait in the default partition)
    while a write of that day is routed: the write waits for the attach, loses the race
    (the default partition no longer takes that day) and is run again, into the new
    partition, instead of failing with a 500."""
    async with (
        running_app(fresh_postgres_url, partition_days_ahead=1) as app,
        client_for(app) as client,
    ):
        day = NOW + 5 * DAY_MS
        early = {"event_type": "tool", "inputs": {"x": 1}, "start_time": day}
        early_id = (await client.post("/v1/events", json=early)).json()["event_id"]
        project_id = (await client.get(f"/v1/events/{early_id}")).json()["event"]["project_id"]
        late = {"event_type": "tool", "inputs": {"x": 2}, "start_time": day + 1000}
        body = late if route == "/v1/events" else {"events": [late]}
        async with app.state.services.db.transaction(write=True) as conn:
            await MaintenanceRepository(conn).create_partition(DayPartition(utc_day(day)))
            racing = asyncio.create_task(client.post(route, json=body))
            async with asyncio.timeout(30):
                while not await _waiting_for_a_lock(fresh_postgres_url):
                    assert not racing.done(), racing.result().text
                    await asyncio.sleep(0.02)
        response = await racing
        assert response.status_code == 200, response.text
        async with app.state.services.db.transaction(write=False) as conn:
            holders = await conn.execute(
                sa.text(
                    "SELECT tableoid::regclass::text, count(*) FROM events "
                    "WHERE project_id = :p GROUP BY 1"
                ),
                {"p": project_id},
            )
            assert {str(name): int(n) for name, n in holders} == {day_name(day): 2}
