"""SQL of the event counters (Postgres, migration 0006): exact counts from the per-hour
deltas plus the partial hours from `events`, compaction, and the counters of dropped days.

The deltas are written by triggers on `events` (never by this module), in the transaction of
the statement that inserts or deletes the events; see docs/search.md.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.search.counting import HOUR_MS, CountPlan

MAINTENANCE = "/* maintenance */ "
# Whether the counters exist is asked once per pooled connection (they do not exist on
# SQLite, before migration 0006, or on Citus, whose distribution step removes them).
_PRESENT_KEY: Final = "events_api_event_counts"


class EventCountRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def present(self) -> bool:
        """True when the counters and their triggers exist in this database."""
        info = self.conn.info
        found = info.get(_PRESENT_KEY)
        if found is None:
            sql = sa.text(
                "SELECT to_regclass('event_counts') IS NOT NULL AND EXISTS (SELECT 1 FROM "
                "pg_trigger WHERE tgname = 'event_counts_insert' AND tgenabled <> 'D')"
            )
            found = bool((await self.conn.execute(sql)).scalar_one())
            info[_PRESENT_KEY] = found
        return bool(found)

    async def count(self, project_id: str, plan: CountPlan) -> int:
        """The exact count the plan describes, in one statement (one snapshot)."""
        params: dict[str, Any] = {"project_id": project_id}
        parts: list[str] = []
        type_sql = ""
        if plan.event_type is not None:
            params["event_type"] = plan.event_type
            type_sql = " AND event_type = :event_type"
        if plan.hours is not None:
            first, last = plan.hours
            where = f"project_id = :project_id{type_sql}"
            if first is not None:
                params["first_hour"] = first
                where += " AND hour >= :first_hour"
            if last is not None:
                params["last_hour"] = last
                where += " AND hour <= :last_hour"
            parts.append(f"(SELECT coalesce(sum(n), 0) FROM event_counts WHERE {where})")
        for i, (low, high) in enumerate(plan.edges):
            where = f"project_id = :project_id{type_sql}"
            if low is not None:
                params[f"low_{i}"] = low
                where += f" AND start_time >= :low_{i}"
            if high is not None:
                params[f"high_{i}"] = high
                where += f" AND start_time <= :high_{i}"
            parts.append(f"(SELECT count(*) FROM events WHERE {where})")
        sql = "SELECT " + (" + ".join(parts) if parts else "0")
        return int((await self.conn.execute(sa.text(sql), params)).scalar_one())

    async def compact(self, project_id: str) -> int:
        """Replace the delta rows of each of the project's buckets that has several (or sums
        to zero) with one row holding their sum; how many rows were removed. Concurrent
        writers only add rows this statement does not see, so no delta is lost."""
        sql = (
            "WITH busy AS (SELECT event_type, hour FROM event_counts "
            "WHERE project_id = :project_id GROUP BY event_type, hour "
            "HAVING count(*) > 1 OR sum(n) = 0), "
            "gone AS (DELETE FROM event_counts AS c USING busy "
            "WHERE c.project_id = :project_id AND c.event_type = busy.event_type "
            "AND c.hour = busy.hour RETURNING c.event_type, c.hour, c.n), "
            "kept AS (INSERT INTO event_counts (project_id, event_type, hour, n) "
            "SELECT :project_id, event_type, hour, sum(n) FROM gone "
            "GROUP BY event_type, hour HAVING sum(n) <> 0) "
            "SELECT count(*) FROM gone"
        )
        return int((await self.conn.execute(sa.text(sql), {"project_id": project_id})).scalar_one())

    async def forget_hours(self, low_ms: int, high_ms: int) -> None:
        """Remove every project's counters of [low_ms, high_ms) (whole hours): the events of
        a dropped partition, which a DROP removes without firing a trigger."""
        if low_ms % HOUR_MS or high_ms % HOUR_MS:
            raise ValueError("a partition's bounds are whole hours")
        sql = f"{MAINTENANCE}DELETE FROM event_counts WHERE hour >= :low AND hour < :high"
        await self.conn.execute(
            sa.text(sql), {"low": low_ms // HOUR_MS, "high": high_ms // HOUR_MS}
        )
