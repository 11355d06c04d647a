"""The bounded text index of `contains` (migration 0005): exact results on both backends,
including matches beyond the indexed prefix, with the index on and off (Postgres), the
`events-api text-index` command, and the migration's upgrade and downgrade."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from alembic import command

from app.db.engine import Database
from app.db.migrate import alembic_config
from app.domain.projects import project_for_name
from app.repository.search_sql import TEXT_INDEX_PREFIX, text_index_prefilter
from app.repository.text_index import TEXT_INDEXES
from app.services.text_index import TextIndexService
from app.settings import Settings
from tests.apps import client_for, running_app
from tests.backends import (
    create_postgres_database,
    drop_postgres_database,
    migrate,
    postgres_available,
    require_postgres,
)
from tests.cli.conftest import clean_env, events_api_script

PAD = "lorem ipsum dolor " * (TEXT_INDEX_PREFIX // 9)  # twice the prefix
BASE_MS = 1_700_000_000_000

# name -> (inputs, outputs): where "Zebra" sits relative to the indexed prefix.
EVENTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "short": ({"query": "a zebra here"}, {"content": "ok"}),
    "beyond-prefix": ({"context": PAD, "query": "a ZEBRA at the end"}, {"content": "ok"}),
    "straddling": (
        {"query": "x" * (TEXT_INDEX_PREFIX - 14) + "zebra crossing"},
        {"content": "ok"},
    ),
    "outputs-beyond": ({"context": PAD}, {"content": "late zebra"}),
    "long-no-match": ({"context": PAD, "query": "horse"}, {"content": PAD}),
    "key-not-value": ({"zebra": "horse"}, {"content": "ok"}),
    "short-no-match": ({"query": "horse"}, None),
}

# (field, needle) -> names of the events that match.
SEARCHES: dict[tuple[str, str], set[str]] = {
    ("inputs.query", "zebra"): {"short", "beyond-prefix", "straddling"},
    ("inputs.query", "ZEBRA AT"): {"beyond-prefix"},
    ("outputs.content", "zebra"): {"outputs-beyond"},
    ("inputs.context", "ipsum"): {"beyond-prefix", "outputs-beyond", "long-no-match"},
    ("inputs.zebra", "hors"): {"key-not-value"},
}


async def seed(url: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    async with running_app(url) as app, client_for(app) as client:
        for i, (name, (inputs, outputs)) in enumerate(EVENTS.items()):
            body: dict[str, Any] = {
                "event_type": "tool",
                "inputs": inputs,
                "start_time": BASE_MS + i,
            }
            if outputs is not None:
                body["outputs"] = outputs
            answer = await client.post("/v1/events", json=body)
            assert answer.status_code == 200, answer.text
            ids[answer.json()["event_id"]] = name
    return ids


async def found(url: str, ids: dict[str, str]) -> dict[tuple[str, str], set[str]]:
    results: dict[tuple[str, str], set[str]] = {}
    async with running_app(url) as app, client_for(app) as client:
        for field, needle in SEARCHES:
            body = {"filters": [{"field": field, "operator": "contains", "value": needle}]}
            answer = (await client.post("/v1/events/search", json=body)).json()
            names = {ids[event["event_id"]] for event in answer["events"]}
            assert answer["totalEvents"] == len(names)
            results[(field, needle)] = names
    return results


@pytest.fixture(params=["sqlite", "postgres"])
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'events.sqlite3'}"
        await migrate(sqlite_url)
        yield sqlite_url
        return
    require_postgres(await postgres_available())
    pg_url = await create_postgres_database("events_textindex")
    try:
        await migrate(pg_url)
        yield pg_url
    finally:
        await drop_postgres_database(pg_url)


async def test_contains_is_exact_beyond_the_prefix_with_the_index_on_and_off(url: str) -> None:
    ids = await seed(url)
    assert await found(url, ids) == SEARCHES
    database = Database(Settings(database_url=url))
    try:
        service = TextIndexService(database)
        off = await service.turn_off()
        assert off.state == ("not applicable" if database.is_sqlite else "off")
        assert await found(url, ids) == SEARCHES
        on = await service.turn_on()
        assert on.state == ("not applicable" if database.is_sqlite else "on")
        assert await found(url, ids) == SEARCHES
    finally:
        await database.dispose()


def run_cli(url: str, *args: str) -> tuple[int, dict[str, Any], str]:
    done = subprocess.run(
        [events_api_script(), "text-index", *args, "--database-url", url],
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(),
    )
    printed = json.loads(done.stdout) if done.stdout.strip() else {}
    return done.returncode, printed, done.stderr


async def test_the_text_index_command(url: str) -> None:
    code, printed, stderr = await asyncio.to_thread(run_cli, url, "status")
    assert code == 0, stderr
    if url.startswith("sqlite"):
        assert printed["state"] == "not applicable" and "SQLite" in printed["note"]
        for action in ("on", "off"):
            code, printed, stderr = await asyncio.to_thread(run_cli, url, action)
            assert code == 0 and printed["state"] == "not applicable", stderr
    else:
        assert printed["state"] == "on" and printed["partitions_missing"] == 0
        code, printed, stderr = await asyncio.to_thread(run_cli, url, "off")
        assert code == 0 and printed["state"] == "off", stderr
        assert (await asyncio.to_thread(run_cli, url, "status"))[1]["state"] == "off"
        code, printed, stderr = await asyncio.to_thread(run_cli, url, "on")
        assert code == 0 and printed["state"] == "on", stderr
        assert "building ix_events_text_trgm on events_default" in stderr
    code, printed, stderr = await asyncio.to_thread(run_cli, url, "sideways")
    assert code == 2 and "expected on, off or status" in stderr


async def partition_index_names(conn: asyncpg.Connection, parent: str) -> set[str]:
    rows = await conn.fetch(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass($1)",
        parent,
    )
    return {str(r["relname"]) for r in rows}


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    require_postgres(await postgres_available())
    created = await create_postgres_database("events_textindex")
    try:
        await migrate(created)
        yield created
    finally:
        await drop_postgres_database(created)


async def test_rebuilt_index_covers_new_partitions_and_serves_contains(pg_url: str) -> None:
    """`on` builds each partition's index and attaches it; a partition created afterwards
    gets its own from the parent; the contains search plans through the trigram index."""
    database = Database(Settings(database_url=pg_url))
    conn = await asyncpg.connect(pg_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(
            "CREATE TABLE events_p20231114 PARTITION OF events "
            f"FOR VALUES FROM ({BASE_MS - 86_400_000}) TO ({BASE_MS + 86_400_000})"
        )
        service = TextIndexService(database)
        assert (await service.turn_off()).state == "off"
        status = await service.turn_on()
        assert (status.state, status.partitions, status.partitions_missing) == ("on", 2, 0)
        await conn.execute(
            "CREATE TABLE events_p20231116 PARTITION OF events "
            f"FOR VALUES FROM ({BASE_MS + 86_400_000}) TO ({BASE_MS + 2 * 86_400_000})"
        )
        assert (await service.status()).state == "on"
        for index in TEXT_INDEXES:
            assert len(await partition_index_names(conn, index)) == 3
        await conn.execute(
            "INSERT INTO events (project_id, event_id, session_id, event_type, event_name, "
            "source, inputs, outputs, start_time) SELECT $1, 'e-' || i, 's', 'tool', 'n', 'x', "
            "jsonb_build_object('query', 'question ' || i), '{}', $2::bigint + i % 3 * 86400000 "
            "FROM generate_series(1, 5000) AS i",
            project_for_name("default").id,
            BASE_MS - 86_400_000,
        )
        await conn.execute("ANALYZE events")
        await conn.execute("SET enable_seqscan = off")  # small partitions: ask for an index
        # The compiler's pre-filter alone (the project_id indexes would do on tiny tables):
        # its expressions must be the indexes' own for the planner to use them.
        query = sa.select(sa.func.count()).where(text_index_prefilter("zebra"))
        compiled = query.compile(dialect=database.engine.dialect)
        params = [compiled.params[name] for name in compiled.positiontup or ()]
        plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + str(compiled), *params))
        trigram = await partition_index_names(conn, "ix_events_text_trgm")
        long_rows = await partition_index_names(conn, "ix_events_text_long")
        assert any(name in plan for name in trigram), plan
        assert any(name in plan for name in long_rows), plan
    finally:
        await conn.close()
        await database.dispose()


async def test_migration_0005_up_and_down(pg_url: str) -> None:
    conn = await asyncpg.connect(pg_url.replace("postgresql+asyncpg", "postgresql"))

    async def parent_indexes() -> set[str]:
        rows = await conn.fetch(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'events' "
            "AND indexname LIKE '%trgm' OR indexname = 'ix_events_text_long'"
        )
        return {str(r["indexname"]) for r in rows}

    try:
        assert await parent_indexes() == {"ix_events_text_trgm", "ix_events_text_long"}
        await asyncio.to_thread(command.downgrade, alembic_config(pg_url), "0004")
        assert await parent_indexes() == {"ix_events_inputs_trgm", "ix_events_outputs_trgm"}
        assert len(await partition_index_names(conn, "ix_events_inputs_trgm")) == 1
        await asyncio.to_thread(command.upgrade, alembic_config(pg_url), "head")
        assert await parent_indexes() == {"ix_events_text_trgm", "ix_events_text_long"}
        assert len(await partition_index_names(conn, "ix_events_text_trgm")) == 1
    finally:
        await conn.close()
