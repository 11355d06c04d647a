"""Shared fixtures: each API test runs on a migrated SQLite file AND a migrated Postgres."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from tests.backends import (
    create_postgres_database,
    drop_postgres_database,
    migrate,
    postgres_available,
    require_postgres,
)

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A migrated database of each backend, shared by the tests of a session."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "events.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        await migrate(url)
        yield url
        return
    require_postgres(await postgres_available())
    url = await create_postgres_database()
    try:
        await migrate(url)
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture(scope="session")
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(Settings(database_url=database_url))
    yield application
    await application.state.services.db.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", timeout=30
    ) as http:
        yield http


@pytest.fixture
async def clean_events(app: FastAPI) -> None:
    """Start the test with no events stored (for tests that count)."""
    db = app.state.services.db
    async with db.transaction(write=True) as conn:
        await conn.execute(sa.text("DELETE FROM events"))


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgres" if database_url.startswith("postgresql") else "sqlite"
