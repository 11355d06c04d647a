"""Faults during a mixed load: the server is SIGKILLed (nothing acknowledged is lost), and a
private Postgres cluster is stopped with `-m immediate` (clients get 503s in the envelope on
their live connections, never a transport error or a 500; the server recovers by itself)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.backends import (
    IN_CI,
    fresh_database,
)
from tests.reliability.load import MixedLoad
from tests.reliability.private_postgres import PrivatePostgres, missing_reason
from tests.reliability.server import ServerProcess


async def stored_ids(database_url: str, wanted: Iterable[str]) -> set[str]:
    """Which of ``wanted`` event ids the database holds (read directly, not via the server)."""
    ids = list(wanted)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(str(url.database)) as db:
            db.execute("CREATE TEMP TABLE wanted (id TEXT)")
            db.executemany("INSERT INTO wanted VALUES (?)", [(i,) for i in ids])
            rows = db.execute(
                "SELECT event_id FROM events WHERE event_id IN (SELECT id FROM wanted)"
            )
            return {row[0] for row in rows}
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        rows = await conn.fetch("SELECT event_id FROM events WHERE event_id = ANY($1::text[])", ids)
    finally:
        await conn.close()
    return {row["event_id"] for row in rows}


# A small pool: the shared test Postgres also serves other suites.
KILL_ENV = {
    "EVENTS_LOG_LEVEL": "warning",
    "EVENTS_DB_POOL_SIZE": "5",
    "EVENTS_DB_MAX_OVERFLOW": "5",
}


@pytest.fixture(params=["sqlite", "postgres"])
async def kill_target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database(request.param, tmp_path, "events_kill") as url:
        yield url


async def test_sigkill_during_mixed_load_loses_nothing_acknowledged(
    kill_target: str, tmp_path: Path
) -> None:
    server = ServerProcess(kill_target, tmp_path, KILL_ENV)
    await asyncio.to_thread(server.start)
    load = MixedLoad(server.url, workers=8)
    running = asyncio.create_task(load.run())
    await asyncio.sleep(3)
    server.signal(signal.SIGKILL)
    await asyncio.to_thread(server.wait, 10)
    await asyncio.sleep(0.5)
    load.stop()
    result = await running
    acknowledged = set(result.acknowledged)
    assert len(acknowledged) > 50, result.statuses
    assert result.statuses[500] == 0 and not result.bad_errors, result.bad_errors[:3]

    restarted = ServerProcess(kill_target, tmp_path, KILL_ENV)
    with restarted:
        await asyncio.to_thread(restarted.start)
        missing = acknowledged - await stored_ids(kill_target, acknowledged)
        assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged ids lost"
        async with httpx.AsyncClient(base_url=restarted.url, timeout=30) as client:
            for event_id in sorted(acknowledged)[:20]:
                assert (await client.get(f"/v1/events/{event_id}")).status_code == 200
    print(
        f"SIGKILL on {kill_target.split(':')[0]}: {result.requests} requests, "
        f"statuses {dict(result.statuses)}, transport errors {len(result.transport_errors)} "
        f"(after the kill), {len(acknowledged)} acknowledged ids, 0 lost"
    )


@pytest.fixture
def private_postgres() -> PrivatePostgres:  # type: ignore[misc]
    reason = missing_reason()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI requires a private Postgres cluster: {reason}", pytrace=False)
        pytest.skip(reason)
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


async def _first_ok_write(url: str, deadline_s: float) -> float | None:
    """Seconds until a write is answered 200 again, polling every 50 ms."""
    began = time.monotonic()
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        while time.monotonic() - began < deadline_s:
            answer = await client.post("/v1/events", json={"event_type": "tool", "inputs": {}})
            if answer.status_code == 200:
                return time.monotonic() - began
            await asyncio.sleep(0.05)
    return None


async def test_postgres_crash_mid_load(private_postgres: PrivatePostgres, tmp_path: Path) -> None:
    env = {
        "EVENTS_LOG_LEVEL": "warning",
        "EVENTS_DB_CONNECT_TIMEOUT_S": "2",
        "EVENTS_RETRY_AFTER_S": "1",
    }
    with ServerProcess(private_postgres.url, tmp_path, env) as server:
        await asyncio.to_thread(server.start)
        load = MixedLoad(server.url, workers=8)
        running = asyncio.create_task(load.run())
        await asyncio.sleep(2)
        before_crash = sum(load.result.statuses.values())
        await asyncio.to_thread(private_postgres.stop, "immediate")
        crashed_at = time.monotonic()
        await asyncio.sleep(3)
        during = dict(load.result.statuses)
        await asyncio.to_thread(private_postgres.start)
        restarted_at = time.monotonic()
        recovery = await _first_ok_write(server.url, 60)
        await asyncio.sleep(1)
        load.stop()
        result = await running
        log = server.log.read_text()

    assert recovery is not None, f"the server did not recover:\n{log[-3000:]}"
    assert not result.transport_errors, result.transport_errors[:5]
    assert not result.bad_errors, result.bad_errors[:5]
    assert result.statuses[500] == 0
    assert result.statuses[503] > 0, result.statuses
    assert result.error_codes["SERVICE_UNAVAILABLE"] > 0, result.error_codes
    assert before_crash > 0 and result.last_ok_at is not None and result.last_ok_at > restarted_at

    acknowledged = set(result.acknowledged)
    missing = acknowledged - await stored_ids(private_postgres.url, acknowledged)
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged ids lost"
    first_503 = (result.first_503_at or crashed_at) - crashed_at
    print(
        f"Postgres crash: {result.requests} requests, statuses {dict(result.statuses)}, "
        f"error codes {dict(result.error_codes)}, transport errors 0, "
        f"statuses at +3 s {during}, first 503 {first_503:.2f} s after the stop, "
        f"first 200 write {recovery:.2f} s after the restart, "
        f"{len(acknowledged)} acknowledged ids, 0 lost (pid {os.getpid()})"
    )
