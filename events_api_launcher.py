"""Start a real ``events-api serve`` process on a free loopback port and stop it again.

The one launcher of the project: the pytest plugin (``events_api_pytest``), the test suite
(``tests/live_server.py``) and the benchmarks (``bench/server.py``) all start servers here.
Like the plugin, it never imports the server's ``app`` package: it runs the command.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["RunningServer", "free_port", "launched_server", "server_command", "stop_server"]

STARTUP_TIMEOUT_S = 120.0
START_ATTEMPTS = 3


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command() -> list[str]:
    """``events-api`` from the interpreter's own environment (else the same through -c)."""
    scripts = Path(sys.executable).parent
    for name in ("events-api", "events-api.exe"):
        if (scripts / name).is_file():
            return [str(scripts / name)]
    return [sys.executable, "-c", "from app.cli.main import main; main()"]


@dataclass(frozen=True, slots=True)
class RunningServer:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path


def _wait_ready(
    url: str, process: subprocess.Popen[bytes], log: Path, ready_path: str = "/readyz"
) -> bool:
    """True once ``ready_path`` answers 200; False if the process exited first."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(f"{url}{ready_path}", timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"events-api did not become ready in time; log:\n{log.read_text()}")


def stop_server(process: subprocess.Popen[bytes], timeout_s: float = 20) -> None:
    """SIGTERM, then SIGKILL if it has not exited within ``timeout_s``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout_s)


def start_server(
    env: Mapping[str, str],
    log: Path,
    *,
    cwd: Path | None = None,
    args: tuple[str, ...] = (),
    ready_path: str = "/readyz",
) -> RunningServer:
    """Start ``events-api serve`` with exactly ``env`` and wait until ``ready_path`` answers
    200 (``/healthz`` for a server whose database is down or not migrated, which never
    becomes ready); a port taken between choosing and binding it is retried on another port."""
    for _ in range(START_ATTEMPTS):
        port = free_port()
        command = [*server_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *args]
        with log.open("ab") as sink:
            process = subprocess.Popen(
                command, cwd=cwd, env=dict(env), stdout=sink, stderr=subprocess.STDOUT
            )
        url = f"http://127.0.0.1:{port}"
        try:
            if _wait_ready(url, process, log, ready_path):
                return RunningServer(url=url, port=port, process=process, log=log)
        except BaseException:
            stop_server(process)
            raise
        stop_server(process)
    raise RuntimeError(f"events-api could not start; log:\n{log.read_text()}")


@contextmanager
def launched_server(
    env: Mapping[str, str],
    log: Path,
    *,
    cwd: Path | None = None,
    args: tuple[str, ...] = (),
    ready_path: str = "/readyz",
) -> Iterator[RunningServer]:
    """:func:`start_server` for the duration of a ``with`` block."""
    server = start_server(env, log, cwd=cwd, args=args, ready_path=ready_path)
    try:
        yield server
    finally:
        stop_server(server.process)


def server_env(overrides: Mapping[str, str], *, keep_events_vars: bool = True) -> dict[str, str]:
    """This process's environment with ``overrides``; without ``keep_events_vars`` every
    inherited EVENTS_* variable (and PYTHONPATH) is dropped first."""
    if keep_events_vars:
        base = dict(os.environ)
    else:
        base = {
            k: v for k, v in os.environ.items() if not k.startswith("EVENTS_") and k != "PYTHONPATH"
        }
    return {**base, **overrides}
