"""SQL for listing sessions: a page of session events and the rollups of their events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, assert_never

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.dialect import Dialect, dialect_of
from app.db.tables import events
from app.domain.records import EVENT_FIELDS, EventRecord
from app.domain.session_tree import ROLLUP_METADATA_KEYS
from app.repository.events import EventRepository, row_to_record
from app.search.query import SearchQuery


@dataclass(frozen=True, slots=True)
class SessionRollup:
    """Totals over the events of one session (the session event itself excluded from the
    count and the sums, as in the session tree)."""

    session_id: str
    num_events: int
    has_error: bool
    last_end_ms: int | None
    sums: dict[str, float]


def _metadata_number(dialect: Dialect, key: str) -> sa.ColumnElement[Any]:
    """The numeric metadata value ``key`` of a row, NULL unless it is a JSON number.
    ``key`` is one of ROLLUP_METADATA_KEYS, never user text."""
    assert key in ROLLUP_METADATA_KEYS
    match dialect:
        case Dialect.POSTGRES:
            return sa.literal_column(
                f"CASE WHEN jsonb_typeof(events.metadata -> '{key}') = 'number' "
                f"THEN CAST(events.metadata ->> '{key}' AS double precision) END"
            )
        case Dialect.SQLITE:
            return sa.literal_column(
                f"CASE WHEN json_type(events.metadata, '$.{key}') IN ('integer', 'real') "
                f"THEN json_extract(events.metadata, '$.{key}') END"
            )
        case _:
            assert_never(dialect)


# The narrow columns a session's outline needs (no JSON buckets but rollup numbers).
OUTLINE_COLUMNS: Final[tuple[str, ...]] = (
    "event_id",
    "session_id",
    "parent_id",
    "event_type",
    "event_name",
    "source",
    "error",
    "start_time",
    "end_time",
    "duration",
)


class SessionRepository:
    """Session rows of one project and the aggregates of their events."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.dialect = dialect_of(conn)

    async def page(
        self, project_id: str, query: SearchQuery, *, limit: int, offset: int
    ) -> list[EventRecord]:
        """Session events matching ``query`` (whose filters select sessions), newest first:
        the search page query, so the (project_id, event_type, start_time, event_id) index
        answers it."""
        select = EventRepository.page_query(
            project_id, query, self.dialect, limit=limit, offset=offset, columns=EVENT_FIELDS
        )
        return [row_to_record(row) for row in await self.conn.execute(select)]

    async def rollups(self, project_id: str, session_ids: Sequence[str]) -> list[SessionRollup]:
        """One aggregate per session id that has events, read through the
        (project_id, session_id) index."""
        if not session_ids:
            return []
        not_root = events.c.event_id != events.c.session_id
        sums = [
            sa.func.sum(sa.case((not_root, _metadata_number(self.dialect, key)))).label(key)
            for key in ROLLUP_METADATA_KEYS
        ]
        end = sa.func.coalesce(
            events.c.end_time,
            sa.cast(events.c.start_time + sa.func.coalesce(events.c.duration, 0), sa.BigInteger),
        )
        query = (
            sa.select(
                events.c.session_id,
                sa.func.count(sa.case((not_root, 1))).label("num_events"),
                sa.func.max(sa.case((events.c.error.is_not(None), 1), else_=0)).label("errors"),
                sa.func.max(end).label("last_end"),
                *sums,
            )
            .where(events.c.project_id == project_id, events.c.session_id.in_(list(session_ids)))
            .group_by(events.c.session_id)
        )
        found: list[SessionRollup] = []
        for row in await self.conn.execute(query):
            mapping = row._mapping
            found.append(
                SessionRollup(
                    session_id=mapping["session_id"],
                    num_events=int(mapping["num_events"]),
                    has_error=bool(mapping["errors"]),
                    last_end_ms=None if mapping["last_end"] is None else int(mapping["last_end"]),
                    sums={key: float(mapping[key] or 0) for key in ROLLUP_METADATA_KEYS},
                )
            )
        return found

    async def outline(self, project_id: str, session_id: str) -> list[dict[str, Any]]:
        """Every event of the session with its narrow columns only, and as ``metadata``
        just the ROLLUP_METADATA_KEYS that are numbers (read through the session index;
        no JSON bucket is sent or decoded)."""
        numbers = [
            _metadata_number(self.dialect, key).label(f"m_{key}") for key in ROLLUP_METADATA_KEYS
        ]
        query = sa.select(*(events.c[name] for name in OUTLINE_COLUMNS), *numbers).where(
            events.c.project_id == project_id, events.c.session_id == session_id
        )
        found: list[dict[str, Any]] = []
        for row in await self.conn.execute(query):
            mapping = row._mapping
            record = {name: mapping[name] for name in OUTLINE_COLUMNS}
            record["metadata"] = {
                key: mapping[f"m_{key}"]
                for key in ROLLUP_METADATA_KEYS
                if mapping[f"m_{key}"] is not None
            }
            found.append(record)
        return found
