"""SQL of deletes: the keys of the events a query matches, page by page, and deleting
exactly those events (and, on Postgres, their rows in `event_ids`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, assert_never

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.dialect import Dialect, dialect_of, partitions_events_by_time
from app.db.tables import event_ids, events
from app.repository.search_sql import search_order_by, search_where
from app.search.query import SearchQuery

# (event_id, start_time): the key of an event that names its partition on Postgres.
EventKey = tuple[str, int]


class DeleteRepository:
    """Deletes of one project's events; every statement is scoped by ``project_id``."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.dialect = dialect_of(conn)

    def _where(self, query: SearchQuery) -> sa.ColumnElement[bool]:
        return search_where(query, self.dialect)

    async def count(self, project_id: str, query: SearchQuery) -> int:
        statement = (
            sa.select(sa.func.count())
            .select_from(events)
            .where(events.c.project_id == project_id, self._where(query))
        )
        return int((await self.conn.execute(statement)).scalar_one())

    async def matching_keys(
        self, project_id: str, query: SearchQuery, *, after: EventKey | None, limit: int
    ) -> list[EventKey]:
        """The next ``limit`` keys of matching events in page order (start_time DESC,
        event_id DESC), after the key ``after`` (keyset paging: stable while rows go)."""
        statement = (
            sa.select(events.c.event_id, events.c.start_time)
            .where(events.c.project_id == project_id, self._where(query))
            .order_by(*search_order_by(self.dialect))
            .limit(limit)
        )
        if after is not None:
            # The same order as search_order_by: by code point (the column's collation).
            event_id: sa.ColumnElement[Any] = search_order_by(self.dialect)[1].element
            statement = statement.where(
                sa.or_(
                    events.c.start_time < after[1],
                    sa.and_(events.c.start_time == after[1], event_id < after[0]),
                )
            )
        return [(str(e), int(t)) for e, t in await self.conn.execute(statement)]

    async def keys_of(self, project_id: str, ids: Sequence[str]) -> list[EventKey]:
        """The keys of those of ``ids`` that exist."""
        if not ids:
            return []
        # Postgres: from event_ids, without visiting every partition of events.
        table = event_ids if partitions_events_by_time(self.dialect) else events
        statement = sa.select(table.c.event_id, table.c.start_time).where(
            table.c.project_id == project_id, table.c.event_id.in_(list(ids))
        )
        return [(str(e), int(t)) for e, t in await self.conn.execute(statement)]

    async def delete_keys(self, project_id: str, keys: Sequence[EventKey]) -> int:
        """Delete these events; how many were deleted (keys already gone count nothing)."""
        if not keys:
            return 0
        ids = [event_id for event_id, _ in keys]
        times = [start for _, start in keys]
        match self.dialect:
            case Dialect.POSTGRES:
                return await self._delete_keys_postgres(project_id, ids, times)
            case Dialect.SQLITE:
                pass
            case _:
                assert_never(self.dialect)
        sql = (
            "DELETE FROM events WHERE project_id = :project_id "
            "AND event_id IN (SELECT value FROM json_each(:ids))"
        )
        result = await self.conn.execute(
            sa.text(sql), {"project_id": project_id, "ids": orjson.dumps(ids).decode()}
        )
        return int(result.rowcount or 0)

    async def _delete_keys_postgres(self, project_id: str, ids: list[str], times: list[int]) -> int:
        """Events and their event_ids rows in one statement; the time bounds let Postgres
        prune to the partitions that hold these keys."""
        sql = (
            "WITH gone AS (DELETE FROM events WHERE project_id = :project_id "
            "AND event_id = ANY(CAST(:ids AS text[])) "
            "AND start_time BETWEEN :low AND :high RETURNING event_id), "
            "freed AS (DELETE FROM event_ids WHERE project_id = :project_id "
            "AND event_id IN (SELECT event_id FROM gone)) "
            "SELECT count(*) FROM gone"
        )
        params: dict[str, Any] = {
            "project_id": project_id,
            "ids": ids,
            "low": min(times),
            "high": max(times),
        }
        return int((await self.conn.execute(sa.text(sql), params)).scalar_one())
