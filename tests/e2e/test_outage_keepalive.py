"""A database outage through a real uvicorn: every request on one keep-alive connection is
answered 503, the connection stays open, and each outage is one log line (no traceback).

The in-process tests (tests/api/test_outage.py) cannot see this: their transport swallows an
exception that the app re-raises after answering, which uvicorn turns into a closed
connection, so a pooled client's next request got no answer at all.
"""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from events_api_launcher import launched_server, server_env
from tests.live_server import ROOT


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_outage_answers_503_on_a_kept_alive_connection(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    env = server_env(
        {
            "EVENTS_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/none",
            "EVENTS_DB_CONNECT_TIMEOUT_S": "2",
        }
    )
    # Waited for on /healthz: a server whose database is down never becomes ready.
    args = ("--no-migrate",)
    with launched_server(env, log, cwd=ROOT, args=args, ready_path="/healthz") as server:
        url = server.url
        peers: set[object] = set()
        with httpx.Client(base_url=url, timeout=10) as http:
            for request in (
                http.build_request("GET", "/v1/events/any"),
                http.build_request("POST", "/v1/events", json={"event_type": "tool", "inputs": {}}),
                http.build_request("POST", "/v1/events/search", json={"filters": []}),
                http.build_request("GET", "/readyz"),
            ):
                response = http.send(request)
                assert response.status_code == 503, (request.url, response.text)
                assert response.headers["retry-after"]
                assert response.headers.get("connection") != "close", response.headers
                stream = response.extensions["network_stream"]
                peers.add(stream.get_extra_info("socket").getsockname())
        assert len(peers) == 1, f"the connection was not kept: {peers}"
    text = log.read_text()
    assert "Exception in ASGI application" not in text and "Traceback" not in text, text
