"""Shared fixtures: each API test runs on a migrated SQLite file AND a migrated Postgres."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.domain.projects import Project
from app.main import create_app
from app.search.query import SearchQuery
from app.settings import Settings
from tests.backends import (
    create_postgres_database,
    drop_postgres_database,
    migrate,
    postgres_available,
    require_postgres,
)
from tests.statement_scope import violation

BACKENDS = ["sqlite", "postgres"]
# Statements that broke the statement-scope rule, since the current test started.
_UNSCOPED: list[str] = []


def _check_scope(
    _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    if _conn.get_execution_options().get("statement_scope") == "exempt":
        return
    problem = violation(statement)
    if problem is not None:
        _UNSCOPED.append(f"{problem}: {statement}")


@pytest.fixture(scope="session", autouse=True)
def _statement_scope_hook() -> Iterator[None]:
    """Every engine of this process (the apps', the migrations') reports each statement
    it sends to the statement-scope rule (tests/statement_scope.py)."""
    event.listen(Engine, "before_cursor_execute", _check_scope)
    yield
    event.remove(Engine, "before_cursor_execute", _check_scope)


@pytest.fixture(autouse=True)
def _statements_are_project_scoped(_statement_scope_hook: None) -> Iterator[None]:
    """Fails the test during which any statement on `events` was not project-scoped."""
    _UNSCOPED.clear()
    yield
    found, _UNSCOPED[:] = list(_UNSCOPED), []
    if found:
        pytest.fail("unscoped statements:\n" + "\n".join(found[:5]), pytrace=False)


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
    services = app.state.services
    async with services.db.transaction(write=False) as conn:
        rows = (await conn.execute(sa.text("SELECT * FROM projects"))).all()
    for row in rows:
        project = Project(
            id=row.id, name=row.name, org_id=row.org_id, workspace_id=row.workspace_id
        )
        await services.deletes.delete_matching(project, SearchQuery())


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgres" if database_url.startswith("postgresql") else "sqlite"
