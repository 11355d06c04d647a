"""On Postgres, the common search shapes use an index, never a sequential scan of events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa

from app.db.dialect import Dialect
from app.db.engine import Database
from app.domain.projects import project_for_name
from app.repository.events import EventRepository
from app.schemas.search import SearchBody
from app.settings import Settings
from tests.backends import (
    create_postgres_database,
    drop_postgres_database,
    migrate,
    postgres_available,
    require_postgres,
)

PROJECT = project_for_name("default").id
ROWS = 30_000

SEED = """
INSERT INTO events (project_id, event_id, session_id, parent_id, event_type, event_name, source,
    inputs, outputs, metadata, feedback, start_time)
SELECT $1::text, md5(i::text || $1::text), md5((i / 20)::text), NULL,
    (ARRAY['model', 'tool', 'chain', 'session'])[1 + i % 4], 'step-' || (i % 50), 'test',
    jsonb_build_object(
        'query', 'question ' || i || CASE WHEN i % 1000 = 7 THEN ' zebra' ELSE '' END),
    jsonb_build_object('content', 'answer ' || i),
    jsonb_build_object(
        'cost', (i % 1000) / 1000.0, 'env', CASE WHEN i % 3 = 0 THEN 'prod' ELSE 'dev' END),
    jsonb_build_object('rating', i % 100),
    1700000000000 + i * 1000
FROM generate_series(1, $2::int) AS i
"""

SHAPES: dict[str, list[dict[str, Any]]] = {
    "no filter": [],
    "top-level column": [{"field": "event_type", "operator": "is", "value": "model"}],
    "session": [{"field": "session_id", "operator": "is", "value": "abc"}],
    "metadata equality (@>)": [{"field": "metadata.env", "operator": "is", "value": "prod"}],
    "numeric metadata range": [
        {"field": "metadata.cost", "operator": "greater than", "value": "0.99", "type": "number"}
    ],
    "numeric feedback range": [
        {"field": "feedback.rating", "operator": "greater than", "value": 98, "type": "number"}
    ],
    "contains in inputs": [
        {"field": "inputs.query", "operator": "contains", "value": "zebra", "type": "string"}
    ],
}


@pytest.fixture(scope="module")
async def db() -> AsyncIterator[Database]:
    require_postgres(await postgres_available())
    url = await create_postgres_database("events_explain")
    database = Database(Settings(database_url=url))
    try:
        await migrate(url)
        dsn = url.replace("postgresql+asyncpg", "postgresql")
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(SEED, PROJECT, ROWS)
            await conn.execute(SEED, project_for_name("other").id, ROWS // 10)
            await conn.execute("VACUUM ANALYZE events")
        finally:
            await conn.close()
        yield database
    finally:
        await database.dispose()
        await drop_postgres_database(url)


async def explain(database: Database, query: sa.Select[Any]) -> str:
    compiled = query.compile(dialect=database.engine.dialect)
    params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    async with database.engine.connect() as conn:
        result = await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), params)
        plan = result.scalar_one()
    return json.dumps(plan if not isinstance(plan, str) else json.loads(plan))


@pytest.mark.parametrize("shape", sorted(SHAPES))
async def test_search_shapes_use_an_index(db: Database, shape: str) -> None:
    search = SearchBody(filters=SHAPES[shape], limit=100).to_query()
    for page in (1, 6):
        query = EventRepository.page_query(
            PROJECT, search, Dialect.POSTGRES, limit=100, offset=(page - 1) * 100
        )
        plan = await explain(db, query)
        assert '"Seq Scan"' not in plan, (shape, page, plan)
        assert "Index" in plan, (shape, page, plan)
    count_plan = await explain(db, EventRepository.count_query(PROJECT, search, Dialect.POSTGRES))
    assert '"Seq Scan"' not in count_plan, (shape, count_plan)
    assert "Index" in count_plan, (shape, count_plan)


async def test_event_name_contains_reads_the_listed_names_from_an_index(db: Database) -> None:
    """With the project's names that contain the needle listed first (as the repository does
    on Postgres), the page and the count read the name index, not every event."""
    raw = [{"field": "event_name", "operator": "contains", "value": "step-17"}]
    search = SearchBody(filters=raw, limit=100).to_query()
    async with db.transaction(write=False) as conn:
        listed = await EventRepository(conn).listed_names(PROJECT, search)
    assert listed == {"step-17": ["step-17"]}
    count = await explain(
        db, EventRepository.count_query(PROJECT, search, Dialect.POSTGRES, listed)
    )
    assert '"Seq Scan"' not in count and "project_id_event_name" in count, count
