"""Fixtures of the reliability tests: real `events-api serve` processes on loopback ports."""

from __future__ import annotations

import asyncio
import http.client
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.backends import (
    create_postgres_database,
    drop_postgres_database,
    postgres_available,
    require_postgres,
)
from tests.reliability.server import ServerProcess

ENVELOPE_KEYS = {"statusCode", "message", "success", "errorCode"}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class OneConnection:
    """Requests over ONE keep-alive TCP connection (http.client); ``request`` fails when the
    server dropped the connection, and ``local_port`` tells which connection is in use."""

    def __init__(self, url: str, timeout_s: float = 30) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=timeout_s)
        self.conn.connect()
        self.first_port = self.local_port

    @property
    def local_port(self) -> int | None:
        sock = self.conn.sock
        return None if sock is None else int(sock.getsockname()[1])

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        assert self.conn.sock is not None, "the previous answer closed the connection"
        self.conn.request(method, path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        data = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)

    def close(self) -> None:
        self.conn.close()


def assert_envelope(answer: Answer, status: int, code: str | None = None) -> dict[str, Any]:
    assert answer.status == status, (answer.status, answer.body[:500])
    body = answer.json()
    assert set(body) >= ENVELOPE_KEYS, body
    assert body["statusCode"] == status and body["success"] is False
    if code is not None:
        assert body["errorCode"] == code, body
    return body


# Settings of the shared servers: short client deadlines so that the slow-client tests
# finish quickly, and an admission limit that the admission test can fill.
SHARED_ENV = {
    "EVENTS_MAX_IN_FLIGHT": "32",
    "EVENTS_HEADER_TIMEOUT_S": "2",
    "EVENTS_BODY_TIMEOUT_S": "2",
    "EVENTS_LOG_LEVEL": "warning",
    # The shared Postgres serves other suites too: keep this server's share of it small.
    "EVENTS_DB_POOL_SIZE": "5",
    "EVENTS_DB_MAX_OVERFLOW": "10",
}


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def shared_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ServerProcess]:
    """One live server per backend for the tests of this folder (starting one is slow)."""
    log_dir = tmp_path_factory.mktemp(f"server-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{log_dir / 'events.sqlite3'}"
        with ServerProcess(url, log_dir, SHARED_ENV) as server:
            await asyncio.to_thread(server.start)
            yield server
        return
    require_postgres(await postgres_available())
    url = await create_postgres_database("events_reliability")
    try:
        with ServerProcess(url, log_dir, SHARED_ENV) as server:
            await asyncio.to_thread(server.start)
            yield server
    finally:
        await drop_postgres_database(url)


@pytest.fixture
def backend_name(shared_server: ServerProcess) -> str:
    return "postgres" if shared_server.database_url.startswith("postgresql") else "sqlite"
