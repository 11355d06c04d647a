"""Nothing acknowledged is lost under group commit: a real server takes a concurrent load of
single creates (32 clients, so that writes share commits), is SIGKILLed in the middle of it,
and after a restart every event it answered 200 for is stored, on both backends.

SQLite runs in WAL mode with synchronous=NORMAL (app/db/engine.py): a commit has written
its WAL frames to the file before it returns, so a killed process loses nothing it
acknowledged (only an operating-system crash or power loss could drop the last commits,
which this test does not cover)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.backends import (
    fresh_database,
)
from tests.reliability.server import ServerProcess
from tests.reliability.test_faults import stored_ids

CLIENTS = 32
# Kill once this many creates were acknowledged (or after KILL_AFTER_S, whichever is first).
ACKNOWLEDGED_BEFORE_KILL = 300
KILL_AFTER_S = 15.0
ENV = {
    "EVENTS_LOG_LEVEL": "warning",
    "EVENTS_DB_POOL_SIZE": "4",
    "EVENTS_DB_MAX_OVERFLOW": "4",
    # A short window makes groups of several writes certain even on a fast disk.
    "EVENTS_GROUP_COMMIT_WINDOW_MS": "5",
}


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database(request.param, tmp_path, "events_durability") as url:
        yield url


class CreateLoad:
    """Single creates with client-chosen ids from concurrent keep-alive clients."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.acknowledged: set[str] = set()
        self.statuses: dict[int, int] = {}
        self.stopped = asyncio.Event()
        self.enough = asyncio.Event()  # ACKNOWLEDGED_BEFORE_KILL reached

    async def client(self, http: httpx.AsyncClient, n: int) -> None:
        while not self.stopped.is_set():
            event_id = str(uuid.uuid4())
            body = {"event_id": event_id, "event_type": "tool", "inputs": {"client": n}}
            try:
                answer = await http.post("/v1/events", json=body)
            except httpx.TransportError:
                await asyncio.sleep(0.05)  # the server is gone: nothing to acknowledge
                continue
            self.statuses[answer.status_code] = self.statuses.get(answer.status_code, 0) + 1
            if answer.status_code == 200:
                assert answer.json()["event_id"] == event_id
                self.acknowledged.add(event_id)
                if len(self.acknowledged) >= ACKNOWLEDGED_BEFORE_KILL:
                    self.enough.set()

    async def run(self) -> None:
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        async with httpx.AsyncClient(base_url=self.url, timeout=30, limits=limits) as http:
            await asyncio.gather(*(self.client(http, n) for n in range(CLIENTS)))


def metric(exposition: str, name: str) -> float:
    found = re.search(rf"^{name} (\S+)$", exposition, re.MULTILINE)
    assert found is not None, name
    return float(found.group(1))


async def test_sigkill_during_a_group_commit_load_loses_no_acknowledged_create(
    database: str, tmp_path: Path
) -> None:
    server = ServerProcess(database, tmp_path, ENV)
    await asyncio.to_thread(server.start)
    try:
        load = CreateLoad(server.url)
        running = asyncio.create_task(load.run())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(load.enough.wait(), KILL_AFTER_S)
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            exposition = (await http.get("/metrics")).text
        server.signal(signal.SIGKILL)
        await asyncio.to_thread(server.wait, 10)
        load.stopped.set()
        await running
    finally:
        server.stop()

    acknowledged = set(load.acknowledged)
    assert len(acknowledged) >= 20, load.statuses
    assert set(load.statuses) == {200}, load.statuses
    groups = metric(exposition, "events_api_group_commit_size_count")
    grouped = metric(exposition, "events_api_group_commit_size_sum")
    assert grouped > groups > 0, (grouped, groups)  # writes did share commits

    with ServerProcess(database, tmp_path, ENV) as restarted:
        await asyncio.to_thread(restarted.start)
        missing = acknowledged - await stored_ids(database, acknowledged)
        assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged creates lost"
        async with httpx.AsyncClient(base_url=restarted.url, timeout=30) as http:
            for event_id in sorted(acknowledged)[:10]:
                assert (await http.get(f"/v1/events/{event_id}")).status_code == 200
    print(
        f"SIGKILL during group commit ({database.split(':')[0]}): {len(acknowledged)} creates "
        f"acknowledged, {grouped / groups:.1f} writes per commit before the kill, 0 lost"
    )
