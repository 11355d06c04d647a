"""The real docker-compose.yml and Dockerfile, built and run on a real Docker engine.

The stack (conftest.compose_stack) is up and healthy before the first test. Every request
goes to the api's published port on 127.0.0.1; the tests run in file order and share what
the first writes: the image checks, then the real HoneyHive SDK (tracer and client) and the
`events-api` CLI writing and reading traces, then restarts of the api and of Postgres and a
`down`/`up` cycle, after each of which every event must still be there.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from honeyhive import HoneyHive
from honeyhive.models import EventFilter, PostEventBatchRequest

from tests.compose.conftest import BUILD_CA_IN_CONTEXT
from tests.compose.engine import ROOT, run
from tests.compose.stack import Stack
from tests.conformance.reads import Api, poll

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SCENARIO = ROOT / "tests" / "conformance" / "tracer_scenario.py"
TRACER_SPANS = {"child_tool", "__main__.outer", "__main__.failing", "failing_error"}
DEV_ONLY = ("pytest", "mypy", "ruff", "hypothesis", "honeyhive", "opentelemetry.sdk")
RUNTIME = ("fastapi", "uvicorn", "asyncpg", "alembic")
COMPILERS = ("gcc", "cc", "c++", "g++", "clang", "make", "ld")
PROBE = ROOT / "tests" / "compose" / "image_probe.py"
# Bounds of the outage probe: one request per interval, for at most this long.
RECOVERY_TIMEOUT_S = 120
PROBE_INTERVAL_S = 0.2


@dataclass
class Written:
    """What the SDK and the CLI wrote, per API key: key -> session ids."""

    sessions: dict[str, list[str]] = field(default_factory=dict)

    def snapshot(self, url: str) -> dict[str, dict[str, Any]]:
        """Every event of every written session, read back through the API."""
        found: dict[str, dict[str, Any]] = {}
        for key, session_ids in self.sessions.items():
            reader = Api(url, key)
            try:
                for session_id in session_ids:
                    for event in reader.session_events(session_id):
                        found[event["event_id"]] = event
            finally:
                reader.close()
        return found


def cli(stack: Stack, key: str, *args: str) -> Any:
    """`events-api events ...` from the test's venv against the published port."""
    script = ROOT / ".venv" / "bin" / "events-api"
    executable = str(script) if script.exists() else "events-api"
    done = run(
        [executable, "events", "--base-url", stack.url, "--api-key", key, *args],
        timeout=60,
    )
    return json.loads(done.stdout)


