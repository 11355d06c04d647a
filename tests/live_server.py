"""A real `events-api serve` process (uvicorn) on a free loopback port, for e2e tests; started
by the project's one launcher (``events_api_launcher``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from events_api_launcher import free_port, launched_server, server_env

__all__ = ["LiveServer", "free_port", "live_server"]

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str
    log: Path


@contextmanager
def live_server(
    database_url: str, log_dir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    env = server_env({"EVENTS_DATABASE_URL": database_url, **(extra_env or {})})
    log = log_dir / f"server-{free_port()}.log"
    with launched_server(env, log, cwd=ROOT) as server:
        yield LiveServer(url=server.url, database_url=database_url, log=server.log)
