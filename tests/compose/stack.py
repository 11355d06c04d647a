"""The repository's docker-compose.yml, run under a test project name with variables only,
and what the compose test reads off it (health, the published port, timings)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from tests.compose.engine import ROOT, run

PROJECT = "events-api-compose-test"
COMPOSE_FILE = ROOT / "docker-compose.yml"
HEALTHY_TIMEOUT_S = 240
T = TypeVar("T")


@dataclass
class Stack:
    command: list[str]
    env: dict[str, str]
    port: int
    bootstrap_key: str
    timings: dict[str, float] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def compose(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        argv = [*self.command, "--project-name", PROJECT, "--file", str(COMPOSE_FILE), *args]
        return run(argv, timeout=timeout, env=self.env, cwd=ROOT)

    def timed(self, name: str, step: Callable[[], T]) -> T:
        started = time.monotonic()
        result = step()
        self.timings[name] = time.monotonic() - started
        return result

    def container(self, service: str) -> str:
        ids = self.compose("ps", "-q", service).stdout.split()
        assert len(ids) == 1, (service, ids)
        return ids[0]

    def health(self, service: str) -> str:
        inspected = json.loads(
            run(["docker", "inspect", self.container(service)], timeout=60).stdout
        )[0]
        return str(inspected["State"].get("Health", {}).get("Status", "none"))

    def wait_healthy(self, *services: str) -> None:
        """Until every service's container reports healthy (bounded)."""
        deadline = time.monotonic() + HEALTHY_TIMEOUT_S
        while True:
            states = {service: self.health(service) for service in services}
            if all(state == "healthy" for state in states.values()):
                return
            if time.monotonic() > deadline:
                logs = self.compose("logs", "--tail", "60").stdout
                raise AssertionError(f"not healthy after {HEALTHY_TIMEOUT_S} s: {states}\n{logs}")
            time.sleep(0.5)

    def exec_api(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return self.compose("exec", "-T", "api", *argv, timeout=120)

    def api_image(self) -> str:
        inspected = json.loads(run(["docker", "inspect", self.container("api")], timeout=60).stdout)
        return str(inspected[0]["Image"])

    def volumes(self) -> list[str]:
        listed = run(
            [
                "docker",
                "volume",
                "ls",
                "-q",
                "--filter",
                f"label=com.docker.compose.project={PROJECT}",
            ],
            timeout=60,
        )
        return listed.stdout.split()


def write_ca_bundle(source: Path, target: Path) -> str:
    """Copy the CA bundle the build should trust into the build context; returns the path
    the Dockerfile's EXTRA_CA_CERTS argument takes (relative to the context)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    return target.relative_to(ROOT).as_posix()
