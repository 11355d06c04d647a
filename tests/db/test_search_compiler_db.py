"""The SQL filter compiler against real SQLite and Postgres, checked against the reference model."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import pytest_asyncio
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.db.dialect import Dialect
from app.db.migrate import upgrade
from app.db.tables import events, metadata_obj
from app.domain.records import EVENT_TYPES, JSON_BUCKETS
from app.repository.search_sql import (
    MATERIALIZED_NUMERIC,
    compile_date_window,
    compile_filters,
    search_order_by,
)
from app.search.casefold import case_variants
from app.search.daterange import DateWindow
from app.search.filters import (
    COLUMN_KINDS,
    OPERATORS_BY_TYPE,
    TYPES_BY_FIELD_KIND,
    Filter,
    FilterType,
    parse_filters,
)
from app.search.reference import reference_search
from tests.backends import POSTGRES_ADMIN_URL

# The server of EVENTS_TEST_POSTGRES_URL (see tests/backends.py), without a database name.
PG_SERVER = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
# One database per test process, so concurrent runs (other worktrees, CI jobs) never collide.
PG_DATABASE = f"events_search_compiler_test_{os.getpid()}"
# "postgresql" gets its tables from metadata_obj.create_all; "postgresql-migrated" from the
# Alembic migrations, whose extra generated columns some filters compile to.
RANGE_OPERATORS = ("greater than", "less than", "after", "before")
BACKENDS = (
    "sqlite",
    "sqlite-orjson",
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("postgresql-migrated", marks=pytest.mark.postgres),
)


@dataclass
class Backend:
    name: str
    dialect: Dialect
    engine: AsyncEngine

    def supports(self, f: Filter) -> bool:
        """False for a range filter the compiler answers from a generated column that only
        the migrations create (the create_all schema of app.db.tables lacks it)."""
        if self.name != "postgresql" or f.operator not in RANGE_OPERATORS:
            return True
        return (f.field.root, f.field.path) not in MATERIALIZED_NUMERIC


# These engines query scratch tables of every project at once to compare the compiler with
# the reference model: exempt from the statement-scope rule (tests/statement_scope.py).
SCRATCH = {"statement_scope": "exempt"}


def _orjson_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _admin_engine() -> AsyncEngine:
    return create_async_engine(
        f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT", connect_args={"timeout": 5}
    )


async def _postgres_engine(database: str, *, migrated: bool) -> AsyncEngine:
    """Drop and recreate a test database (ICU en-US collation when available, so the
    search order must not depend on the database collation) and create the tables."""
    admin = _admin_engine()
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            try:
                await conn.execute(
                    sa.text(
                        f"CREATE DATABASE {database} TEMPLATE template0 ENCODING 'UTF8' "
                        "LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
                    )
                )
            except sa.exc.DBAPIError:
                await conn.execute(sa.text(f"CREATE DATABASE {database}"))
    except (OSError, TimeoutError, sa.exc.DBAPIError) as error:
        reason = f"Postgres at {PG_SERVER} is not reachable: {error!r}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires Postgres. {reason}")
        pytest.skip(reason)
    finally:
        await admin.dispose()
    url = f"{PG_SERVER}/{database}"
    if migrated:
        await asyncio.to_thread(upgrade, url)
    engine = create_async_engine(url, json_serializer=_orjson_text, execution_options=SCRATCH)
    if not migrated:
        async with engine.begin() as conn:
            await conn.run_sync(metadata_obj.create_all)
    return engine


async def _drop_postgres_database(database: str) -> None:
    admin = _admin_engine()
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
    finally:
        await admin.dispose()


@pytest_asyncio.fixture(scope="session", params=BACKENDS)
async def search_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Backend]:
    name: str = request.param
    database = f"{PG_DATABASE}_{name.replace('-', '_')}"
    if name.startswith("postgresql"):
        engine = await _postgres_engine(database, migrated=name == "postgresql-migrated")
    else:
        path: Path = tmp_path_factory.mktemp(name) / "events.db"
        kwargs: dict[str, Any] = {}
        if name == "sqlite-orjson":
            # JSON stored as raw UTF-8 instead of \\u escapes: both encodings must work.
            kwargs["json_serializer"] = _orjson_text
        engine = create_async_engine(
            f"sqlite+aiosqlite:///{path}", execution_options=SCRATCH, **kwargs
        )
        async with engine.begin() as conn:
            await conn.run_sync(metadata_obj.create_all)
    yield Backend(name=name, dialect=Dialect.of_name(engine.dialect.name), engine=engine)
    await engine.dispose()
    if name.startswith("postgresql"):
        await _drop_postgres_database(database)


# --- data --------------------------------------------------------------------------------------

BASE_MS = 1_700_000_000_000
TIMES = [BASE_MS + k * 1000 for k in range(5)]
# Keys exercise every path strategy: plain (json_extract / #>), digits (array index or key),
# strtol-looking keys Postgres must not treat as indexes, non-ASCII and quoted (json_each).
# "cost" and "total_tokens" are metadata keys, "rating" a feedback key, with generated columns
# in the migrated schema.
KEYS = ["a", "b", "A", "a-b", "0", "1", "01", "+1", " 1", "-1", "é", 'k"q', "x y", "99999999999"]
KEYS += ["cost", "total_tokens", "rating"]
TEXT_ALPHABET = "aAbBzZ%_*?[]\\\"'-. 0éÉßẞkK\u212a\u03c3\u03a3\u03c2İiÄä€😀"
ID_ALPHABET = "aAbBzZ0-_é"
STRINGS = [
    "",
    "a",
    "A",
    "ab",
    "AB",
    "%",
    "_",
    "a%b",
    "straße",
    "STRASSE",
    "\u03a3\u03c3\u03c2",
    "éÉ",
    "K",
    "5",
]
INTS = [-3, -1, 0, 1, 2, 3, 5, 2**53, -(2**53), *TIMES]
FLOATS = [0.5, -0.0, 1.5, 5.0, 2.5e-7, 1e16, 0.1, 0.30000000000000004, float(TIMES[1])]

texts = st.one_of(st.sampled_from(STRINGS), st.text(TEXT_ALPHABET, max_size=6))
numbers = st.one_of(
    st.sampled_from(INTS),
    st.sampled_from(FLOATS),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.sampled_from(KEYS), children, max_size=3)
    ),
    max_leaves=8,
)
buckets = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4)
rich_buckets = st.dictionaries(st.sampled_from(KEYS), json_values, min_size=1, max_size=5)

SQL_NULL = object()  # marker: store SQL NULL rather than JSON null


@st.composite
def event_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    ids = draw(
        st.lists(st.text(ID_ALPHABET, min_size=1, max_size=3), min_size=1, max_size=10, unique=True)
    )
    result = []
    for event_id in ids:
        record: dict[str, Any] = {
            "project_id": draw(st.sampled_from(["p1", "p2"])),
            "event_id": event_id,
            "session_id": draw(st.sampled_from(["s1", "S1", "s2"])),
            "parent_id": draw(st.none() | st.sampled_from(["s1", "e1"])),
            "event_type": draw(st.sampled_from(EVENT_TYPES)),
            "event_name": draw(texts),
            "source": draw(texts),
            "children_ids": draw(
                st.none() | st.just(SQL_NULL) | st.lists(texts | st.integers(0, 2), max_size=3)
            ),
            "error": draw(st.none() | texts),
            "start_time": draw(st.sampled_from(TIMES)),
            "end_time": draw(st.none() | st.sampled_from(TIMES)),
            "duration": draw(
                st.none() | st.sampled_from([0.0, 1.5, 5.0, 1000.0]) | st.integers(0, 10)
            ),
        }
        for bucket in JSON_BUCKETS:
            empty = st.none() | st.just(SQL_NULL) | st.just({})
            record[bucket] = draw(
                rich_buckets if bucket in ("metadata", "inputs") else empty | buckets
            )
        result.append(record)
    return result


def _reference_view(event: dict[str, Any]) -> dict[str, Any]:
    return {key: (None if value is SQL_NULL else value) for key, value in event.items()}


def _row(event: dict[str, Any]) -> dict[str, Any]:
    return {key: (sa.null() if value is SQL_NULL else value) for key, value in event.items()}


def _paths(value: Any, prefix: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    if prefix:
        yield prefix, value
    if len(prefix) >= 4:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, str(index)))


def _present_values(evs: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """(field, value) pairs that occur in the events, so filters often hit something."""
    found: list[tuple[str, Any]] = []
    for ev in evs:
        for bucket in JSON_BUCKETS:
            content = ev[bucket]
            if isinstance(content, dict):
                for path, value in _paths(content, ()):
                    if all(segment and "." not in segment for segment in path):
                        found.append((".".join((bucket, *path)), value))
    return found


def _swap_case(draw: st.DrawFn, text: str) -> str:
    return "".join(draw(st.sampled_from(case_variants(char))) for char in text)


def _inferred_type(operator: str, kind: str, value: Any) -> FilterType | None:
    """The documented inference: the operator's only type, else the value's JSON type (a
    string on start_time/end_time is a datetime)."""
    implied: dict[str, FilterType] = {
        "contains": "string",
        "not contains": "string",
        "greater than": "number",
        "less than": "number",
        "after": "datetime",
        "before": "datetime",
    }
    if operator in implied:
        return implied[operator]
    if kind == "time" and isinstance(value, str):
        return "datetime"
    return _json_type_of(value)


def _json_type_of(value: Any) -> FilterType | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def _scalar_pool(evs: list[dict[str, Any]], wanted: FilterType) -> list[Any]:
    values = [value for _, value in _present_values(evs)]
    values += [ev[name] for ev in evs for name in COLUMN_KINDS if name != "children_ids"]
    values += [i for ev in evs if isinstance(ev["children_ids"], list) for i in ev["children_ids"]]
    return [value for value in values if _json_type_of(value) == wanted]


@st.composite
def raw_filters(draw: st.DrawFn, evs: list[dict[str, Any]]) -> dict[str, Any]:
    present = _present_values(evs)
    seen: Any = None
    choice = draw(st.integers(0, 19))
    leaves = [(name, value) for name, value in present if not isinstance(value, dict | list)]
    if leaves and choice < 6:
        field, seen = draw(st.sampled_from(leaves))
    elif present and choice < 8:
        field, seen = draw(st.sampled_from(present))
    elif present and choice < 12:
        # A real path with one segment replaced: probes keys/indexes on the wrong container.
        real, _ = draw(st.sampled_from(present))
        segments = real.split(".")
        position = draw(st.integers(1, len(segments)))
        segments[position:position] = [draw(st.sampled_from(KEYS))]
        if draw(st.booleans()) and position + 1 < len(segments):
            del segments[position + 1]
        field = ".".join(segments)
    elif choice < 14:
        bucket = draw(st.sampled_from(["metadata", "inputs", "feedback"]))
        path = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3))
        field = ".".join((bucket, *path))
    else:
        field = draw(st.sampled_from(list(COLUMN_KINDS)))
        seen = draw(st.sampled_from(evs))[field]
        if field == "children_ids":
            seen = draw(st.sampled_from(seen)) if isinstance(seen, list) and seen else None
    kind = COLUMN_KINDS.get(field, "json")
    seen_type = _json_type_of(seen)
    allowed_types = TYPES_BY_FIELD_KIND[kind]
    if seen_type in allowed_types and draw(st.integers(0, 4)) > 0:
        filter_type: FilterType = seen_type
    else:
        filter_type = draw(st.sampled_from(allowed_types))
    operator = draw(st.sampled_from(OPERATORS_BY_TYPE[filter_type]))
    raw: dict[str, Any] = {"field": field, "operator": operator, "type": filter_type}
    if operator in ("exists", "not exists"):
        if draw(st.booleans()):
            del raw["type"]
        return raw

    source = draw(st.sampled_from(["seen", "seen", "seen", "present", "random"]))
    pool = [seen] if source == "seen" and _json_type_of(seen) == filter_type else []
    if not pool and source != "random":
        pool = _scalar_pool(evs, filter_type)
    if filter_type == "string":
        base = draw(st.sampled_from(pool)) if pool else draw(texts)
        if operator in ("contains", "not contains") and base:
            start = draw(st.integers(0, len(base)))
            base = _swap_case(draw, base[start : draw(st.integers(start, len(base)))])
        value: Any = base
    elif filter_type == "number":
        number = draw(st.sampled_from(pool)) if pool else draw(numbers)
        number += draw(st.sampled_from([0, 0, 0, 0, 0, 1, -1, 0.5]))
        # The SDK sends numbers as strings ("0.1"); the CLI sends JSON numbers.
        value = draw(st.sampled_from([number, repr(number)]))
    elif filter_type == "boolean":
        flag = draw(st.sampled_from(pool)) if pool else draw(st.booleans())
        value = draw(st.sampled_from([flag, "true" if flag else "false"]))
    else:
        ms = draw(st.sampled_from(TIMES)) + draw(st.sampled_from([-1, 0, 0, 1]))
        iso = datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")
        value = draw(st.sampled_from([ms, str(ms), iso, iso.replace("+00:00", "Z")]))
    raw["value"] = value
    # Leave `type` out (SDK/CLI style) when inference gives the same type.
    if _inferred_type(operator, kind, value) == filter_type and draw(st.booleans()):
        del raw["type"]
    return raw


@dataclass
class Scenario:
    events: list[dict[str, Any]]
    probes: list[Filter]  # each checked on its own (count and ids)
    combined: list[Filter]  # AND-ed, checked page by page with the window
    window: DateWindow | None
    limit: int


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    evs = draw(event_lists())
    raws = draw(st.lists(raw_filters(evs), min_size=1, max_size=8))
    probes = parse_filters(raws, strict=draw(st.booleans()))
    combined = draw(st.lists(st.sampled_from(probes), min_size=1, max_size=3))
    window = None
    if draw(st.booleans()):
        lo = draw(st.none() | st.sampled_from(TIMES))
        hi = draw(st.none() | st.sampled_from(TIMES))
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        window = DateWindow(start_ms=lo, end_ms=hi)
    return Scenario(evs, probes, combined, window, limit=draw(st.integers(1, 4)))


async def _check(backend: Backend, scenario: Scenario) -> None:
    views = [_reference_view(e) for e in scenario.events]
    order = search_order_by(backend.dialect)
    async with backend.engine.begin() as conn:
        await conn.execute(events.delete())
        await conn.execute(events.insert(), [_row(e) for e in scenario.events])

        for probe in filter(backend.supports, scenario.probes):
            want, count = reference_search(views, [probe], None, limit=1000, page=1)
            share = "none" if count == 0 else "all" if count == len(views) else "some"
            event(f"{probe.operator} {probe.type} ({probe.field.kind}): {share}")
            query = sa.select(events.c.event_id).where(compile_filters([probe], backend.dialect))
            got = [row.event_id for row in await conn.execute(query.order_by(*order))]
            assert got == [e["event_id"] for e in want], probe

        filters = [f for f in scenario.combined if backend.supports(f)]
        window, limit = scenario.window, scenario.limit
        where = sa.and_(compile_filters(filters, backend.dialect), compile_date_window(window))
        _, expected_count = reference_search(views, filters, window, limit, 1)
        counted = await conn.execute(sa.select(sa.func.count()).select_from(events).where(where))
        assert counted.scalar_one() == expected_count, (filters, window)
        for page in range(1, expected_count // limit + 3):
            query = (
                sa.select(events.c.event_id)
                .where(where)
                .order_by(*order)
                .limit(limit)
                .offset((page - 1) * limit)
            )
            got = [row.event_id for row in await conn.execute(query)]
            want, total = reference_search(views, filters, window, limit, page)
            assert total == expected_count
            assert got == [e["event_id"] for e in want], (page, filters, window)


@settings(
    max_examples=int(os.environ.get("SEARCH_COMPILER_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=scenarios())
async def test_sql_agrees_with_reference(search_backend: Backend, scenario: Scenario) -> None:
    await _check(search_backend, scenario)


# --- hand-written cases: the documented semantics, on both backends and in the reference -------


def _golden_event(event_id: str, start_time: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "project_id": "p1",
        "event_id": event_id,
        "session_id": "s1",
        "parent_id": None,
        "event_type": "tool",
        "event_name": "ev",
        "source": "sdk",
        "children_ids": None,
        "error": None,
        "start_time": start_time,
        "end_time": None,
        "duration": None,
    }
    base.update({bucket: None for bucket in JSON_BUCKETS})
    base.update(fields)
    return base


GOLDEN_EVENTS = [
    _golden_event(
        "e1",
        TIMES[2],
        metadata={
            "n": 5,
            "s": "Straße",
            "b": True,
            "f": 5.0,
            "arr": [10, {"k": "v"}],
            "nul": None,
            "pct": "100%",
            "é": "accent",
            "big": 2**53,
            "ts": TIMES[1],
            "iso": "2023-11-14T22:13:21.000Z",
            "run_id": "run-1",
            "glob": "axbyc[d",
            "cost": 0.25,
            "total_tokens": 12,
        },
        feedback={"rating": 4},
        inputs={"chat_history": [{"content": "Hello WORLD"}]},
        children_ids=["c1", "c2"],
        duration=1.5,
        end_time=TIMES[3],
    ),
    _golden_event(
        "e2",
        TIMES[1],
        metadata={
            "n": "5",
            "s": "STRASSE",
            "b": "true",
            "f": 5.5,
            "arr": {"0": "obj-zero", "+1": "plus"},
            "pct": "100 percent",
            "+1": ["x", "y"],
            "ts": "1700000001000",
            "glob": "a*b?c[d]",
            "cost": "0.5",
            "total_tokens": True,
        },
        feedback={"rating": "5"},
        inputs={"chat_history": {"0": {"content": "hello there"}}},
        children_ids=[7, None],
        error="Boom",
        event_name="Ärger",
    ),
    _golden_event("e3", TIMES[1], inputs={"chat_history": []}, error="", children_ids=SQL_NULL),
]

# (raw filter, ids expected in search order)
GOLDEN_CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({"field": "metadata.n", "operator": "is", "value": 5}, ["e1"]),
    ({"field": "metadata.n", "operator": "is", "value": "5", "type": "number"}, ["e1"]),
    ({"field": "metadata.n", "operator": "is", "value": "5", "type": "string"}, ["e2"]),
    ({"field": "metadata.f", "operator": "is", "value": 5}, ["e1"]),
    ({"field": "metadata.n", "operator": "is not", "value": 5}, ["e3", "e2"]),
    ({"field": "metadata.n", "operator": "greater than", "value": "4"}, ["e1"]),
    ({"field": "metadata.f", "operator": "less than", "value": 5.25}, ["e1"]),
    ({"field": "metadata.b", "operator": "is", "value": True}, ["e1"]),
    ({"field": "metadata.b", "operator": "is", "value": "true", "type": "boolean"}, ["e1"]),
    ({"field": "metadata.b", "operator": "is", "value": "true", "type": "string"}, ["e2"]),
    ({"field": "metadata.b", "operator": "greater than", "value": 0}, []),
    ({"field": "metadata.s", "operator": "contains", "value": "STRAß"}, ["e1"]),
    ({"field": "metadata.s", "operator": "contains", "value": "stras"}, ["e2"]),
    ({"field": "metadata.s", "operator": "not contains", "value": "sse"}, ["e1", "e3"]),
    ({"field": "metadata.pct", "operator": "contains", "value": "0%"}, ["e1"]),
    ({"field": "metadata.pct", "operator": "contains", "value": "_"}, []),
    ({"field": "metadata.é", "operator": "is", "value": "accent"}, ["e1"]),
    ({"field": "metadata.arr.0", "operator": "is", "value": 10}, ["e1"]),
    ({"field": "metadata.arr.0", "operator": "is", "value": "obj-zero"}, ["e2"]),
    ({"field": "metadata.arr.1.k", "operator": "is", "value": "v"}, ["e1"]),
    ({"field": "metadata.arr.+1", "operator": "exists"}, ["e2"]),
    ({"field": "metadata.+1.1", "operator": "is", "value": "y"}, ["e2"]),
    ({"field": "metadata.nul", "operator": "exists"}, []),
    ({"field": "metadata.nul", "operator": "not exists"}, ["e1", "e3", "e2"]),
    ({"field": "metadata.arr", "operator": "exists"}, ["e1", "e2"]),
    ({"field": "metadata.big", "operator": "is", "value": str(2**53), "type": "number"}, ["e1"]),
    ({"field": "metadata.big", "operator": "is", "value": str(2**53)}, []),
    ({"field": "metadata.ts", "operator": "is", "value": TIMES[1], "type": "datetime"}, ["e1"]),
    ({"field": "metadata.ts", "operator": "after", "value": "2023-11-14T22:13:20Z"}, ["e1"]),
    ({"field": "metadata.iso", "operator": "before", "value": "2100-01-01"}, []),
    (
        {"field": "inputs.chat_history.0.content", "operator": "contains", "value": "hello"},
        ["e1", "e2"],
    ),
    ({"field": "children_ids", "operator": "is", "value": "c2"}, ["e1"]),
    ({"field": "children_ids", "operator": "is", "value": "7"}, []),
    ({"field": "metadata.cost", "operator": "greater than", "value": "0.1"}, ["e1"]),
    ({"field": "metadata.cost", "operator": "less than", "value": 0.25}, []),
    ({"field": "metadata.cost", "operator": "is not", "value": 0.25}, ["e3", "e2"]),
    ({"field": "metadata.total_tokens", "operator": "greater than", "value": 0}, ["e1"]),
    ({"field": "feedback.rating", "operator": "greater than", "value": 3}, ["e1"]),
    ({"field": "feedback.rating", "operator": "less than", "value": "4.5"}, ["e1"]),
    ({"field": "feedback.rating", "operator": "greater than", "value": 4}, []),
    ({"field": "metadata.total_tokens", "operator": "before", "value": 13}, ["e1"]),
    ({"field": "metadata.glob", "operator": "contains", "value": "*"}, ["e2"]),
    ({"field": "metadata.glob", "operator": "contains", "value": "?"}, ["e2"]),
    ({"field": "metadata.glob", "operator": "contains", "value": "A*B"}, ["e2"]),
    ({"field": "metadata.glob", "operator": "contains", "value": "c[d"}, ["e1", "e2"]),
    ({"field": "metadata.glob", "operator": "contains", "value": "[d]"}, ["e2"]),
    ({"field": "metadata.glob", "operator": "contains", "value": "B?"}, ["e2"]),
    ({"field": "children_ids", "operator": "contains", "value": "C"}, ["e1"]),
    ({"field": "children_ids", "operator": "exists"}, ["e1"]),
    ({"field": "children_ids", "operator": "not exists"}, ["e3", "e2"]),
    ({"field": "error", "operator": "exists"}, ["e3", "e2"]),
    ({"field": "error", "operator": "contains", "value": ""}, ["e3", "e2"]),
    ({"field": "error", "operator": "is not", "value": "Boom"}, ["e1", "e3"]),
    ({"field": "event_name", "operator": "contains", "value": "äR"}, ["e2"]),
    ({"field": "duration", "operator": "greater than", "value": 1}, ["e1"]),
    ({"field": "duration", "operator": "is not", "value": 1.5}, ["e3", "e2"]),
    ({"field": "end_time", "operator": "after", "value": TIMES[2]}, ["e1"]),
    ({"field": "start_time", "operator": "is", "value": str(TIMES[1])}, ["e3", "e2"]),
    ({"field": "start_time", "operator": "before", "value": "2023-11-14T22:13:22Z"}, ["e3", "e2"]),
]


def _golden_expected_ids(raw: dict[str, Any]) -> list[str]:
    views = [_reference_view(e) for e in GOLDEN_EVENTS]
    found, _ = reference_search(views, parse_filters([raw], strict=True), None, 100, 1)
    return [e["event_id"] for e in found]


@pytest.mark.parametrize(("raw", "expected"), GOLDEN_CASES)
def test_reference_golden_cases(raw: dict[str, Any], expected: list[str]) -> None:
    assert _golden_expected_ids(raw) == expected


async def test_sql_golden_cases(search_backend: Backend) -> None:
    async with search_backend.engine.begin() as conn:
        await conn.execute(events.delete())
        await conn.execute(events.insert(), [_row(e) for e in GOLDEN_EVENTS])
        failures = []
        for raw, expected in GOLDEN_CASES:
            filters = parse_filters([raw], strict=True)
            if not search_backend.supports(filters[0]):
                continue
            where = compile_filters(filters, search_backend.dialect)
            query = sa.select(events.c.event_id).where(where)
            query = query.order_by(*search_order_by(search_backend.dialect))
            got = [row.event_id for row in await conn.execute(query)]
            if got != expected:
                failures.append((raw, expected, got))
    assert failures == []
