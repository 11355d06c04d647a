"""Starting a real server for a benchmark: a free loopback port, SQLite or fresh Postgres."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from events_api_launcher import RunningServer, server_env, start_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get(
    "EVENTS_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def database(
    backend: str, keep: bool = False, prefix: str = "events_bench"
) -> AsyncIterator[str]:
    """A fresh database URL of the backend (Postgres: named ``<prefix>_<random>``), removed
    afterwards unless ``keep``."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_dsn(POSTGRES_ADMIN_URL))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
    finally:
        if not keep:
            admin = await asyncpg.connect(_dsn(POSTGRES_ADMIN_URL))
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


@contextlib.asynccontextmanager
async def running_server(
    database_url: str, extra_env: dict[str, str] | None = None
) -> AsyncIterator[str]:
    """`events-api serve` in a subprocess (the project's one launcher); yields its base URL."""
    async with running_server_process(database_url, extra_env) as server:
        yield server.url


@contextlib.asynccontextmanager
async def running_server_process(
    database_url: str, extra_env: dict[str, str] | None = None
) -> AsyncIterator[RunningServer]:
    """As :func:`running_server`, yielding the server (URL, port, process) itself."""
    env = server_env({"EVENTS_DATABASE_URL": database_url, **(extra_env or {})})
    with tempfile.TemporaryDirectory() as folder:
        server = await asyncio.to_thread(
            start_server,
            env,
            Path(folder) / "server.log",
            cwd=ROOT,
            args=("--log-level", "warning"),
        )
        try:
            yield server
        finally:
            await asyncio.to_thread(stop_server, server.process, 30)
