"""The Postgres API tests that matter, on the Citus coordinator (the `database_url` fixture
of this folder): the write path with merges and idempotent retries, batches, sessions and
trees, search and export, OTLP, deletes. Plus Citus-specific checks: the tables are
distributed, and reads and writes by id are routed to one shard."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI

from tests.api.test_batches_and_sessions import *  # noqa: F403
from tests.api.test_create_and_get import *  # noqa: F403
from tests.api.test_otlp_route import *  # noqa: F403
from tests.api.test_search_routes import *  # noqa: F403
from tests.api.test_update import *  # noqa: F403
from tests.apps import client_for
from tests.lifecycle.test_deletes import *  # noqa: F403
from tests.lifecycle.test_partitions_postgres import sent_statements


async def test_tables_are_distributed_by_project(app: FastAPI) -> None:
    async with app.state.services.db.transaction(write=False) as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT table_name::text, citus_table_type, distribution_column "
                "FROM citus_tables WHERE table_name::text IN "
                "('events', 'event_ids', 'projects', 'api_keys')"
            )
        )
        placed = {name: (kind, column) for name, kind, column in rows}
        shards = "SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name::text = :t"
        nodes = await conn.execute(sa.text(shards), {"t": "events"})
        assert nodes.scalar_one() == 2
    assert placed == {
        "events": ("distributed", "project_id"),
        "event_ids": ("distributed", "project_id"),
        "projects": ("reference", "<none>"),
        "api_keys": ("reference", "<none>"),
    }


async def test_reads_and_writes_by_id_are_routed_to_one_shard(app: FastAPI) -> None:
    async with client_for(app) as client:
        created = await client.post("/v1/events", json={"event_type": "tool", "inputs": {}})
        event_id = created.json()["event_id"]
        with sent_statements(app) as statements:
            assert (await client.get(f"/v1/events/{event_id}")).status_code == 200
            put = await client.put(f"/v1/events/{event_id}", json={"metadata": {"k": 1}})
            assert put.status_code == 200
            assert (await client.delete(f"/v1/events/{event_id}")).status_code == 200
    plans = []
    async with app.state.services.db.engine.connect() as conn:
        for statement, params in statements:
            if "events" not in statement or statement.lstrip().upper().startswith("BEGIN"):
                continue
            result = await conn.exec_driver_sql(f"EXPLAIN {statement}", params)
            plans.append("\n".join(str(line) for line in result.scalars()))
    assert plans
    for plan in plans:
        assert "Task Count: 1" in plan, plan
