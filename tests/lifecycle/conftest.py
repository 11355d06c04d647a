"""A fresh, migrated database per test (retention deletes across all projects, so these
tests do not share the session's database)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.backends import (
    create_postgres_database,
    drop_postgres_database,
    migrate,
    postgres_available,
    require_postgres,
)


@pytest.fixture(params=["sqlite", "postgres"])
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'events.sqlite3'}"
        await migrate(url)
        yield url
        return
    require_postgres(await postgres_available())
    url = await create_postgres_database("events_lifecycle")
    try:
        await migrate(url)
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture
async def fresh_postgres_url() -> AsyncIterator[str]:
    require_postgres(await postgres_available())
    url = await create_postgres_database("events_partitions")
    try:
        await migrate(url)
        yield url
    finally:
        await drop_postgres_database(url)
