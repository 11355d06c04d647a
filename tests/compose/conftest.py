"""The compose stack fixture: Docker installed and running, base images at hand, the
project's image built from its Dockerfile and docker-compose.yml up and healthy; torn down
with `down -v` afterwards (the stand-in base images stay in the image cache)."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.compose.engine import ROOT, Missing, base_images, docker_engine, ensure_tools
from tests.compose.stack import Stack, write_ca_bundle

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# The CAs the image build trusts besides the base image's: the host's bundle, which holds
# the CA of a TLS-intercepting proxy where there is one (EVENTS_BUILD_CA_BUNDLE overrides).
HOST_CA_BUNDLE = Path(
    os.environ.get("EVENTS_BUILD_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
)
BUILD_CA_IN_CONTEXT = ROOT / "docker" / "local" / "build-ca.pem"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The compose figures (timings, image size) at the end of the run."""
    if REPORT:
        terminalreporter.section("compose stack figures")
        for line in REPORT:
            terminalreporter.write_line(line)


def tear_down(stack: Stack) -> None:
    """`down -v`: containers, network and the named volume go; images stay cached."""
    stack.timed("down -v", lambda: stack.compose("down", "--volumes", "--remove-orphans"))
    assert stack.volumes() == [], "down -v left the named volume behind"


# Module scope: the stack goes down right after the last compose test, not at the end of the
# whole suite (pytest may run other folders' tests in between otherwise).
@pytest.fixture(scope="module")
def compose_stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    started = time.monotonic()
    with contextlib.ExitStack() as cleanup:
        try:
            command = ensure_tools()
            cleanup.enter_context(docker_engine(tmp_path_factory.mktemp("dockerd")))
        except Missing as exc:
            if IN_CI:
                pytest.fail(f"the compose test must run in CI: {exc}")
            pytest.skip(f"compose test skipped: {exc}")

        # The api image is built as soon as its base is there, while Postgres's may still build.
        pool = cleanup.enter_context(ThreadPoolExecutor(max_workers=2))
        base_started = time.monotonic()
        images = base_images(pool)
        images.python_ready.result()
        python_base_s = time.monotonic() - base_started
        env = {
            **os.environ,
            "POSTGRES_IMAGE": images.postgres,
            "PYTHON_IMAGE": images.python,
            "EVENTS_API_PORT": str(free_port()),
            "EVENTS_BOOTSTRAP_API_KEY": f"hh_compose_{secrets.token_hex(12)}",
            "POSTGRES_PASSWORD": secrets.token_hex(12),
        }
        for name in ("EVENTS_API_BIND", "EVENTS_BOOTSTRAP_PROJECT", "EXTRA_CA_CERTS"):
            env.pop(name, None)
        if HOST_CA_BUNDLE.is_file():
            env["EXTRA_CA_CERTS"] = write_ca_bundle(HOST_CA_BUNDLE, BUILD_CA_IN_CONTEXT)
            cleanup.callback(BUILD_CA_IN_CONTEXT.unlink, missing_ok=True)
        stack = Stack(
            command=command,
            env=env,
            port=int(env["EVENTS_API_PORT"]),
            bootstrap_key=env["EVENTS_BOOTSTRAP_API_KEY"],
        )
        stack.timings["python base image"] = python_base_s
        stack.compose("down", "--volumes", "--remove-orphans")  # what a killed run left
        cleanup.callback(tear_down, stack)
        stack.timed("build of the api image", lambda: stack.compose("build", "api", timeout=900))
        stack.timed("postgres base image, after that build", images.postgres_ready.result)
        stack.timed(
            "up to healthy",
            lambda: (stack.compose("up", "-d"), stack.wait_healthy("postgres", "api")),
        )
        yield stack

    stack.timings["whole compose test"] = time.monotonic() - started
    REPORT.extend(
        [
            "base images: "
            + (f"stand-ins {images.python}, {images.postgres}" if images.stand_ins else "stock"),
            *(f"{name}: {seconds:.1f} s" for name, seconds in stack.timings.items()),
            *(f"{name}: {value}" for name, value in stack.figures.items()),
        ]
    )
