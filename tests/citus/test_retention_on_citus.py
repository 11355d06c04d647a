"""Retention and partition maintenance on the Citus coordinator (clock injected): new day
partitions are distributed with events, expired ones are dropped, exactly the expired
events of a project go. Runs after the API tests of this folder (retention is global)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from app.domain.retention import DAY_MS, DayPartition, utc_day
from tests.apps import client_for, new_key, running_app
from tests.lifecycle.test_retention import stored_ids, write

NOW = 1_893_456_000_000  # 2030-01-01T00:00:00Z, after every event the other tests wrote
CUTOFF = NOW - 3 * DAY_MS


async def test_retention_on_citus(citus_url: str) -> None:
    async with running_app(
        citus_url, auth="keys", retention_days=3, partition_days_ahead=4, delete_chunk_rows=5
    ) as app:
        key = await new_key(app, f"citus-ret-{uuid.uuid4().hex[:6]}")
        maintenance = app.state.services.maintenance
        first = await maintenance.run(NOW - 6 * DAY_MS)
        assert len(first.partitions_created) == 5
        times = [NOW - day * DAY_MS + 3_600_000 * h for day in range(-1, 8) for h in (0, 13)]
        times += [CUTOFF - 1, CUTOFF]
        async with client_for(app, key) as client:
            written = await write(client, times)
            report = await maintenance.run(NOW)
            assert await stored_ids(client) == {e for e, t in written.items() if t >= CUTOFF}
        dropped = {DayPartition(utc_day(NOW - d * DAY_MS)).name for d in range(4, 7)}
        assert dropped <= set(report.partitions_dropped)
        async with app.state.services.db.transaction(write=False) as conn:
            rows = await conn.execute(
                sa.text(
                    "SELECT table_name::text, citus_table_type FROM citus_tables "
                    "WHERE table_name::text LIKE 'events_p%'"
                )
            )
            placed = dict(rows.all())
        assert not dropped & set(placed)
        assert {DayPartition(utc_day(NOW + d * DAY_MS)).name for d in range(5)} <= set(placed)
        assert set(placed.values()) == {"distributed"}