def run_tracer(stack: Stack, key: str) -> dict[str, Any]:
    """The SDK's tracer in a fresh interpreter (it keeps global OpenTelemetry state), driven
    exactly as an application would, configured by HH_API_URL and HH_API_KEY only."""
    env = {
        name: value
        for name, value in stack.env.items()
        if not name.startswith(("HH_", "HONEYHIVE_", "OTEL_"))
    }
    env.update(HH_API_URL=stack.url, HH_API_KEY=key, PYTHONUNBUFFERED="1")
    done = subprocess.run(
        [sys.executable, str(SCENARIO), "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0 and lines, done.stderr[-4000:]
    out: dict[str, Any] = json.loads(lines[-1])
    return out


@pytest.fixture(scope="module")
def written(compose_stack: Stack) -> Written:
    """Traces written through the stack: the SDK's tracer and client with the bootstrap key,
    the host CLI with a key made by the CLI inside the api container."""
    stack = compose_stack
    made = stack.exec_api("events-api", "keys", "create", "--project", "compose-cli")
    project_key = made.stdout.strip()
    assert project_key and "\n" not in project_key, made.stdout
    result = Written(sessions={stack.bootstrap_key: [], project_key: []})

    tracer = run_tracer(stack, stack.bootstrap_key)
    assert tracer["flushed"] is True and tracer["raised"] == "boom", tracer
    assert [post["status"] for post in tracer["otlp_posts"]] == [200] * len(tracer["otlp_posts"])
    assert tracer["otlp_posts"], tracer
    result.sessions[stack.bootstrap_key].append(tracer["session_id"])

    client = HoneyHive(api_key=stack.bootstrap_key, base_url=stack.url)
    batch = client.events.create_batch(
        PostEventBatchRequest(
            events=[
                {"event_type": "model", "event_name": f"sdk-{n}", "inputs": {"n": n}}
                for n in range(3)
            ],
            is_single_session=True,
            session={"session_name": "compose-sdk-batch"},
        )
    )
    assert batch.session_id is not None and len(batch.event_ids) == 3
    result.sessions[stack.bootstrap_key].append(batch.session_id)

    session_id = str(uuid.uuid4())
    created = cli(
        stack,
        project_key,
        "create",
        "--event-type",
        "tool",
        "--event-name",
        "cli-tool",
        "--session-id",
        session_id,
        "--inputs",
        '{"via": "cli"}',
    )
    assert created["success"] is True, created
    result.sessions[project_key].append(session_id)
    return result


def test_image_is_non_root_without_compilers_dev_deps_or_the_build_ca(
    compose_stack: Stack,
) -> None:
    stack = compose_stack
    image = json.loads(run(["docker", "image", "inspect", stack.api_image()], timeout=60).stdout)[0]
    stack.figures["api image size"] = f"{image['Size'] / 1e6:.0f} MB"
    assert image["Config"]["User"] == "events"

    bundle = BUILD_CA_IN_CONTEXT.read_bytes() if "EXTRA_CA_CERTS" in stack.env else b""
    wanted = {
        "compilers": list(COMPILERS),
        "modules": [*DEV_ONLY, *RUNTIME],
        "ca_size": len(bundle),
        "ca_sha256": hashlib.sha256(bundle).hexdigest(),
    }
    found = json.loads(stack.exec_api("python", "-c", PROBE.read_text(), json.dumps(wanted)).stdout)
    assert found["uid"] != 0
    assert found["compilers"] == [], "compilers in the image"
    assert found["modules"] == list(RUNTIME), "dev dependencies in the image, or runtime missing"
    assert found["app"].startswith("/opt/venv/"), found["app"]  # installed, not a source tree
    assert found["opt"] == ["venv"], found["opt"]  # no uv, no build files
    # The CA bundle the build trusted stayed in the build stage: no file of the final image
    # has its content, and no layer's command names it.
    assert found["ca_files"] == [], found["ca_files"]
    assert not [name for name in found["tmp"] if "ca" in name], found["tmp"]
    history = run(["docker", "history", "--no-trunc", stack.api_image()], timeout=60).stdout
    assert "extra-ca" not in history and "build-ca" not in history


def test_sdk_and_cli_round_trip_through_the_published_port(
    compose_stack: Stack, written: Written
) -> None:
    stack = compose_stack
    tracer_session, batch_session = written.sessions[stack.bootstrap_key]

    client = HoneyHive(api_key=stack.bootstrap_key, base_url=stack.url)
    filters: list[Any] = [
        EventFilter(field="session_id", operator="is", value=tracer_session, type="string")
    ]
    exported = poll(
        lambda: client.events.export(filters=filters),
        lambda answer: answer.total_events >= 5,
    )
    names = {event.event_name for event in exported.events if event.event_type != "session"}
    assert names == TRACER_SPANS
    [session] = [event for event in exported.events if event.event_type == "session"]
    assert session.event_id == tracer_session and session.source == "conformance"

    batch = client.events.export(
        filters=[EventFilter(field="session_id", operator="is", value=batch_session, type="string")]
    )
    assert sorted(e.event_name for e in batch.events if e.event_type == "model") == [
        "sdk-0",
        "sdk-1",
        "sdk-2",
    ]

    [(project_key, [cli_session])] = [
        (key, ids) for key, ids in written.sessions.items() if key != stack.bootstrap_key
    ]
    filters_json = json.dumps(
        [{"field": "session_id", "operator": "is", "value": cli_session, "type": "string"}]
    )
    found = cli(stack, project_key, "search", "--filters", filters_json)
    [event] = [e for e in found["events"] if e["event_name"] == "cli-tool"]
    got = cli(stack, project_key, "get", "--event-id", event["event_id"])
    assert got["event"]["inputs"] == {"via": "cli"} and got["event"]["event_type"] == "tool"

    # Keys keep projects apart: the bootstrap key does not see the CLI project's event.
    other = httpx.get(
        f"{stack.url}/v1/events/{event['event_id']}",
        headers={"Authorization": f"Bearer {stack.bootstrap_key}"},
        timeout=30,
    )
    assert other.status_code == 404, other.text


@dataclass
class Probe:
    """Requests against the stack while Postgres is away and after it is back."""

    stack: Stack
    key: str
    event_id: str
    statuses: list[int] = field(default_factory=list)

    def http(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.stack.url,
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=10,
        )

    def until_served(self) -> None:
        """Read one event until it is served again, noting every status (bounded)."""
        deadline = time.monotonic() + RECOVERY_TIMEOUT_S
        with self.http() as http:
            while time.monotonic() < deadline:
                status = http.get(f"/v1/events/{self.event_id}").status_code
                self.statuses.append(status)
                if status == 200:
                    return
                time.sleep(PROBE_INTERVAL_S)
        raise AssertionError(f"not served again in {RECOVERY_TIMEOUT_S} s: {self.statuses[-5:]}")


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.request.url, response.text)
    body = response.json()
    assert body["statusCode"] == 503 and body["success"] is False, body
    assert response.headers.get("Retry-After"), response.headers


def test_restarts_keep_every_event_and_a_postgres_outage_answers_503(
    compose_stack: Stack, written: Written
) -> None:
    stack = compose_stack
    before = written.snapshot(stack.url)
    assert len(before) >= 5 + 4 + 1, sorted(e["event_name"] for e in before.values())

    # The api container restarts: it migrates (nothing to do) and serves the same data.
    stack.timed("restart api", lambda: (stack.compose("restart", "api"), stack.wait_healthy("api")))
    assert written.snapshot(stack.url) == before

    # Postgres goes away: every request that needs it is answered 503, none 500, and a
    # write refused meanwhile leaves nothing behind.
    # The tracer's session event (its event id is the session id).
    probe = Probe(stack, stack.bootstrap_key, written.sessions[stack.bootstrap_key][0])
    refused_id = str(uuid.uuid4())
    stack.compose("stop", "postgres")
    with probe.http() as http:
        assert_unavailable(http.get("/readyz"))
        assert_unavailable(http.get(f"/v1/events/{probe.event_id}"))
        assert_unavailable(
            http.post(
                "/v1/events",
                json={"event_id": refused_id, "event_type": "tool", "inputs": {"x": 1}},
            )
        )
        assert_unavailable(http.post("/v1/events/search", json={"filters": []}))
        assert http.get("/healthz").status_code == 200  # the process itself is alive
    stack.timed("postgres back", lambda: (stack.compose("start", "postgres"), probe.until_served()))
    assert set(probe.statuses) <= {200, 503}, probe.statuses
    stack.wait_healthy("postgres", "api")

    after = written.snapshot(stack.url)
    assert after == before
    with probe.http() as http:
        assert http.get(f"/v1/events/{refused_id}").status_code == 404
        again = http.post(
            "/v1/events", json={"event_id": refused_id, "event_type": "tool", "inputs": {"x": 2}}
        )
        assert again.status_code == 200, again.text

    # The data lives in the named volume: new containers (down, up) find all of it.
    assert stack.volumes(), "no named volume for the project"
    stack.timed(
        "down and up again",
        lambda: (
            stack.compose("down"),
            stack.compose("up", "-d"),
            stack.wait_healthy("postgres", "api"),
        ),
    )
    assert written.snapshot(stack.url) == before
    with probe.http() as http:
        kept = http.get(f"/v1/events/{refused_id}")
        assert kept.status_code == 200 and kept.json()["event"]["inputs"] == {"x": 2}


@pytest.fixture(autouse=True)
def _timed(compose_stack: Stack, request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test's wall time goes into the compose report."""
    started = time.monotonic()
    yield
    compose_stack.timings[request.node.name] = time.monotonic() - started
