"""SIGTERM drains: the server stops accepting connections, closes idle ones, lets the request
in flight finish (answered with `Connection: close`), then exits."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
import uuid
from pathlib import Path

from tests.reliability.conftest import OneConnection
from tests.reliability.rawhttp import connect, event_body, is_closed, post_head, read_answer
from tests.reliability.server import ServerProcess


def test_sigterm_finishes_the_request_in_flight_then_exits(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite3"
    env = {"EVENTS_SHUTDOWN_TIMEOUT_S": "20", "EVENTS_BODY_TIMEOUT_S": "30"}
    with ServerProcess(f"sqlite+aiosqlite:///{path}", tmp_path, env).start() as server:
        idle = OneConnection(server.url)
        assert idle.request("GET", "/healthz").status == 200

        event_id = str(uuid.uuid4())
        body = event_body(event_id=event_id)
        in_flight = connect(server.url)
        in_flight.sendall(post_head("/v1/events", len(body)) + body[:10])
        time.sleep(0.5)  # the request is in the app, waiting for the rest of its body

        server.signal(signal.SIGTERM)
        refused = False
        for _ in range(50):  # the listening socket closes at once
            try:
                connect(server.url, timeout_s=1).close()
            except OSError:
                refused = True
                break
            time.sleep(0.1)
        assert refused, "the server still accepts connections after SIGTERM"
        assert is_closed(idle.conn.sock), "the idle keep-alive connection stayed open"  # type: ignore[arg-type]

        in_flight.sendall(body[10:])
        answer = read_answer(in_flight)
        assert answer.status == 200, answer.body
        assert json.loads(answer.body)["event_id"] == event_id
        assert answer.headers.get("connection") == "close"
        # uvicorn re-raises the signal once drained: the process ends by SIGTERM, cleanly.
        assert server.wait(timeout_s=30) in (0, -signal.SIGTERM)
        assert "Finished server process" in server.log.read_text()

    with sqlite3.connect(path) as db:
        stored = db.execute("SELECT count(*) FROM events WHERE event_id = ?", (event_id,))
        assert stored.fetchone() == (1,)
