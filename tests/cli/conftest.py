"""Fixtures of the CLI tests: a live server on a loopback port, a recording stub, CLI runners."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from tests.live_server import live_server

# Connection settings that must not leak from the developer's shell into the tests.
HH_ENV_VARS = ("HH_DATA_PLANE_URL", "HH_API_URL", "HH_PROJECT_API_KEY", "HH_API_KEY")


def events_api_script() -> str:
    """The `events-api` console script of the venv that runs the tests."""
    beside = Path(sys.executable).with_name("events-api")
    if beside.exists():
        return str(beside)
    found = shutil.which("events-api")
    if found is None:
        pytest.fail("the events-api console script is not installed (run `uv sync`)")
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without the HH_* connection variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in HH_ENV_VARS}
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live Events API server on a free loopback port, with a fresh SQLite database."""
    workdir = tmp_path_factory.mktemp("cli-server")
    with live_server(f"sqlite+aiosqlite:///{workdir / 'events.db'}", workdir) as server:
        yield server.url


@pytest.fixture(scope="session")
def api(server_url: str) -> Iterator[httpx.Client]:
    """A plain HTTP client of the live server, to check what the CLI stored."""
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield client


@pytest.fixture(autouse=True)
def _no_hh_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in HH_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


# -- running the CLI -----------------------------------------------------------------------


@pytest.fixture
def run_cli() -> Any:
    """Runs `events-api <args>` in-process (typer's CliRunner); stdout and stderr apart."""
    from app.cli.main import cli

    runner = CliRunner()

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)

    return run


@pytest.fixture
def run_script() -> Any:
    """Runs the real `events-api` console script as a subprocess (stdout/stderr are pipes)."""
    script = events_api_script()

    def run(
        *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [script, *args],
            input=input,
            capture_output=True,
            text=True,
            env=clean_env(**(env or {})),
            timeout=120,
            check=False,
        )

    return run


# -- a stub server that records what the CLI sends -----------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Recorder:
    """A loopback HTTP stub: records every request and answers ``reply`` (status, JSON)."""

    url: str
    requests: list[Recorded] = field(default_factory=list)
    replies: list[tuple[int, Any]] = field(default_factory=list)
    default_reply: tuple[int, Any] = (200, {"success": True, "event_id": "stub-id"})

    def reply_with(self, *replies: tuple[int, Any]) -> None:
        self.replies.extend(replies)

    def next_reply(self) -> tuple[int, Any]:
        return self.replies.pop(0) if self.replies else self.default_reply

    @property
    def last(self) -> Recorded:
        assert self.requests, "the CLI sent no request"
        return self.requests[-1]


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            recorder.requests.append(
                Recorded(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=json.loads(raw) if raw else None,
                )
            )
            status, payload = recorder.next_reply()
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(rec))
    rec.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def parse_json_lines(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def events_cli(run_cli: Any, server_url: str) -> Any:
    """`events-api events --data-plane-url <live server> <args>`, in-process."""

    def run(*args: str, input: str | None = None) -> Result:
        result: Result = run_cli("events", "--data-plane-url", server_url, *args, input=input)
        return result

    return run


def stored_event(api: httpx.Client, event_id: str) -> dict[str, Any]:
    """The event as the live server returns it from GET /v1/events/{id}."""
    response = api.get(f"/v1/events/{event_id}")
    assert response.status_code == 200, response.text
    event: dict[str, Any] = response.json()["event"]
    return event
