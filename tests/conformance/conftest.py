"""Conformance fixtures: one real `events-api serve` (uvicorn) per backend, shared by the
whole conformance suite, and the tracer scenarios run as fresh subprocesses.

Every test works in data it creates itself (its own session ids, its own API key), so the
suite shares the per-backend database with the rest of the test session safely.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.reads import Api
from tests.live_server import LiveServer, live_server

SCENARIO_SCRIPT = Path(__file__).with_name("tracer_scenario.py")
TRACER_MODES = ("json", "protobuf", "autocreate", "env_sessions", "evaluation")
SCENARIO_TIMEOUT_S = 60


@pytest.fixture(scope="session")
def conformance_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A real uvicorn server on a free loopback port over the backend's migrated database."""
    with live_server(database_url, tmp_path_factory.mktemp("conformance-server")) as running:
        yield running


@pytest.fixture
def api_key() -> str:
    """A fresh key per test (open auth accepts any bearer token)."""
    return f"hh_conformance_{uuid.uuid4().hex}"


@pytest.fixture
def api(conformance_server: LiveServer, api_key: str) -> Iterator[Api]:
    """Plain HTTP reads with the test's key."""
    reader = Api(conformance_server.url, api_key)
    yield reader
    reader.close()


@dataclass
class TracerRun:
    """What one tracer subprocess printed, plus its stderr for failure messages."""

    mode: str
    api_key: str
    out: dict[str, Any] = field(default_factory=dict)
    stderr: str = ""

    def describe(self) -> str:
        return f"tracer scenario {self.mode!r} stderr:\n{self.stderr[-4000:]}"


def _scenario_env(url: str, mode: str, api_key: str, session_id: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing the parent process has set may steer the SDK in the child.
        if not key.startswith(("HH_", "HONEYHIVE_", "OTEL_"))
    }
    env.update(HH_API_URL=url, HH_API_KEY=api_key, PYTHONUNBUFFERED="1")
    if mode == "protobuf":
        env["HH_OTLP_PROTOCOL"] = "http/protobuf"
    if mode in ("autocreate", "env_sessions"):
        env["CONFORMANCE_SESSION_ID"] = session_id
    if mode == "evaluation":
        env["CONFORMANCE_RUN_ID"] = f"run-{uuid.uuid4().hex}"
    if mode == "env_sessions":
        env["HH_SOURCE"] = "envsrc"
        env["CONFORMANCE_EVENT_ID"] = str(uuid.uuid4())
    return env


def start_scenario(url: str, mode: str, api_key: str) -> tuple[TracerRun, subprocess.Popen[str]]:
    """Start tracer_scenario.py MODE in a fresh interpreter against the server at URL."""
    run = TracerRun(mode=mode, api_key=api_key)
    process = subprocess.Popen(
        [sys.executable, str(SCENARIO_SCRIPT), mode],
        env=_scenario_env(url, mode, api_key, str(uuid.uuid4())),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return run, process


def finish_scenario(run: TracerRun, process: subprocess.Popen[str]) -> TracerRun:
    """Wait for the scenario; ``run.out`` is its JSON result ({} if it failed)."""
    try:
        stdout, stderr = process.communicate(timeout=SCENARIO_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    run.stderr = f"exit status {process.returncode}\n{stderr}"
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if process.returncode == 0 and lines:
        run.out = json.loads(lines[-1])
    return run


@pytest.fixture(scope="session")
def tracer_runs(conformance_server: LiveServer) -> dict[str, TracerRun]:
    """Run every tracer scenario once per backend, each in a fresh interpreter (the SDK's
    tracer keeps global OpenTelemetry state), all at the same time to save time."""
    started = {
        mode: start_scenario(
            conformance_server.url, mode, f"hh_conformance_{mode}_{uuid.uuid4().hex[:12]}"
        )
        for mode in TRACER_MODES
    }
    return {mode: finish_scenario(run, process) for mode, (run, process) in started.items()}


@pytest.fixture
def tracer_run(request: pytest.FixtureRequest, tracer_runs: dict[str, TracerRun]) -> TracerRun:
    run = tracer_runs[request.param]
    assert run.out, f"the scenario printed no result; {run.describe()}"
    return run
