"""Every error answer leaves the keep-alive connection usable: the next request on the SAME
TCP connection is answered (or the answer said `Connection: close`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.db.migrate import upgrade
from tests.live_server import free_port
from tests.reliability.conftest import OneConnection, assert_envelope
from tests.reliability.server import ServerProcess

EVENT = b'{"event_type": "tool", "inputs": {"q": 1}}'
JSON = {"Content-Type": "application/json"}


def _same_connection_through(conn: OneConnection, answers: list[int]) -> None:
    assert conn.local_port == conn.first_port, "the server dropped the connection"
    assert answers, "no requests were made"


def test_database_outage_503_keeps_the_connection(tmp_path: Path) -> None:
    """A Postgres that cannot be reached: every request that needs it is a 503 from the
    exception path, and the connection carries the next request."""
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none"
    env = {"EVENTS_DB_CONNECT_TIMEOUT_S": "1"}
    with ServerProcess(url, tmp_path, env, migrate=False).start("/healthz") as server:
        conn = OneConnection(server.url)
        statuses = []
        for _ in range(3):
            answer = conn.request("POST", "/v1/events", EVENT, JSON)
            body = assert_envelope(answer, 503, "SERVICE_UNAVAILABLE")
            assert answer.headers["retry-after"] == "5", body
            assert answer.headers.get("connection") != "close"
            statuses.append(answer.status)
            read = conn.request("GET", "/v1/events/some-id")
            assert_envelope(read, 503, "SERVICE_UNAVAILABLE")
            statuses.append(read.status)
            health = conn.request("GET", "/healthz")
            assert health.status == 200
            statuses.append(health.status)
        _same_connection_through(conn, statuses)
        conn.close()


def test_internal_error_500_keeps_the_connection(tmp_path: Path) -> None:
    """A database whose events table has the wrong shape (served with --no-migrate) makes
    every write a genuine 500 from the exception path; the connection still carries the
    next request."""
    path = tmp_path / "broken.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE events")
        db.execute("CREATE TABLE events (unexpected TEXT)")
    with ServerProcess(url, tmp_path, migrate=False).start("/healthz") as server:
        conn = OneConnection(server.url)
        statuses = []
        for _ in range(3):
            answer = conn.request("POST", "/v1/events", EVENT, JSON)
            assert_envelope(answer, 500, "INTERNAL_ERROR")
            assert answer.headers.get("connection") != "close"
            statuses.append(answer.status)
            assert conn.request("GET", "/healthz").status == 200
        _same_connection_through(conn, statuses)
        conn.close()


def test_errors_before_the_body_is_read_keep_the_connection(tmp_path: Path) -> None:
    """401 (keys auth, body never read, also a body over the size limit), 400 and
    404 answers, each followed by a request on the same connection."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'events.sqlite3'}"
    env = {"EVENTS_AUTH": "keys", "EVENTS_MAX_BODY_BYTES": "2048"}
    with ServerProcess(url, tmp_path, env).start() as server:
        conn = OneConnection(server.url)
        statuses = []
        big = b'{"event_type": "tool", "inputs": {"x": "' + b"a" * 5000 + b'"}}'
        for method, path, body, status in (
            ("POST", "/v1/events", EVENT, 401),
            ("POST", "/v1/events", big, 401),
            ("GET", "/v1/events/%00", None, 400),
            ("GET", "/no/such/route", None, 404),
            ("POST", "/v1/events", b"{not json", 401),
        ):
            answer = conn.request(method, path, body, JSON)
            assert_envelope(answer, status)
            statuses.append(answer.status)
            assert conn.request("GET", "/healthz").status == 200
        _same_connection_through(conn, statuses)
        conn.close()
