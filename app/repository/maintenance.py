"""SQL of maintenance: the daily partitions of events (Postgres) and retention deletes.

Statements that are not scoped to one project are the documented maintenance statements
(docs/storage.md); each starts with the comment ``/* maintenance */``, which the
statement-scope test recognises.
"""

from __future__ import annotations

from typing import assert_never

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.dialect import Dialect, dialect_of, partitions_events_by_time
from app.domain.retention import DayPartition, parse_partition_name

MAINTENANCE = "/* maintenance */ "
# Arbitrary, fixed: the advisory lock that lets one maintenance run at a time.
LOCK_KEY = 0x6576_6E74_7331
# Stored (not generated) columns of events, for moving rows out of the default partition.
_MOVED = (
    "project_id, event_id, session_id, parent_id, event_type, event_name, source, config, "
    "inputs, outputs, metadata, feedback, metrics, user_properties, children_ids, error, "
    "start_time, end_time, duration"
)


class MaintenanceRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.dialect = dialect_of(conn)

    @property
    def partitioned(self) -> bool:
        return partitions_events_by_time(self.dialect)

    async def try_lock(self) -> bool:
        """Postgres: take the maintenance lock for this transaction (False: another
        process is running maintenance). SQLite has one server process: always True."""
        match self.dialect:
            case Dialect.SQLITE:
                return True
            case Dialect.POSTGRES:
                pass
            case _:
                assert_never(self.dialect)
        sql = sa.text("SELECT pg_try_advisory_xact_lock(:key)")
        return bool((await self.conn.execute(sql, {"key": LOCK_KEY})).scalar_one())

    async def project_ids(self) -> list[str]:
        rows = await self.conn.execute(sa.text("SELECT id FROM projects"))
        return [str(p) for p in rows.scalars()]

    async def day_partitions(self) -> list[DayPartition]:
        sql = (
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass('events')"
        )
        names = (await self.conn.execute(sa.text(sql))).scalars()
        return sorted(p for p in (parse_partition_name(str(n)) for n in names) if p is not None)

    async def create_partition(self, partition: DayPartition) -> None:
        """Create the day's partition. Rows of that day that the default partition holds
        (written before the partition existed) are moved into it."""
        bounds = f"FOR VALUES FROM ({partition.low_ms}) TO ({partition.high_ms})"
        try:
            async with self.conn.begin_nested():
                create = f"CREATE TABLE {partition.name} PARTITION OF events {bounds}"
                await self.conn.execute(sa.text(MAINTENANCE + create))
            return
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != "23514":  # check_violation
                raise
        name = partition.name
        await self.conn.execute(
            sa.text(
                f"{MAINTENANCE}CREATE TABLE {name} "
                "(LIKE events INCLUDING DEFAULTS INCLUDING GENERATED)"
            )
        )
        await self.conn.execute(
            sa.text(
                f"{MAINTENANCE}WITH moved AS (DELETE FROM events_default "
                "WHERE start_time >= :low AND start_time < :high "
                f"RETURNING {_MOVED}) INSERT INTO {name} ({_MOVED}) SELECT {_MOVED} FROM moved"
            ),
            {"low": partition.low_ms, "high": partition.high_ms},
        )
        await self.conn.execute(
            sa.text(f"{MAINTENANCE}ALTER TABLE events ATTACH PARTITION {name} {bounds}")
        )

    async def drop_partition(self, partition: DayPartition) -> None:
        # Dropping needs a short exclusive lock on events: give up rather than queue
        # every other statement behind a long-running one.
        await self.conn.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
        await self.conn.execute(sa.text(f"{MAINTENANCE}DROP TABLE IF EXISTS {partition.name}"))

    async def delete_expired_ids(
        self, project_id: str, cutoff_ms: int, limit: int, from_ms: int
    ) -> tuple[int, int]:
        """Postgres: up to ``limit`` event_ids rows of the project with
        ``from_ms <= start_time < cutoff``, oldest first. Returns how many, and the newest
        start_time deleted: the next chunk starts there, so that no chunk walks the index
        entries of the rows deleted before it (they stay until VACUUM)."""
        sql = (
            "DELETE FROM event_ids WHERE project_id = :project_id AND event_id IN ("
            "SELECT event_id FROM event_ids WHERE project_id = :project_id "
            "AND start_time >= :from_ms AND start_time < :cutoff "
            "ORDER BY start_time LIMIT :limit) RETURNING start_time"
        )
        params = {"project_id": project_id, "cutoff": cutoff_ms, "limit": limit, "from_ms": from_ms}
        times = (await self.conn.execute(sa.text(sql), params)).scalars().all()
        return len(times), max(times, default=from_ms)

    async def delete_expired_events(
        self, project_id: str, cutoff_ms: int, limit: int, from_ms: int
    ) -> tuple[int, int]:
        """Up to ``limit`` events of the project with ``from_ms <= start_time < cutoff``,
        oldest first; how many, and the newest start_time deleted (as above)."""
        params = {"project_id": project_id, "cutoff": cutoff_ms, "limit": limit, "from_ms": from_ms}
        match self.dialect:
            case Dialect.POSTGRES:
                sql = (
                    "DELETE FROM events WHERE project_id = :project_id "
                    "AND start_time >= :from_ms AND start_time < :cutoff "
                    "AND (event_id, start_time) IN (SELECT event_id, start_time FROM events "
                    "WHERE project_id = :project_id AND start_time >= :from_ms "
                    "AND start_time < :cutoff ORDER BY start_time LIMIT :limit) "
                    "RETURNING start_time"
                )
            case Dialect.SQLITE:
                sql = (
                    "DELETE FROM events WHERE rowid IN (SELECT rowid FROM events "
                    "WHERE project_id = :project_id AND start_time >= :from_ms "
                    "AND start_time < :cutoff ORDER BY start_time LIMIT :limit) "
                    "RETURNING start_time"
                )
            case _:
                assert_never(self.dialect)
        times = (await self.conn.execute(sa.text(sql), params)).scalars().all()
        return len(times), max(times, default=from_ms)
