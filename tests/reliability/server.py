"""A real `events-api serve` process that the reliability tests can stop, kill and restart,
and wait for on /healthz when its database is down (built on events_api_launcher's parts)."""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from events_api_launcher import free_port, server_command, server_env, stop_server
from tests.live_server import ROOT


@dataclass
class ServerProcess:
    """One server on a loopback port; ``start`` waits until ``ready_path`` answers 200."""

    database_url: str
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    migrate: bool = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.log_dir / f"server-{self.port}.log"

    def start(self, ready_path: str = "/readyz", timeout_s: float = 60) -> ServerProcess:
        env = server_env({"EVENTS_DATABASE_URL": self.database_url, **self.env})
        args = [*server_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if not self.migrate:
            args.append("--no-migrate")
        sink = self.log.open("ab")
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
        sink.close()
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if httpx.get(f"{self.url}{ready_path}", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def signal(self, number: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    def wait(self, timeout_s: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout_s)

    def stop(self) -> None:
        if self.process is not None:
            stop_server(self.process, timeout_s=30)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
