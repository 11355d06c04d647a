"""SQL for the events table: bulk insert, read, atomic update merge, session upsert.

Writes are dialect-specific text so that each one is ONE statement: Postgres inserts
from ``unnest`` arrays and merges with ``jsonb ||``; SQLite inserts from ``json_each``
and merges with a ``json_each``/``json_group_object`` subquery.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.tables import events
from app.domain.merge import Change, Rule
from app.domain.records import EVENT_FIELDS, JSON_BUCKETS, EventRecord

JSON_COLUMNS: Final[frozenset[str]] = frozenset({*JSON_BUCKETS, "children_ids"})
INSERT_COLUMNS: Final[tuple[str, ...]] = EVENT_FIELDS
PG_ARRAY_TYPES: Final[dict[str, str]] = {
    "start_time": "bigint[]",
    "end_time": "bigint[]",
    "duration": "float8[]",
}
# Columns that session start merges into an existing session (others keep the first write).
SESSION_MERGED: Final[tuple[str, ...]] = ("metadata", "user_properties")

_PG_MERGE = (
    "CASE WHEN {patch} IS NULL THEN {target} "
    "ELSE COALESCE({target}, CAST('{{}}' AS jsonb)) || {patch} END"
)
# Top-level key merge of two JSON objects in SQLite: keys of the old object that the patch
# does not have, then every key of the patch. Values are re-emitted with their JSON type;
# reals are printed with 17 significant digits so that no double loses precision.
_SQLITE_MERGE = (
    "CASE WHEN {patch} IS NULL THEN {target} ELSE ("
    "SELECT json_group_object(m.key, CASE m.type"
    " WHEN 'object' THEN json(m.value) WHEN 'array' THEN json(m.value)"
    " WHEN 'true' THEN json('true') WHEN 'false' THEN json('false')"
    " WHEN 'real' THEN json(printf('%!.17g', m.value)) ELSE m.value END)"
    " FROM (SELECT key, type, value FROM json_each(COALESCE({target}, '{{}}'))"
    " WHERE key NOT IN (SELECT key FROM json_each({patch}))"
    " UNION ALL SELECT key, type, value FROM json_each({patch})) AS m"
    ") END"
)


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def merge_sql(dialect: str, target: str, patch: str) -> str:
    """SQL for the shallow key merge of JSON object ``patch`` into ``target``."""
    template = _PG_MERGE if dialect == "postgresql" else _SQLITE_MERGE
    return template.format(target=target, patch=patch)


def row_to_record(row: sa.Row[Any]) -> EventRecord:
    mapping = row._mapping
    return {field: mapping[field] for field in EVENT_FIELDS}  # type: ignore[return-value]


class EventRepository:
    """Event rows of any project; every method is scoped by ``project_id``."""

    def __init__(self, conn: AsyncConnection, dialect: str) -> None:
        self.conn = conn
        self.dialect = dialect

    async def insert_many(self, records: Sequence[EventRecord]) -> None:
        """Insert all records in ONE statement; an (project_id, event_id) that exists
        already is left as it is (first write wins)."""
        if not records:
            return
        if self.dialect == "postgresql":
            await self._insert_many_postgres(records)
        else:
            await self._insert_many_sqlite(records)

    async def _insert_many_postgres(self, records: Sequence[EventRecord]) -> None:
        params: dict[str, list[Any]] = {}
        for column in INSERT_COLUMNS:
            if column in JSON_COLUMNS:
                params[column] = [_json_text(r[column]) for r in records]  # type: ignore[literal-required]
            else:
                params[column] = [r[column] for r in records]  # type: ignore[literal-required]
        arrays = ", ".join(
            f"CAST(:{c} AS {PG_ARRAY_TYPES.get(c, 'text[]')})" for c in INSERT_COLUMNS
        )
        selected = ", ".join(
            f"r.{c}::jsonb" if c in JSON_COLUMNS else f"r.{c}" for c in INSERT_COLUMNS
        )
        columns = ", ".join(INSERT_COLUMNS)
        sql = (
            f"INSERT INTO events ({columns}) SELECT {selected} "
            f"FROM unnest({arrays}) AS r({columns}) "
            "ON CONFLICT (project_id, event_id) DO NOTHING"
        )
        await self.conn.execute(sa.text(sql), params)

    async def _insert_many_sqlite(self, records: Sequence[EventRecord]) -> None:
        rows = orjson.dumps([[r[c] for c in INSERT_COLUMNS] for r in records])  # type: ignore[literal-required]
        selected = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(INSERT_COLUMNS)))
        columns = ", ".join(INSERT_COLUMNS)
        sql = (
            f"INSERT INTO events ({columns}) SELECT {selected} FROM json_each(:rows) WHERE 1 "
            "ON CONFLICT (project_id, event_id) DO NOTHING"
        )
        await self.conn.execute(sa.text(sql), {"rows": rows.decode()})

    async def get(self, project_id: str, event_id: str) -> EventRecord | None:
        query = sa.select(events).where(
            events.c.project_id == project_id, events.c.event_id == event_id
        )
        row = (await self.conn.execute(query)).first()
        return None if row is None else row_to_record(row)

    async def get_many(self, project_id: str, event_ids: Iterable[str]) -> list[EventRecord]:
        ids = list(event_ids)
        if not ids:
            return []
        query = sa.select(events).where(
            events.c.project_id == project_id, events.c.event_id.in_(ids)
        )
        return [row_to_record(row) for row in await self.conn.execute(query)]

    @staticmethod
    def page_query(
        project_id: str,
        where: sa.ColumnElement[bool],
        order_by: Sequence[sa.UnaryExpression[Any]],
        *,
        limit: int,
        offset: int,
        columns: Sequence[str] = EVENT_FIELDS,
    ) -> sa.Select[Any]:
        """The SELECT of one page of the project's events matching ``where``. The page's
        ids are chosen first from the narrow (start_time, event_id) rows, which an index can
        answer alone, and only those rows are then read whole."""
        page_ids = (
            sa.select(events.c.event_id)
            .where(events.c.project_id == project_id, where)
            .order_by(*order_by)
            .limit(limit)
            .offset(offset)
        )
        return (
            sa.select(*(events.c[name] for name in columns))
            .where(events.c.project_id == project_id, events.c.event_id.in_(page_ids))
            .order_by(*order_by)
        )

    @staticmethod
    def count_query(project_id: str, where: sa.ColumnElement[bool]) -> sa.Select[Any]:
        return (
            sa.select(sa.func.count())
            .select_from(events)
            .where(events.c.project_id == project_id, where)
        )

    async def search(
        self,
        project_id: str,
        where: sa.ColumnElement[bool],
        order_by: Sequence[sa.UnaryExpression[Any]],
        *,
        limit: int,
        offset: int,
        columns: Sequence[str] = EVENT_FIELDS,
    ) -> list[dict[str, Any]]:
        """One page of the project's events matching ``where``, in ``order_by`` order."""
        query = self.page_query(
            project_id, where, order_by, limit=limit, offset=offset, columns=columns
        )
        rows = await self.conn.execute(query)
        return [dict(zip(columns, row, strict=True)) for row in rows]

    async def count(self, project_id: str, where: sa.ColumnElement[bool]) -> int:
        return int((await self.conn.execute(self.count_query(project_id, where))).scalar_one())

    async def session_events(self, project_id: str, session_id: str) -> list[EventRecord]:
        query = sa.select(events).where(
            events.c.project_id == project_id, events.c.session_id == session_id
        )
        return [row_to_record(row) for row in await self.conn.execute(query)]

    async def find_spans(
        self, project_id: str, session_ids: Sequence[str], span_ids: Sequence[str]
    ) -> list[tuple[str, str, str]]:
        """``(trace_id, span_id, event_id)`` of stored OTLP events of these sessions whose
        span id is one of ``span_ids`` (from the span ids kept in their metadata)."""
        if self.dialect == "postgresql":
            sql = (
                "SELECT metadata->>'trace_id', metadata->>'span_id', event_id FROM events "
                "WHERE project_id = :p AND session_id = ANY(CAST(:sessions AS text[])) "
                "AND metadata->>'span_id' = ANY(CAST(:spans AS text[]))"
            )
            params: dict[str, Any] = {
                "p": project_id,
                "sessions": list(session_ids),
                "spans": list(span_ids),
            }
        else:
            sql = (
                "SELECT json_extract(metadata, '$.trace_id'), json_extract(metadata, '$.span_id'),"
                " event_id FROM events WHERE project_id = :p"
                " AND session_id IN (SELECT value FROM json_each(:sessions))"
                " AND json_extract(metadata, '$.span_id') IN (SELECT value FROM json_each(:spans))"
            )
            params = {
                "p": project_id,
                "sessions": orjson.dumps(list(session_ids)).decode(),
                "spans": orjson.dumps(list(span_ids)).decode(),
            }
        rows = await self.conn.execute(sa.text(sql), params)
        return [(str(t), str(s), str(e)) for t, s, e in rows]

    async def repoint_parents(
        self, project_id: str, session_ids: Sequence[str], moves: Sequence[tuple[str, str]]
    ) -> None:
        """Children of these sessions whose parent_id is a ``moves`` old id get the new one."""
        if not moves:
            return
        if self.dialect == "postgresql":
            sql = (
                "UPDATE events AS e SET parent_id = m.new_id "
                "FROM unnest(CAST(:old AS text[]), CAST(:new AS text[])) AS m(old_id, new_id) "
                "WHERE e.project_id = :p AND e.session_id = ANY(CAST(:sessions AS text[])) "
                "AND e.parent_id = m.old_id"
            )
            params: dict[str, Any] = {
                "p": project_id,
                "sessions": list(session_ids),
                "old": [old for old, _ in moves],
                "new": [new for _, new in moves],
            }
        else:
            sql = (
                "UPDATE events SET parent_id = (SELECT json_extract(value, '$[1]')"
                " FROM json_each(:moves) WHERE json_extract(value, '$[0]') = events.parent_id)"
                " WHERE project_id = :p"
                " AND session_id IN (SELECT value FROM json_each(:sessions))"
                " AND parent_id IN (SELECT json_extract(value, '$[0]') FROM json_each(:moves))"
            )
            params = {
                "p": project_id,
                "sessions": orjson.dumps(list(session_ids)).decode(),
                "moves": orjson.dumps([list(m) for m in moves]).decode(),
            }
        await self.conn.execute(sa.text(sql), params)

    async def exists(self, project_id: str, event_id: str) -> bool:
        query = sa.select(sa.literal(1)).where(
            events.c.project_id == project_id, events.c.event_id == event_id
        )
        return (await self.conn.execute(query)).first() is not None

    async def update(self, project_id: str, event_id: str, changes: Sequence[Change]) -> bool:
        """Apply the changes in ONE atomic UPDATE (the merge happens in SQL, so
        concurrent updates never lose each other's keys). False if no such event."""
        if not changes:
            return await self.exists(project_id, event_id)
        assignments: list[str] = []
        params: dict[str, Any] = {"project_id": project_id, "event_id": event_id}
        for change in changes:
            column = events.c[change.field].name  # a known column, never user text
            bind = f"v_{column}"
            is_json = column in JSON_COLUMNS
            params[bind] = _json_text(change.value) if is_json else change.value
            value_sql = (
                f"CAST(:{bind} AS jsonb)"
                if is_json and self.dialect == "postgresql"
                else f":{bind}"
            )
            if change.rule is Rule.MERGE:
                value_sql = merge_sql(self.dialect, column, value_sql)
            assignments.append(f"{column} = {value_sql}")
        sql = (
            f"UPDATE events SET {', '.join(assignments)} "
            "WHERE project_id = :project_id AND event_id = :event_id RETURNING event_id"
        )
        result = await self.conn.execute(sa.text(sql), params)
        return result.first() is not None

    async def upsert_session(self, record: EventRecord) -> EventRecord:
        """Create the session event, or merge `metadata` and `user_properties` into the
        existing one with the same id; returns the stored session."""
        self_ref = "events"
        assignments = ", ".join(
            f"{c} = {merge_sql(self.dialect, f'{self_ref}.{c}', f'excluded.{c}')}"
            for c in SESSION_MERGED
        )
        values: list[str] = []
        params: dict[str, Any] = {}
        for column in INSERT_COLUMNS:
            is_json = column in JSON_COLUMNS
            value = record[column]  # type: ignore[literal-required]
            params[column] = _json_text(value) if is_json else value
            if is_json and self.dialect == "postgresql":
                values.append(f"CAST(:{column} AS jsonb)")
            else:
                values.append(f":{column}")
        returning = ", ".join(INSERT_COLUMNS)
        sql = (
            f"INSERT INTO events ({', '.join(INSERT_COLUMNS)}) VALUES ({', '.join(values)}) "
            f"ON CONFLICT (project_id, event_id) DO UPDATE SET {assignments} "
            f"RETURNING {returning}"
        )
        result = await self.conn.execute(
            sa.text(sql).columns(*(events.c[c] for c in INSERT_COLUMNS)), params
        )
        return row_to_record(result.one())
