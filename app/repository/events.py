"""SQL for the events table: bulk insert, read, search pages, atomic update merge, session
upsert.

Writes are dialect-specific text so that each one is ONE statement: Postgres inserts
from ``unnest`` arrays and merges with ``jsonb ||``; SQLite inserts from ``json_each``
and merges with a ``json_each``/``json_group_object`` subquery (``app/db/dialect.py``).
The one exception is a big insert on Postgres: one statement claims the ids, then COPY
writes the rows, in the same transaction (docs/storage.md#bulk-ingest).

On Postgres `events` is partitioned by start_time and ids are unique through `event_ids`
(see docs/storage.md): an insert claims the id there first, in the same statement, and a
read or update by id looks up the id's start_time there, so that it reads one partition.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Final, assert_never

import asyncpg
import orjson
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.dialect import (
    Dialect,
    dialect_of,
    json_member_text,
    json_merge,
    json_param,
    json_text,
    list_value,
    partitions_events_by_time,
    text_list_param,
)
from app.db.outage import is_database_outage
from app.db.tables import event_ids, events
from app.domain.merge import UPDATE_RULES, Change, UpdateRule, combine_plans
from app.domain.records import EVENT_FIELDS, JSON_BUCKETS, EventRecord
from app.repository.event_counts import EventCountRepository
from app.repository.search_sql import (
    LISTED_NAMES_LIMIT,
    compile_date_window,
    distinct_names_query,
    listed_name_needle,
    search_order_by,
    search_where,
)
from app.search.counting import count_plan
from app.search.daterange import DateWindow
from app.search.query import SearchQuery

JSON_COLUMNS: Final[frozenset[str]] = frozenset({*JSON_BUCKETS, "children_ids"})
INSERT_COLUMNS: Final[tuple[str, ...]] = EVENT_FIELDS
PG_ARRAY_TYPES: Final[dict[str, str]] = {
    "start_time": "bigint[]",
    "end_time": "bigint[]",
    "duration": "float8[]",
}
# From this many rows on, insert_many claims the ids and COPYs the rows (see
# _insert_many_copy); fewer go in one INSERT statement, which is one round trip.
COPY_FROM_ROWS: Final[int] = 32
# Columns that session start merges into an existing session (others keep the first write).
SESSION_MERGED: Final[tuple[str, ...]] = ("metadata", "user_properties")


_INSERT_VALUES: Final = operator.itemgetter(*INSERT_COLUMNS)
_JSON_POSITIONS: Final[tuple[int, ...]] = tuple(
    index for index, column in enumerate(INSERT_COLUMNS) if column in JSON_COLUMNS
)


def copy_row(record: EventRecord) -> list[Any]:
    """The record as a row for COPY into ``events`` (INSERT_COLUMNS order; JSON as text)."""
    row = list(_INSERT_VALUES(record))
    for index in _JSON_POSITIONS:
        if row[index] is not None:
            row[index] = json_text(row[index])
    return row


@functools.lru_cache(maxsize=1024)
def cached_text(sql: str) -> sa.TextClause:
    """``sa.text(sql)``, built once per distinct SQL text (parsing its binds costs on every
    call; the texts here come from a bounded set of column combinations)."""
    return sa.text(sql)


@functools.lru_cache(maxsize=64)
def cached_event_text(sql: str) -> sa.TextualSelect:
    """:func:`cached_text` whose result columns are typed as the events table's."""
    return sa.text(sql).columns(*(events.c[c] for c in INSERT_COLUMNS))


def _unnest_insert_sql(bind: Callable[[int, str], str]) -> str:
    """The few-rows insert of Postgres (``unnest`` arrays, one per column, then the project),
    with ``bind(position, name)`` as each parameter: the first row of each id claims it in
    event_ids; only claimed ids are inserted."""
    arrays = ", ".join(
        f"CAST({bind(i, c)} AS {PG_ARRAY_TYPES.get(c, 'text[]')})"
        for i, c in enumerate(INSERT_COLUMNS, 1)
    )
    project = bind(len(INSERT_COLUMNS) + 1, "the_project")
    selected = ", ".join(f"r.{c}::jsonb" if c in JSON_COLUMNS else f"r.{c}" for c in INSERT_COLUMNS)
    columns = ", ".join(INSERT_COLUMNS)
    return (
        f"WITH r AS (SELECT DISTINCT ON (r.event_id) {selected} "
        f"FROM unnest({arrays}) WITH ORDINALITY AS r({columns}, ord) "
        f"WHERE r.project_id = {project} ORDER BY r.event_id, r.ord), "
        "claimed AS (INSERT INTO event_ids (project_id, event_id, start_time) "
        "SELECT project_id, event_id, start_time FROM r "
        "ON CONFLICT (project_id, event_id) DO NOTHING RETURNING event_id) "
        f"INSERT INTO events ({columns}) SELECT {', '.join('r.' + c for c in INSERT_COLUMNS)} "
        f"FROM r JOIN claimed USING (event_id) WHERE r.project_id = {project}"
    )


