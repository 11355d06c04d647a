"""Test databases: a fresh SQLite file or a fresh Postgres database, both migrated."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from app.db.migrate import upgrade

# Admin URL of the local Postgres (trust auth). CI=true makes Postgres mandatory.
POSTGRES_ADMIN_URL = os.environ.get(
    "EVENTS_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def postgres_available() -> str | None:
    """None when Postgres answers, else why not."""
    try:
        conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL), timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"Postgres at {POSTGRES_ADMIN_URL} is unreachable: {exc!r}"
    await conn.close()
    return None


def require_postgres(reason: str | None) -> None:
    """Fail in CI, skip (loudly, with the reason) elsewhere."""
    if reason is None:
        return
    if IN_CI:
        pytest.fail(f"CI requires Postgres: {reason}", pytrace=False)
    pytest.skip(reason)


async def create_postgres_database(prefix: str = "events_test") -> str:
    """A new, empty database; returns its SQLAlchemy URL."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL), timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL), timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def fresh_database(backend: str, folder: Path, prefix: str) -> AsyncIterator[str]:
    """The URL of a new, empty database of ``backend`` ("sqlite": a file in ``folder``;
    "postgres": a database named from ``prefix``, dropped afterwards; Postgres absent skips,
    or fails in CI)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'events.sqlite3'}"
        return
    require_postgres(await postgres_available())
    url = await create_postgres_database(prefix)
    try:
        yield url
    finally:
        await drop_postgres_database(url)


async def migrate(url: str) -> None:
    # Alembic's env runs its own event loop: give it a thread.
    await asyncio.to_thread(upgrade, url)
