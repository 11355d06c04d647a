"""tasks.py hands the process over to the command: a signal to its PID reaches the server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.live_server import free_port
from tests.standalone.conftest import ROOT, base_python, tasks_env

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals by PID: POSIX only")


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_to_the_tasks_py_pid_stops_the_server(tmp_path: Path) -> None:
    port = free_port()
    url = f"sqlite+aiosqlite:///{tmp_path / 'events.sqlite3'}"
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [base_python(), "tasks.py", "serve", "--port", str(port), "--database-url", url],
            cwd=ROOT,
            env=tasks_env(),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while not _port_open(port):
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
            # The PID that tasks.py started with is now the server itself (exec), so a
            # process manager that stops it by PID stops the server.
            cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
            assert any(part.endswith(b"events-api") for part in cmdline), cmdline

            os.kill(process.pid, signal.SIGTERM)
            assert process.wait(timeout=30) is not None
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert not _port_open(port), "the server outlived the PID it was started as"
    assert not Path(f"/proc/{process.pid}").exists()
    assert "Shutting down" in log.read_text() or "Finished server process" in log.read_text()


def test_events_api_commands_pass_through() -> None:
    result = subprocess.run(
        [base_python(), "tasks.py", "events-api", "keys", "--help"],
        cwd=ROOT,
        env=tasks_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "create" in result.stdout and "revoke" in result.stdout
