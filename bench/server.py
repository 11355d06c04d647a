"""Starting a real server for a benchmark: a free loopback port, SQLite or fresh Postgres."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get(
    "EVENTS_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def database(backend: str, keep: bool = False) -> AsyncIterator[str]:
    """A fresh database URL of the backend, removed afterwards unless ``keep``."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
        return
    name = f"events_bench_{uuid.uuid4().hex[:8]}"
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
    """`events-api serve` in a subprocess; yields its base URL."""
    port = free_port()
    env = {**os.environ, "EVENTS_DATABASE_URL": database_url, **(extra_env or {})}
    script = Path(sys.executable).parent / "events-api"
    process = subprocess.Popen(
        [
            str(script),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as client:
            while True:
                try:
                    if (await client.get(f"{url}/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the server did not start")
                await asyncio.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