# Its SQLAlchemy form (named binds) and its driver form ($1, $2, ...): built once.
_UNNEST_INSERT: Final = sa.text(_unnest_insert_sql(lambda _position, name: f":{name}"))
_UNNEST_INSERT_SQL_RAW: Final = _unnest_insert_sql(lambda position, _name: f"${position}")
_START_TIMES_SQL_RAW: Final = (
    "SELECT event_id, start_time FROM event_ids "
    "WHERE project_id = $1 AND event_id = ANY($2::text[])"
)


def _unnest_arrays(records: Sequence[EventRecord]) -> list[list[Any]]:
    """One list per INSERT_COLUMNS column (JSON as text), for the unnest insert."""
    return [
        [json_text(r[column]) for r in records]  # type: ignore[literal-required]
        if column in JSON_COLUMNS
        else [r[column] for r in records]  # type: ignore[literal-required]
        for column in INSERT_COLUMNS
    ]


def _combined_plans(
    updates: Sequence[tuple[str, Sequence[Change]]],
) -> dict[str, tuple[Change, ...]]:
    """Each event's plans combined in the given order; events in id order (one lock order
    for every multi-event update)."""
    plans: dict[str, list[Sequence[Change]]] = {}
    for event_id, changes in updates:
        plans.setdefault(event_id, []).append(changes)
    return {event_id: combine_plans(plans[event_id]) for event_id in sorted(plans)}


@functools.lru_cache(maxsize=256)
def _update_located_sql(fields: tuple[str, ...], *, raw: bool) -> str:
    """The one UPDATE of located events changing ``fields`` (known columns, never user
    text): named binds, or with ``raw`` the driver's $1 (project), $2 (ids), $3 (start
    times), then one array per field."""

    def bind(position: int, name: str) -> str:
        return f"${position}" if raw else f":{name}"

    assignments: list[str] = []
    for field in fields:
        column = events.c[field].name
        patch = f"v.{column}::jsonb" if column in JSON_COLUMNS else f"v.{column}"
        if UPDATE_RULES[field] is UpdateRule.MERGE:
            merged = json_merge(Dialect.POSTGRES, f"e.{column}", patch)
            assignments.append(f"{column} = {merged}")
        else:  # a change always has a value: NULL in v means "not changed"
            assignments.append(f"{column} = COALESCE({patch}, e.{column})")
    arrays = ", ".join(
        f"CAST({bind(i, 'v_' + field)} AS {PG_ARRAY_TYPES.get(field, 'text[]')})"
        for i, field in enumerate(fields, 4)
    )
    times = f"CAST({bind(3, 'times')} AS bigint[])"
    return (
        f"UPDATE events AS e SET {', '.join(assignments)} "
        f"FROM unnest(CAST({bind(2, 'ids')} AS text[]), {times}, "
        f"{arrays}) AS v(event_id, start_time, {', '.join(fields)}) "
        f"WHERE e.project_id = {bind(1, 'project_id')} AND e.start_time = ANY({times}) "
        "AND e.event_id = v.event_id AND e.start_time = v.start_time "
        "RETURNING e.event_id"
    )


def row_to_record(row: sa.Row[Any]) -> EventRecord:
    mapping = row._mapping
    return {field: mapping[field] for field in EVENT_FIELDS}  # type: ignore[return-value]


