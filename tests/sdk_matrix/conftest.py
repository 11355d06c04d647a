"""The SDK matrix run: per backend, ONE real `events-api serve --test-mode` (uvicorn), and
every driver of every version as a subprocess of that version's own interpreter, a few at
a time. Each driver run uses an API key of its own (project-per-token), so its requests,
faults and events are its own project's."""

from __future__ import annotations

import json
import os
import subprocess
import time
import traceback
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.backends import IN_CI
from tests.live_server import LiveServer, live_server
from tests.sdk_matrix import checks, recordings
from tests.sdk_matrix.matrix import NOT_IN_VERSION, ROWS, SCENARIOS, families, is_npm
from tests.sdk_matrix.table import write_results
from tests.sdk_matrix.venvs import Unavailable, ensure_all

DRIVERS = Path(__file__).with_name("drivers")
DRIVER_TIMEOUT_S = 300  # 0.2.20 imports langchain, llama-index and traceloop: slow when busy
PARALLEL_DRIVERS = 3  # mostly waiting on imports and the network: a little over 2 cores


@dataclass
class Job:
    """One driver script of one version against the backend's server."""

    version: str
    family: str
    api_key: str
    run_tag: str
    runtime: Path  # the version's Python interpreter, or the npm version's node_modules
    out: dict[str, Any] = field(default_factory=dict)
    log: str = ""
    seconds: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> str:
        return f"honeyhive {self.version} {self.family} driver:\n{self.log[-4000:]}"


@dataclass
class MatrixRun:
    backend: str
    server: LiveServer
    jobs: dict[tuple[str, str], Job]
    outcomes: dict[str, dict[str, str]]  # version -> scenario -> outcome
    run_seconds: float


@pytest.fixture(scope="session")
def sdk_pythons() -> dict[str, Path]:
    """Every row's runtime (cached environments; built on first use)."""
    try:
        built = ensure_all(ROWS)
    except Unavailable as exc:
        if IN_CI:
            pytest.fail(f"CI requires the SDK matrix environments: {exc}", pytrace=False)
        pytest.skip(f"SDK matrix environments unavailable: {exc}")
    return {version: python for version, (python, _) in built.items()}


@pytest.fixture(scope="session")
def matrix_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with live_server(
        database_url,
        tmp_path_factory.mktemp("sdk-matrix-server"),
        {"EVENTS_TEST_MODE": "true", "EVENTS_PROJECT_PER_TOKEN": "true"},
    ) as running:
        yield running


def driver_env(url: str, job: Job) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("HH_", "HONEYHIVE_", "OTEL_", "VIRTUAL_ENV", "PYTHON", "TRACELOOP", "NODE_")
        )
    }
    env.update(
        NODE_PATH=str(job.runtime),
        HH_API_URL=url,
        HH_API_KEY=job.api_key,
        MATRIX_RUN=job.run_tag,
        PYTHONUNBUFFERED="1",
        HONEYHIVE_TELEMETRY="false",
        TRACELOOP_TELEMETRY="false",
        # 0.2.20 imports litellm (through `realign`), which fetches a price list from GitHub
        # three times (about 14 s) unless told to use its bundled copy.
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        # Only 127.0.0.1 is reachable: a call an SDK makes to its hosted API (0.2.20's
        # enrich_session, telemetry) fails at once on a closed local port instead.
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        http_proxy="http://127.0.0.1:9",
        https_proxy="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    return env


def command(job: Job) -> list[str]:
    if is_npm(job.version):
        return ["node", str(DRIVERS / f"{job.family}.js")]
    return [str(job.runtime), str(DRIVERS / f"{job.family}.py")]


def run_job(server: LiveServer, job: Job) -> Job:
    http = httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {job.api_key}"}, timeout=30
    )
    with http:
        for fault in checks.prepare(http, job.version, job.family, job.run_tag):
            job.faults.append(fault)
        started = time.monotonic()
        try:
            done = subprocess.run(
                command(job),
                env=driver_env(server.url, job),
                capture_output=True,
                text=True,
                timeout=DRIVER_TIMEOUT_S,
                cwd=DRIVERS,
            )
            stdout, job.log = done.stdout, f"exit status {done.returncode}\n{done.stderr}"
        except subprocess.TimeoutExpired as exc:
            stdout = exc.stdout if isinstance(exc.stdout, str) else ""
            job.log = f"timed out after {DRIVER_TIMEOUT_S} s"
        job.seconds = time.monotonic() - started
        lines = [line for line in stdout.splitlines() if line.startswith("{")]
        if lines:
            job.out = json.loads(lines[-1])
        job.requests = http.get("/_test/requests").json()["requests"]
        job.events = http.get("/_test/wait", params={"count": 0}).json()["events"]
    return job


def outcome(job: Job | None, version: str, scenario: str, server: LiveServer) -> str:
    """``works``, ``n/a: ...``, ``limitation: ...`` or ``FAILS: <the first problem>``."""
    if (version, scenario) in NOT_IN_VERSION:
        return f"n/a: {NOT_IN_VERSION[version, scenario]}"
    assert job is not None
    try:
        if not job.out:
            raise AssertionError(f"the driver printed no result ({job.log.splitlines()[0]})")
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {job.api_key}"}, timeout=30
        ) as http:
            return checks.CHECKS[scenario](http, job)
    except AssertionError as exc:
        text = str(exc).strip()
        if not text:  # a bare assert: name the line that failed
            text = traceback.extract_tb(exc.__traceback__)[-1].line or "assertion failed"
        return f"FAILS: {text.splitlines()[0][:300]}"


@pytest.fixture(scope="session")
def matrix(matrix_server: LiveServer, sdk_pythons: dict[str, Path], database_url: str) -> MatrixRun:
    """Run every driver of every version once on this backend, then judge every cell."""
    backend = "postgres" if database_url.startswith("postgresql") else "sqlite"
    jobs = {
        (version, family): Job(
            version=version,
            family=family,
            api_key=f"hh_matrix_{version}_{family}_{uuid.uuid4().hex[:10]}",
            run_tag=f"run-{uuid.uuid4().hex}",
            runtime=sdk_pythons[version],
        )
        for version in ROWS
        for family in families(version)
    }
    started = time.monotonic()
    # The slowest importers first, so that they overlap with the many quick ones.
    order = sorted(jobs.values(), key=lambda j: (not j.version.startswith("0."), j.version))
    with ThreadPoolExecutor(PARALLEL_DRIVERS) as pool:
        list(pool.map(lambda job: run_job(matrix_server, job), order))
    run_seconds = time.monotonic() - started
    outcomes = {
        version: {
            s.name: outcome(jobs.get((version, s.family)), version, s.name, matrix_server)
            for s in SCENARIOS
        }
        for version in ROWS
    }
    if os.environ.get("SDK_MATRIX_RECORD") == backend:
        recordings.save(jobs.values(), outcomes)
    timings = {f"{v} {f}": round(j.seconds, 1) for (v, f), j in jobs.items()}
    write_results(
        backend,
        outcomes,
        {"drivers_wall_seconds": round(run_seconds, 1), "driver_seconds": timings},
    )
    return MatrixRun(backend, matrix_server, jobs, outcomes, run_seconds)
