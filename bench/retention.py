"""Retention benchmark (Postgres): removing one day of N events (default 1,000,000) by
retention (its event_ids rows in chunks, then DROP of the day's partition) against a plain
`DELETE ... WHERE start_time < cutoff` of the same rows, side by side, in one run.

    .venv/bin/python bench/retention.py [--rows 1000000]

Each way starts from the same freshly loaded day; the ratio is DELETE time / retention time.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db.engine import Database
from app.db.migrate import upgrade
from app.domain.projects import project_for_name
from app.domain.retention import DAY_MS, DayPartition, utc_day
from app.services.maintenance import MaintenanceService
from app.settings import Settings
from bench.server import _dsn, database

DAY = DayPartition(utc_day(1_767_225_600_000))  # 2026-01-01
PROJECT = project_for_name("bench-retention").id
LOAD_IDS = """
INSERT INTO event_ids (project_id, event_id, start_time)
SELECT $1, 'r' || i, $2::bigint + (i % 86400000) FROM generate_series(1, $3::int) AS i
"""
LOAD_EVENTS = """
INSERT INTO events (project_id, event_id, session_id, event_type, event_name, source,
    inputs, outputs, metadata, start_time)
SELECT $1, 'r' || i, 's' || (i / 50), (ARRAY['model', 'tool', 'chain'])[1 + i % 3],
    'step-' || (i % 40), 'bench', jsonb_build_object('q', 'question ' || i),
    jsonb_build_object('a', 'answer ' || i), jsonb_build_object('cost', (i % 1000) / 1e4),
    $2::bigint + (i % 86400000)
FROM generate_series(1, $3::int) AS i
"""


async def load(conn: asyncpg.Connection, rows: int) -> float:
    await conn.execute(
        "INSERT INTO projects (id, name, org_id, workspace_id, created_at) "
        "VALUES ($1, 'bench-retention', 'o', 'w', 0) ON CONFLICT DO NOTHING",
        PROJECT,
    )
    started = time.perf_counter()
    await conn.execute(LOAD_IDS, PROJECT, DAY.low_ms, rows)
    await conn.execute(LOAD_EVENTS, PROJECT, DAY.low_ms, rows)
    await conn.execute("VACUUM ANALYZE events")
    await conn.execute("VACUUM ANALYZE event_ids")
    return time.perf_counter() - started


async def main(rows: int) -> None:
    async with database("postgres") as url:
        await asyncio.to_thread(upgrade, url)
        dsn = _dsn(url)
        now = DAY.high_ms + 1  # the day has just ended: with 1 day of retention it expired
        settings = Settings(database_url=url, retention_days=1, partition_days_ahead=1)
        db = Database(settings)
        # One connection for the whole run, opened first (the machine's Postgres is shared).
        conn = await asyncpg.connect(dsn)
        try:
            service = MaintenanceService.from_settings(db, settings)
            service.retention_days = None
            await service.run(DAY.low_ms)  # creates the day's partition (and the next)
            loaded = await load(conn, rows)
            print(f"loaded {rows:,} events of {DAY.name} in {loaded:.1f} s", flush=True)
            await service.run(now + DAY_MS)  # the partitions ahead exist before timing
            service.retention_days = 1
            started = time.perf_counter()
            report = await service.run(now + DAY_MS)
            retention_s = time.perf_counter() - started
            assert DAY.name in report.partitions_dropped and report.ids_deleted == rows, report

            service.retention_days = None
            await service.run(DAY.low_ms)  # the same day again, empty
            await load(conn, rows)
            started = time.perf_counter()
            async with conn.transaction():
                deleted = await conn.execute(
                    "DELETE FROM events WHERE project_id = $1 AND start_time < $2",
                    PROJECT,
                    DAY.high_ms,
                )
            events_s = time.perf_counter() - started
            await conn.execute(
                "DELETE FROM event_ids WHERE project_id = $1 AND start_time < $2",
                PROJECT,
                DAY.high_ms,
            )
            delete_s = time.perf_counter() - started
            # What the DELETE leaves behind: dead rows in the table and its indexes,
            # reclaimed only by a VACUUM (a dropped partition frees its space at once).
            vacuum_started = time.perf_counter()
            await conn.execute("VACUUM events")
            vacuum_s = time.perf_counter() - vacuum_started
            assert deleted == f"DELETE {rows}", deleted
        finally:
            await conn.close()
            await db.dispose()
    print(f"{'way':<58} {'seconds':>8}")
    print(f"{'retention: event_ids in chunks + DROP of the partition':<58} {retention_s:>8.2f}")
    print(f"{'DELETE FROM events WHERE start_time < cutoff (one txn)':<58} {events_s:>8.2f}")
    print(f"{'  ... plus the same DELETE on event_ids':<58} {delete_s:>8.2f}")
    print(f"{'  ... then VACUUM events to reclaim the dead rows':<58} {vacuum_s:>8.2f}")
    print(
        f"DELETE / retention: {delete_s / retention_s:.2f}x; with the VACUUM: "
        f"{(delete_s + vacuum_s) / retention_s:.2f}x"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    asyncio.run(main(parser.parse_args().rows))
