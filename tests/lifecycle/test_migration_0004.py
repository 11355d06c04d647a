"""Migration 0004 on a Postgres database that already holds events: the old rows become the
default partition, keep their indexes, get their event_ids, and behave as before (GET by
id, idempotent retries, search); the downgrade brings the flat table back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from alembic import command

from app.db.migrate import alembic_config
from app.domain.projects import project_for_name
from tests.apps import client_for, running_app
from tests.backends import (
    create_postgres_database,
    drop_postgres_database,
    postgres_available,
    require_postgres,
)

PROJECT = project_for_name("default")
ROWS = 500


@pytest.fixture
async def url_at_0003() -> AsyncIterator[str]:
    require_postgres(await postgres_available())
    url = await create_postgres_database("events_upgrade")
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "0003")
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            await conn.execute(
                "INSERT INTO projects VALUES ($1, $2, $3, $4, 0)",
                PROJECT.id,
                PROJECT.name,
                PROJECT.org_id,
                PROJECT.workspace_id,
            )
            await conn.execute(
                "INSERT INTO events (project_id, event_id, session_id, event_type, event_name,"
                " source, inputs, metadata, start_time) SELECT $1, 'old-' || i, 's', 'tool', "
                "'n', 'x', '{}', jsonb_build_object('cost', i), 1700000000000 + i "
                "FROM generate_series(1, $2::int) AS i",
                PROJECT.id,
                ROWS,
            )
        finally:
            await conn.close()
        yield url
    finally:
        await drop_postgres_database(url)


async def test_upgrade_keeps_old_events_working(url_at_0003: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(url_at_0003), "head")
    async with running_app(url_at_0003) as app, client_for(app) as client:
        old = await client.get("/v1/events/old-7")
        assert old.status_code == 200 and old.json()["event"]["metadata"] == {"cost": 7}
        retry = {"event_id": "old-7", "event_type": "tool", "inputs": {"new": 1}, "start_time": 1}
        assert (await client.post("/v1/events", json=retry)).status_code == 200
        assert (await client.get("/v1/events/old-7")).json()["event"]["inputs"] == {}
        costly = [{"field": "metadata.cost", "operator": "greater than", "value": 490}]
        found = await client.post("/v1/events/search", json={"filters": costly})
        assert found.json()["totalEvents"] == 10
        await app.state.services.maintenance.run(1_781_524_800_000)
        assert (await client.get("/v1/events/old-8")).status_code == 200
    conn = await asyncpg.connect(url_at_0003.replace("postgresql+asyncpg", "postgresql"))
    try:
        assert await conn.fetchval("SELECT count(*) FROM event_ids") == ROWS
        indexes = await conn.fetchval(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'events_default'"
        )
        parent = await conn.fetchval("SELECT count(*) FROM pg_indexes WHERE tablename = 'events'")
        assert indexes == parent  # every parent index has exactly one partition index
        await asyncio.to_thread(command.downgrade, alembic_config(url_at_0003), "0003")
        assert await conn.fetchval("SELECT count(*) FROM events") == ROWS
        assert (
            await conn.fetchval("SELECT relkind::text FROM pg_class WHERE relname = 'events'")
            == "r"
        )
    finally:
        await conn.close()
