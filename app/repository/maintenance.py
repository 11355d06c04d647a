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
from app.repository.event_counts import EventCountRepository

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
        # A DROP fires no trigger: the day's counters go in the same transaction. DROP locks
        # `events` exclusively, so every writer of that day has committed before this
        # statement's snapshot, and none can write there until this transaction ends.
        counters = EventCountRepository(self.conn)
        if await counters.present():
            await counters.forget_hours(partition.low_ms, partition.high_ms)

    async def compact_counters(self, project_id: str) -> int:
        """Postgres: fold the project's counter deltas (one row per bucket); rows removed."""
        counters = EventCountRepository(self.conn)
        if not await counters.present():
            return 0
        return await counters.compact(project_id)

    async def _chunk_end(
        self, table: str, project_id: str, cutoff_ms: int, limit: int, from_ms: int
    ) -> int:
        """The start_time that closes a chunk of about ``limit`` expired rows of the
        project from ``from_ms`` on (the cutoff when fewer are left)."""
        sql = (
            f"SELECT start_time FROM {table} WHERE project_id = :project_id "
            "AND start_time >= :from_ms AND start_time < :cutoff "
            "ORDER BY start_time LIMIT 1 OFFSET :skip"
        )
        params = {
            "project_id": project_id,
            "cutoff": cutoff_ms,
            "skip": limit - 1,
            "from_ms": from_ms,
        }
        end = (await self.conn.execute(sa.text(sql), params)).scalar_one_or_none()
        return cutoff_ms - 1 if end is None else int(end)

    async def delete_expired_ids(
        self, project_id: str, cutoff_ms: int, limit: int, from_ms: int
    ) -> tuple[int, int]:
        """Postgres: about ``limit`` event_ids rows of the project with
        ``from_ms <= start_time < cutoff``, oldest first, as one index range. Returns how
        many, and where the next chunk starts: no chunk walks the index entries of the rows
        deleted before it (they stay until VACUUM)."""
        end = await self._chunk_end("event_ids", project_id, cutoff_ms, limit, from_ms)
        sql = (
            "DELETE FROM event_ids WHERE project_id = :project_id "
            "AND start_time >= :from_ms AND start_time <= :end AND start_time < :cutoff"
        )
        params = {"project_id": project_id, "cutoff": cutoff_ms, "end": end, "from_ms": from_ms}
        done = int((await self.conn.execute(sa.text(sql), params)).rowcount or 0)
        return done, end + 1

    async def delete_expired_events(
        self, project_id: str, cutoff_ms: int, limit: int, from_ms: int
    ) -> tuple[int, int]:
        """About ``limit`` events of the project with ``from_ms <= start_time < cutoff``,
        oldest first, as one index range; how many, and where the next chunk starts."""
        end = await self._chunk_end("events", project_id, cutoff_ms, limit, from_ms)
        sql = (
            "DELETE FROM events WHERE project_id = :project_id "
            "AND start_time >= :from_ms AND start_time <= :end AND start_time < :cutoff"
        )
        params = {"project_id": project_id, "cutoff": cutoff_ms, "end": end, "from_ms": from_ms}
        done = int((await self.conn.execute(sa.text(sql), params)).rowcount or 0)
        return done, end + 1
