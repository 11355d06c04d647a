"""A database outage through a real uvicorn: every request on one keep-alive connection is
answered 503, the connection stays open, and each outage is one log line (no traceback).

The in-process tests (tests/api/test_outage.py) cannot see this: their transport swallows an
exception that the app re-raises after answering, which uvicorn turns into a closed
connection, so a pooled client's next request got no answer at all.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx

from events_api_launcher import free_port, server_command, server_env, stop_server
from tests.live_server import ROOT


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_outage_answers_503_on_a_kept_alive_connection(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    env = server_env(
        {
            "EVENTS_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/none",
            "EVENTS_DB_CONNECT_TIMEOUT_S": "2",
        }
    )
    # Not the launcher's start_server: it waits for /readyz, which a down database never passes.
    argv = [*server_command(), "serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)

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
    finally:
        stop_server(process)
    text = log.read_text()
    assert "Exception in ASGI application" not in text and "Traceback" not in text, text