class EventRepository:
    """Event rows of any project; every method is scoped by ``project_id``."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.dialect = dialect_of(conn)
        # (project_id, needle, window) -> the names of listed_names (None: too many), kept
        # for this transaction (its snapshot).
        self._names: dict[tuple[str, str, DateWindow | None], list[str] | None] = {}
        self._names_walk: bool | None = None  # whether listed_names can walk (not Citus)

    async def insert_many(self, records: Sequence[EventRecord]) -> int:
        """Insert all records at once (one statement, or on Postgres from COPY_FROM_ROWS rows
        one id claim and one COPY, atomic within the caller's transaction); an
        (project_id, event_id) that exists already, or repeats an earlier record's, is left as
        it is (first write wins). Returns how many rows were new."""
        if not records:
            return 0
        if any(r["project_id"] != records[0]["project_id"] for r in records):
            raise ValueError("insert_many takes the records of one project")
        # One global lock order (by id) for every multi-row insert: two batches holding the
        # same ids in another order then wait for each other instead of deadlocking.
        records = sorted(records, key=lambda record: record["event_id"])
        match self.dialect:
            case Dialect.POSTGRES:
                return await self._insert_many_postgres(records)
            case Dialect.SQLITE:
                return await self._insert_many_sqlite(records)
            case _:
                assert_never(self.dialect)

    async def _insert_many_postgres(self, records: Sequence[EventRecord]) -> int:
        if len(records) < COPY_FROM_ROWS:
            return await self._insert_many_unnest(records)
        return await self._insert_many_copy(records)

    async def _insert_many_unnest(self, records: Sequence[EventRecord]) -> int:
        """Few rows: one statement, from ``unnest`` arrays (one round trip)."""
        project = records[0]["project_id"]
        params = dict(zip(INSERT_COLUMNS, _unnest_arrays(records), strict=True))
        result = await self.conn.execute(_UNNEST_INSERT, {**params, "the_project": project})
        return int(result.rowcount)

    async def insert_many_alone(self, records: Sequence[EventRecord]) -> int:
        """Postgres, on a connection outside any transaction (``Database.connection``): what
        :meth:`insert_many` does, as ONE statement that is its own transaction (Postgres
        commits it before it answers), run on the driver itself: no BEGIN and COMMIT round
        trips, no SQL compilation. From COPY_FROM_ROWS records on, the id claim and the COPY
        run in a transaction of their own."""
        if not partitions_events_by_time(self.dialect) or self.conn.in_transaction():
            raise ValueError("insert_many_alone runs on Postgres, outside a transaction")
        if not records:
            return 0
        project = records[0]["project_id"]
        if any(r["project_id"] != project for r in records):
            raise ValueError("insert_many_alone takes the records of one project")
        records = sorted(records, key=lambda record: record["event_id"])  # the lock order
        if len(records) >= COPY_FROM_ROWS:
            async with self.conn.begin():
                return await self._insert_many_copy(records)
        status = await self._on_driver(
            _UNNEST_INSERT_SQL_RAW,
            lambda driver, sql: driver.execute(sql, *_unnest_arrays(records), project),
        )
        return int(str(status).rsplit(" ", 1)[1])  # "INSERT 0 <rows>"

    async def _on_driver(self, sql: str, run: Callable[[Any, str], Awaitable[Any]]) -> Any:
        """``run(asyncpg connection, sql)`` on this connection's driver, its failures raised
        as SQLAlchemy's (``DBAPIError`` with the driver's error as ``orig``: conflict retries,
        503s and the outage log look there); a connection that failed is invalidated, as
        SQLAlchemy does for the statements it runs itself."""
        raw = await self.conn.get_raw_connection()
        try:
            return await run(raw.driver_connection, sql)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
            lost = is_database_outage(exc)
            if lost:
                await self.conn.invalidate(exc)
            raise sa_exc.DBAPIError(sql, None, exc, connection_invalidated=lost) from exc

    async def _insert_many_copy(self, records: Sequence[EventRecord]) -> int:
        """Many rows: claim the ids in ``event_ids`` (one statement, the first row of each id
        wins), then COPY the claimed rows into ``events``, in the caller's transaction. COPY
        costs Postgres less than INSERT ... SELECT and the driver encodes the rows in binary;
        the claim keeps first-write-wins and the lock order of the one-statement form."""
        claim = sa.text(
            "INSERT INTO event_ids (project_id, event_id, start_time) "
            "SELECT DISTINCT ON (c.event_id) :project_id, c.event_id, c.start_time "
            "FROM unnest(CAST(:ids AS text[]), CAST(:times AS bigint[])) "
            "WITH ORDINALITY AS c(event_id, start_time, ord) ORDER BY c.event_id, c.ord "
            "ON CONFLICT (project_id, event_id) DO NOTHING RETURNING event_id"
        )
        claimed = set(
            (
                await self.conn.execute(
                    claim,
                    {
                        "project_id": records[0]["project_id"],
                        "ids": [r["event_id"] for r in records],
                        "times": [r["start_time"] for r in records],
                    },
                )
            ).scalars()
        )
        rows: list[list[Any]] = []
        for record in records:
            if record["event_id"] in claimed:
                claimed.discard(record["event_id"])  # a repeated id: its first row only
                rows.append(copy_row(record))
        if rows:
            await self._copy_events(rows)
        return len(rows)

    async def _copy_events(self, rows: list[list[Any]]) -> None:
        # The claim above began the transaction on this connection; COPY joins it.
        raw = await self.conn.get_raw_connection()
        driver: Any = raw.driver_connection
        try:
            await driver.copy_records_to_table("events", records=rows, columns=INSERT_COLUMNS)
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # As SQLAlchemy wraps the driver's errors for its own statements: conflict
            # retries, 503s and the outage log look at DBAPIError and its ``orig``.
            raise sa_exc.DBAPIError("COPY events", None, exc) from exc

    async def _insert_many_sqlite(self, records: Sequence[EventRecord]) -> int:
        rows = orjson.dumps([[r[c] for c in INSERT_COLUMNS] for r in records])  # type: ignore[literal-required]
        selected = ", ".join(
            f"json_extract(value, '$[{i}]') AS {c}" for i, c in enumerate(INSERT_COLUMNS)
        )
        columns = ", ".join(INSERT_COLUMNS)
        sql = (
            f"INSERT INTO events ({columns}) SELECT {columns} "
            f"FROM (SELECT {selected} FROM json_each(:rows)) AS r "
            "WHERE r.project_id = :project_id ON CONFLICT (project_id, event_id) DO NOTHING"
        )
        result = await self.conn.execute(
            sa.text(sql), {"rows": rows.decode(), "project_id": records[0]["project_id"]}
        )
        return int(result.rowcount)

    async def start_times(self, project_id: str, ids: Sequence[str]) -> dict[str, int]:
        """Postgres: the start_time of each of these ids that exists (from event_ids)."""
        if not ids:
            return {}
        query = sa.select(event_ids.c.event_id, event_ids.c.start_time).where(
            event_ids.c.project_id == project_id, event_ids.c.event_id.in_(list(ids))
        )
        return {str(e): int(t) for e, t in await self.conn.execute(query)}

    async def _located(
        self, project_id: str, ids: Sequence[str]
    ) -> tuple[list[str], list[int]] | None:
        """Postgres: the ids that exist and their start_times (None on SQLite, which has no
        partitions to choose). Lists are empty when none of the ids exists."""
        if not partitions_events_by_time(self.dialect):
            return None
        found = await self.start_times(project_id, ids)
        return list(found), sorted(set(found.values()))

    async def get(self, project_id: str, event_id: str) -> EventRecord | None:
        query = sa.select(events).where(
            events.c.project_id == project_id, events.c.event_id == event_id
        )
        located = await self._located(project_id, [event_id])
        if located is not None:
            if not located[1]:
                return None
            query = query.where(events.c.start_time == located[1][0])
        row = (await self.conn.execute(query)).first()
        return None if row is None else row_to_record(row)

    async def get_many(self, project_id: str, event_ids: Iterable[str]) -> list[EventRecord]:
        ids = list(event_ids)
        if not ids:
            return []
        query = sa.select(events).where(
            events.c.project_id == project_id, events.c.event_id.in_(ids)
        )
        located = await self._located(project_id, ids)
        if located is not None:
            if not located[1]:
                return []
            query = query.where(events.c.start_time.in_(located[1]))
        return [row_to_record(row) for row in await self.conn.execute(query)]

    @staticmethod
    def page_query(
        project_id: str,
        query: SearchQuery,
        dialect: Dialect,
        *,
        limit: int,
        offset: int,
        columns: Sequence[str] = EVENT_FIELDS,
    ) -> sa.Select[Any]:
        """The SELECT of one page of the project's events matching ``query``, newest first.
        The page's keys are chosen first from the narrow (start_time, event_id) rows, which an
        index can answer alone, and only those rows are then read whole. The date window
        (already part of the inner WHERE) is repeated on the outer read, and the rows are
        read by (event_id, start_time), so that Postgres plans the window's partitions only."""
        where = search_where(query, dialect)
        order_by = search_order_by(dialect)
        page_keys = (
            sa.select(events.c.event_id, events.c.start_time)
            .where(events.c.project_id == project_id, where)
            .order_by(*order_by)
            .limit(limit)
            .offset(offset)
        )
        key = sa.tuple_(events.c.event_id, events.c.start_time)
        return (
            sa.select(*(events.c[name] for name in columns))
            .where(events.c.project_id == project_id, key.in_(page_keys))
            .where(compile_date_window(query.window))
            .order_by(*order_by)
        )

    @staticmethod
    def count_query(
        project_id: str,
        query: SearchQuery,
        dialect: Dialect,
        listed: Mapping[str, Sequence[str]] | None = None,
    ) -> sa.Select[Any]:
        return (
            sa.select(sa.func.count())
            .select_from(events)
            .where(events.c.project_id == project_id, search_where(query, dialect, listed))
        )

    async def listed_names(self, project_id: str, query: SearchQuery) -> dict[str, list[str]]:
        """Postgres: for each needle of an event_name `contains` in ``query``, the project's
        event names that contain it (app/repository/search_sql.py, LISTED_NAMES_LIMIT),
        read in this transaction's snapshot, so the search selects exactly the events the
        substring test would. A needle of a project with too many names is left out."""
        needles = [n for n in map(listed_name_needle, query.filters) if n is not None]
        if not needles or not await self._can_walk_names():
            return {}
        found: dict[str, list[str]] = {}
        for needle in needles:
            if needle in found:
                continue
            window = query.window
            key = (project_id, needle, window)
            if key not in self._names:
                # The walk's plan does not depend on the values (one index descent a step):
                # planned once per connection and reused, rather than planned over every
                # partition each time (half its time at 1,000,000 events in 31 partitions).
                # (An error aborts the transaction, and the SET LOCAL ends with it.)
                await self.conn.execute(sa.text("SET LOCAL plan_cache_mode = force_generic_plan"))
                select = distinct_names_query(project_id, needle, window)
                rows = (await self.conn.execute(select)).all()
                await self.conn.execute(sa.text("SET LOCAL plan_cache_mode TO DEFAULT"))
                listed = None
                if len(rows) <= LISTED_NAMES_LIMIT:
                    listed = [str(name) for name, matches in rows if matches]
                self._names[key] = listed
            names = self._names[key]
            if names is not None:
                found[needle] = names
        return found

    async def _can_walk_names(self) -> bool:
        """Postgres without Citus: the names walk is a recursive query, which Citus cannot
        plan over a distributed table (there `event_name contains` tests every event)."""
        if not partitions_events_by_time(self.dialect):
            return False
        if self._names_walk is None:
            sql = "SELECT NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')"
            self._names_walk = bool((await self.conn.execute(cached_text(sql))).scalar_one())
        return self._names_walk

    async def search(
        self,
        project_id: str,
        query: SearchQuery,
        *,
        limit: int,
        offset: int,
        columns: Sequence[str] = EVENT_FIELDS,
    ) -> list[dict[str, Any]]:
        """One page of the project's events matching ``query``, newest first.

        Postgres: two statements in the caller's transaction. The page's keys first (planned
        over the partitions the filters allow), then the rows of exactly those keys, read
        with their start_times as constants, so that the second statement is planned for the
        page's partitions only (planning a join over every partition again cost more than
        running it)."""
        if not partitions_events_by_time(self.dialect):
            select = self.page_query(
                project_id, query, self.dialect, limit=limit, offset=offset, columns=columns
            )
            rows = await self.conn.execute(select)
            return [dict(zip(columns, row, strict=True)) for row in rows]
        order_by = search_order_by(self.dialect)
        listed = await self.listed_names(project_id, query)
        page_keys = (
            sa.select(events.c.event_id, events.c.start_time)
            .where(events.c.project_id == project_id, search_where(query, self.dialect, listed))
            .order_by(*order_by)
            .limit(limit)
            .offset(offset)
        )
        keys = (await self.conn.execute(page_keys)).all()
        if not keys:
            return []
        # (project_id, event_id) is unique (event_ids), so the ids alone select the page; the
        # range of their start times only tells Postgres which partitions to plan and read.
        # (Not `start_time IN (...)`: next to `event_id IN (...)` the planner costs the
        # primary key's probes as every pair of the two lists, and chose to scan the
        # partitions instead: 20-120 ms at 1,000,000 events, against 1-2 ms with the range.)
        times = [int(t) for _, t in keys]
        select = (
            sa.select(*(events.c[name] for name in columns))
            .where(
                events.c.project_id == project_id,
                events.c.event_id.in_([str(e) for e, _ in keys]),
                events.c.start_time.between(min(times), max(times)),
            )
            .order_by(*order_by)
        )
        rows = await self.conn.execute(select)
        return [dict(zip(columns, row, strict=True)) for row in rows]

    async def count(self, project_id: str, query: SearchQuery) -> int:
        """The exact number of the project's events matching ``query``. On Postgres, the
        shapes the counters know (app/search/counting.py) are summed from them."""
        plan = count_plan(query) if self.dialect is Dialect.POSTGRES else None
        if plan is not None:
            counters = EventCountRepository(self.conn)
            if await counters.present():
                return await counters.count(project_id, plan)
        listed = await self.listed_names(project_id, query)
        select = self.count_query(project_id, query, self.dialect, listed)
        return int((await self.conn.execute(select)).scalar_one())

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
        trace = json_member_text(self.dialect, "metadata", "trace_id")
        span = json_member_text(self.dialect, "metadata", "span_id")
        sql = (
            f"SELECT {trace}, {span}, event_id FROM events WHERE project_id = :p"
            f" AND session_id {text_list_param(self.dialect, 'sessions')}"
            f" AND {span} {text_list_param(self.dialect, 'spans')}"
        )
        params = {
            "p": project_id,
            "sessions": list_value(self.dialect, list(session_ids)),
            "spans": list_value(self.dialect, list(span_ids)),
        }
        rows = await self.conn.execute(sa.text(sql), params)
        return [(str(t), str(s), str(e)) for t, s, e in rows]

    async def repoint_parents(
        self, project_id: str, session_ids: Sequence[str], moves: Sequence[tuple[str, str]]
    ) -> None:
        """Children of these sessions whose parent_id is a ``moves`` old id get the new one."""
        if not moves:
            return
        params: dict[str, Any] = {
            "p": project_id,
            "sessions": list_value(self.dialect, list(session_ids)),
        }
        in_sessions = text_list_param(self.dialect, "sessions")
        match self.dialect:
            case Dialect.POSTGRES:
                sql = (
                    "UPDATE events AS e SET parent_id = m.new_id FROM"
                    " unnest(CAST(:old AS text[]), CAST(:new AS text[])) AS m(old_id, new_id)"
                    f" WHERE e.project_id = :p AND e.session_id {in_sessions}"
                    " AND e.parent_id = m.old_id"
                )
                params["old"] = [old for old, _ in moves]
                params["new"] = [new for _, new in moves]
            case Dialect.SQLITE:
                sql = (
                    "UPDATE events SET parent_id = (SELECT json_extract(value, '$[1]')"
                    " FROM json_each(:moves) WHERE json_extract(value, '$[0]') = events.parent_id)"
                    f" WHERE project_id = :p AND session_id {in_sessions}"
                    " AND parent_id IN (SELECT json_extract(value, '$[0]') FROM json_each(:moves))"
                )
                params["moves"] = orjson.dumps([list(m) for m in moves]).decode()
            case _:
                assert_never(self.dialect)
        await self.conn.execute(sa.text(sql), params)

    async def exists(self, project_id: str, event_id: str) -> bool:
        located = await self._located(project_id, [event_id])
        if located is not None:
            return bool(located[0])
        query = sa.select(sa.literal(1)).where(
            events.c.project_id == project_id, events.c.event_id == event_id
        )
        return (await self.conn.execute(query)).first() is not None

    async def update(self, project_id: str, event_id: str, changes: Sequence[Change]) -> bool:
        """Apply the changes in ONE atomic UPDATE (the merge happens in SQL, so
        concurrent updates never lose each other's keys). False if no such event."""
        return (await self.update_many(project_id, [(event_id, changes)]))[0]

    async def update_many(
        self, project_id: str, updates: Sequence[tuple[str, Sequence[Change]]]
    ) -> list[bool]:
        """Apply each ``(event_id, changes)`` as if one after the other in the given order
        (one event may come several times: its plans are combined first), every event's
        update atomic (the merge happens in SQL). Postgres: the ids' partitions are looked up
        in one statement, then all the events are updated in ONE statement. Whether each
        event exists, in the order of ``updates``."""
        combined = _combined_plans(updates)
        found: set[str] = set()
        match self.dialect:
            case Dialect.POSTGRES:
                located = await self.start_times(project_id, list(combined))
                found = await self._update_located_postgres(project_id, combined, located)
            case Dialect.SQLITE:
                for event_id, changes in combined.items():
                    if await self._update_sqlite(project_id, event_id, changes):
                        found.add(event_id)
            case _:
                assert_never(self.dialect)
        return [event_id in found for event_id, _ in updates]

    async def update_many_alone(
        self, project_id: str, updates: Sequence[tuple[str, Sequence[Change]]]
    ) -> list[bool]:
        """Postgres, on a connection outside any transaction (``Database.connection``): what
        :meth:`update_many` does, its two statements (the partitions' look-up, then the ONE
        UPDATE, atomic: its own transaction) run on the driver itself, with no BEGIN and
        COMMIT round trips. The transaction added nothing here: the look-up only reads ids
        and their start_time, which never change, and at READ COMMITTED the UPDATE saw the
        rows as of its own start inside a transaction too."""
        if not partitions_events_by_time(self.dialect) or self.conn.in_transaction():
            raise ValueError("update_many_alone runs on Postgres, outside a transaction")
        combined = _combined_plans(updates)
        rows = await self._on_driver(
            _START_TIMES_SQL_RAW, lambda driver, sql: driver.fetch(sql, project_id, list(combined))
        )
        located = {str(row[0]): int(row[1]) for row in rows}
        found = await self._update_located_postgres(project_id, combined, located, alone=True)
        return [event_id in found for event_id, _ in updates]

    async def _update_located_postgres(
        self,
        project_id: str,
        combined: dict[str, tuple[Change, ...]],
        located: dict[str, int],
        *,
        alone: bool = False,
    ) -> set[str]:
        """ONE UPDATE of the events of ``combined`` that exist (``located``: their start
        times) and have changes, each row's new values from an unnest() row; returns the ids
        found (those without changes included). The start times are also a constant list, so
        that only their partitions are planned. ``alone``: run on the driver, outside a
        transaction (:meth:`update_many_alone`)."""
        found = {e for e, changes in combined.items() if e in located and not changes}
        targets = [(e, located[e], c) for e, c in combined.items() if e in located and c]
        if not targets:
            return found
        fields = tuple(
            field for field in UPDATE_RULES if any(c.field == field for t in targets for c in t[2])
        )
        values: dict[str, list[Any]] = {field: [None] * len(targets) for field in fields}
        for row, (_, _, changes) in enumerate(targets):
            for change in changes:
                is_json = change.field in JSON_COLUMNS
                values[change.field][row] = json_text(change.value) if is_json else change.value
        ids = [event_id for event_id, _, _ in targets]
        times = [start_time for _, start_time, _ in targets]
        if alone:
            rows = await self._on_driver(
                _update_located_sql(fields, raw=True),
                lambda driver, sql: driver.fetch(
                    sql, project_id, ids, times, *(values[field] for field in fields)
                ),
            )
            return found | {str(row[0]) for row in rows}
        params: dict[str, Any] = {
            "project_id": project_id,
            "ids": ids,
            "times": times,
            **{f"v_{field}": values[field] for field in fields},
        }
        result = await self.conn.execute(
            cached_text(_update_located_sql(fields, raw=False)), params
        )
        return found | {str(row[0]) for row in result}

    async def _update_sqlite(
        self, project_id: str, event_id: str, changes: Sequence[Change]
    ) -> bool:
        """One atomic UPDATE of one event (an existence check when there is no change)."""
        if not changes:
            return await self.exists(project_id, event_id)
        assignments: list[str] = []
        params: dict[str, Any] = {"project_id": project_id, "event_id": event_id}
        for change in changes:
            column = events.c[change.field].name  # a known column, never user text
            bind = f"v_{column}"
            is_json = column in JSON_COLUMNS
            params[bind] = json_text(change.value) if is_json else change.value
            value_sql = json_param(self.dialect, bind) if is_json else f":{bind}"
            if change.rule is UpdateRule.MERGE:
                value_sql = json_merge(self.dialect, column, value_sql)
            assignments.append(f"{column} = {value_sql}")
        sql = (
            f"UPDATE events SET {', '.join(assignments)} "
            "WHERE project_id = :project_id AND event_id = :event_id RETURNING event_id"
        )
        result = await self.conn.execute(cached_text(sql), params)
        return result.first() is not None

    async def upsert_session(self, record: EventRecord) -> EventRecord:
        """Create the session event, or merge `metadata` and `user_properties` into the
        existing one with the same id; returns the stored session."""
        if partitions_events_by_time(self.dialect):
            return await self._upsert_session_partitioned(record)
        self_ref = "events"
        assignments = ", ".join(
            f"{c} = {json_merge(self.dialect, f'{self_ref}.{c}', f'excluded.{c}')}"
            for c in SESSION_MERGED
        )
        values: list[str] = []
        params: dict[str, Any] = {}
        for column in INSERT_COLUMNS:
            is_json = column in JSON_COLUMNS
            value = record[column]  # type: ignore[literal-required]
            params[column] = json_text(value) if is_json else value
            values.append(json_param(self.dialect, column) if is_json else f":{column}")
        returning = ", ".join(INSERT_COLUMNS)
        sql = (
            f"INSERT INTO events ({', '.join(INSERT_COLUMNS)}) VALUES ({', '.join(values)}) "
            f"ON CONFLICT (project_id, event_id) DO UPDATE SET {assignments} "
            f"RETURNING {returning}"
        )
        result = await self.conn.execute(cached_event_text(sql), params)
        return row_to_record(result.one())

    async def _upsert_session_partitioned(self, record: EventRecord) -> EventRecord:
        """Claim the id in event_ids; insert the session if the claim succeeded, else merge
        into the stored one (found in its partition through the claimed start_time)."""
        project_id, event_id = record["project_id"], record["event_id"]
        claim = cached_text(
            "INSERT INTO event_ids (project_id, event_id, start_time) "
            "VALUES (:project_id, :event_id, :start_time) "
            "ON CONFLICT (project_id, event_id) DO NOTHING RETURNING start_time"
        )
        ids = {"project_id": project_id, "event_id": event_id}
        claimed = await self.conn.execute(claim, {**ids, "start_time": record["start_time"]})
        returning = ", ".join(INSERT_COLUMNS)
        if claimed.first() is not None:
            params: dict[str, Any] = {}
            values: list[str] = []
            for column in INSERT_COLUMNS:
                is_json = column in JSON_COLUMNS
                value = record[column]  # type: ignore[literal-required]
                params[column] = json_text(value) if is_json else value
                values.append(json_param(self.dialect, column) if is_json else f":{column}")
            sql = (
                f"INSERT INTO events ({returning}) VALUES ({', '.join(values)}) "
                f"RETURNING {returning}"
            )
            result = await self.conn.execute(cached_event_text(sql), params)
            return row_to_record(result.one())
        # The id exists (the claim above waited for a concurrent writer of it to commit,
        # so this statement's snapshot sees that writer's row).
        located = await self._located(project_id, [event_id])
        if not located or not located[1]:
            raise RuntimeError(f"event {event_id} vanished while its session was started")
        patch: dict[str, Any] = {**ids, "start_time": located[1][0]}
        assignments = []
        for column in SESSION_MERGED:
            patch[f"v_{column}"] = json_text(record[column])  # type: ignore[literal-required]
            merged = json_merge(self.dialect, column, json_param(self.dialect, f"v_{column}"))
            assignments.append(f"{column} = {merged}")
        sql = (
            f"UPDATE events SET {', '.join(assignments)} WHERE project_id = :project_id "
            "AND event_id = :event_id AND start_time = :start_time "
            f"RETURNING {returning}"
        )
        result = await self.conn.execute(cached_event_text(sql), patch)
        row = result.first()
        if row is None:
            raise RuntimeError(f"event {event_id} vanished while its session was started")
        return row_to_record(row)
