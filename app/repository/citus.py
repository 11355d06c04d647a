"""SQL of the Citus distribution step: which tables are distributed, and distributing them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

# Reference tables are copied to every node; distributed tables are sharded by project_id,
# and event_ids lives in the same shard group as events (co-located).
REFERENCE_TABLES = ("projects", "api_keys")
DISTRIBUTED_TABLES = ("events", "event_ids")


class CitusRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def citus_version(self) -> str | None:
        sql = sa.text("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
        found = (await self.conn.execute(sql)).scalar_one_or_none()
        return None if found is None else str(found)

    async def worker_count(self) -> int:
        sql = sa.text("SELECT count(*) FROM citus_get_active_worker_nodes()")
        return int((await self.conn.execute(sql)).scalar_one())

    async def placed_tables(self) -> dict[str, str]:
        """Table name -> Citus method ('h' hash-distributed, 'n' reference, ...)."""
        sql = sa.text(
            "SELECT logicalrelid::regclass::text, partmethod FROM pg_dist_partition "
            "WHERE logicalrelid::regclass::text = ANY(:names)"
        )
        names = [*REFERENCE_TABLES, *DISTRIBUTED_TABLES]
        return {str(t): str(m) for t, m in await self.conn.execute(sql, {"names": names})}

    async def make_reference(self, table: str) -> None:
        await self.conn.execute(sa.text("SELECT create_reference_table(:t)"), {"t": table})

    async def distribute(self, table: str, colocate_with: str) -> None:
        await self.conn.execute(
            sa.text("SELECT create_distributed_table(:t, 'project_id', colocate_with => :c)"),
            {"t": table, "c": colocate_with},
        )

    async def drop_event_counters(self) -> None:
        """Remove the event counters of migration 0006 (triggers, functions, table)."""
        for trigger in ("insert", "delete", "truncate"):
            await self.conn.execute(
                sa.text(f"DROP TRIGGER IF EXISTS event_counts_{trigger} ON events")
            )
        for function in ("added", "removed", "truncated"):
            await self.conn.execute(sa.text(f"DROP FUNCTION IF EXISTS event_counts_{function}()"))
        await self.conn.execute(sa.text("DROP TABLE IF EXISTS event_counts"))
