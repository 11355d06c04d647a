"""What the compose test runs on: Debian's docker.io and compose client (installed when
absent), a running `dockerd` (started when none runs, stopped again afterwards), and the
base images (the stock ones when they can be pulled, else stand-ins built from Debian's
packages and kept in the local image cache)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAND_INS = ROOT / "docker" / "stand-ins"
STOCK_PYTHON = "python:3.11-slim"
STOCK_POSTGRES = "postgres:16"
SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
APT_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))


class Missing(Exception):
    """A prerequisite is absent and cannot be installed here (the message says which)."""


def run(
    argv: list[str], *, timeout: float, env: dict[str, str] | None = None, **kw: object
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing its output; a failure raises with the output in it."""
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, env=env, check=False, **kw
    )  # type: ignore[call-overload]
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} exited {done.returncode}\n"
            f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
        )
    return done  # type: ignore[no-any-return]


def compose_command() -> list[str] | None:
    """`docker compose` (v2 plugin) when present, else Debian's `docker-compose`."""
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, check=False
        )
        if probe.returncode == 0:
            return ["docker", "compose"]
    found = shutil.which("docker-compose")
    return [found] if found else None


def apt_install(*packages: str) -> None:
    """Install Debian packages (as root, where apt-get exists); Missing otherwise."""
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise Missing(f"{', '.join(packages)} not installed (needs root and apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    run(["apt-get", *lock, "update", "-q"], timeout=600, env=env)
    run(
        ["apt-get", *lock, "install", "-y", "-q", "--no-install-recommends", *packages],
        timeout=900,
        env=env,
    )


def ensure_tools() -> list[str]:
    """docker.io and a compose client installed; returns the compose command."""
    wanted = []
    if shutil.which("dockerd") is None:
        wanted.append("docker.io")
    if compose_command() is None:
        wanted.append("docker-compose")
    if wanted:
        apt_install(*wanted)
    command = compose_command()
    if command is None or shutil.which("docker") is None:
        raise Missing("no docker client or compose client after installing docker.io")
    return command


def engine_answers() -> bool:
    probe = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    return probe.returncode == 0


@contextlib.contextmanager
def docker_engine(log_dir: Path) -> Iterator[None]:
    """A Docker engine that answers: the running one, or a `dockerd` started here (and
    stopped again on exit)."""
    if engine_answers():
        yield
        return
    if os.geteuid() != 0:
        raise Missing("no Docker engine answers and starting dockerd needs root")
    log = (log_dir / "dockerd.log").open("w")
    daemon = subprocess.Popen(
        ["dockerd"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while not engine_answers():
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"dockerd did not start:\n{(log_dir / 'dockerd.log').read_text()[-4000:]}"
                )
            time.sleep(0.5)
        yield
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        log.close()


def image_exists(name: str) -> bool:
    probe = subprocess.run(
        ["docker", "image", "inspect", name], capture_output=True, text=True, check=False
    )
    return probe.returncode == 0


def can_pull(name: str) -> bool:
    """The image is in the local cache, or the registry hands it over now."""
    if image_exists(name):
        return True
    pulled = subprocess.run(
        ["docker", "pull", "-q", name], capture_output=True, text=True, timeout=600, check=False
    )
    return pulled.returncode == 0


def debian_mirror() -> str:
    """The Debian mirror this machine's apt uses (EVENTS_DEBIAN_MIRROR wins)."""
    chosen = os.environ.get("EVENTS_DEBIAN_MIRROR")
    if chosen:
        return chosen
    files: list[Path] = []
    for source in APT_SOURCES:
        if source.is_dir():
            files += sorted(source.glob("*.sources")) + sorted(source.glob("*.list"))
        elif source.is_file():
            files.append(source)
    for path in files:
        text = path.read_text(errors="replace")
        # deb822: "URIs: http://..." in a stanza whose Suites include the release.
        for stanza in re.split(r"\n\s*\n", text):
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.MULTILINE)
            suites = re.search(r"^Suites:\s*(.+)$", stanza, re.MULTILINE)
            if uris and suites and SUITE in suites.group(1).split():
                return uris.group(1).rstrip("/")
        # one-line: "deb [options] http://... bookworm main"
        for match in re.finditer(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)", text, re.MULTILINE):
            if match.group(2) == SUITE:
                return match.group(1).rstrip("/")
    return DEFAULT_MIRROR


@dataclass(frozen=True)
class BaseImages:
    """Image names, and the builds still running for them (none for stock images)."""

    python: str
    postgres: str
    stand_ins: bool
    python_ready: Future[None]
    postgres_ready: Future[None]


def _done() -> Future[None]:
    future: Future[None] = Future()
    future.set_result(None)
    return future


def _digest(*parts: str) -> str:
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(part.encode())
        hashed.update(b"\0")
    for path in sorted(STAND_INS.rglob("*")):
        if path.is_file():
            hashed.update(str(path.relative_to(STAND_INS)).encode())
            hashed.update(path.read_bytes())
    return hashed.hexdigest()[:12]


def _debian_image(name: str, mirror: str) -> None:
    """A bookworm root file system from debootstrap, imported as image NAME."""
    if shutil.which("debootstrap") is None:
        apt_install("debootstrap")
    with tempfile.TemporaryDirectory(prefix="events-debootstrap-", dir="/var/tmp") as tmp:
        rootfs = Path(tmp) / "rootfs"
        run(["debootstrap", "--variant=minbase", SUITE, str(rootfs), mirror], timeout=900)
        for package in (rootfs / "var" / "cache" / "apt" / "archives").glob("*.deb"):
            package.unlink()
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        run(
            ["docker", "import", "--change", 'CMD ["bash"]', "-", name],
            timeout=600,
            stdin=tar.stdout,
        )
        tar.wait(timeout=60)


def stand_in_images(pool: ThreadPoolExecutor) -> BaseImages:
    """Python and Postgres images built from Debian's packages (cached by content). The
    builds run on POOL side by side (they mostly wait on apt downloads); the caller waits
    for each image only when it needs it."""
    mirror = debian_mirror()
    tag = _digest(SUITE, mirror)
    debian = f"events-api-stand-in/debian:{SUITE}-{tag}"
    python = f"events-api-stand-in/python:3.11-{tag}"
    postgres = f"events-api-stand-in/postgres:15-{tag}"
    missing = [image for image in (python, postgres) if not image_exists(image)]
    if missing and not image_exists(debian):
        _debian_image(debian, mirror)

    def build(image: str, folder: str) -> None:
        if image in missing:
            run(
                [
                    "docker",
                    "build",
                    "-q",
                    "--build-arg",
                    f"DEBIAN_IMAGE={debian}",
                    "-t",
                    image,
                    ".",
                ],
                timeout=900,
                cwd=STAND_INS / folder,
            )

    return BaseImages(
        python=python,
        postgres=postgres,
        stand_ins=True,
        python_ready=pool.submit(build, python, "python"),
        postgres_ready=pool.submit(build, postgres, "postgres"),
    )


def base_images(pool: ThreadPoolExecutor) -> BaseImages:
    """The stock images when they can be pulled, else the stand-ins."""
    if can_pull(STOCK_PYTHON) and can_pull(STOCK_POSTGRES):
        return BaseImages(STOCK_PYTHON, STOCK_POSTGRES, False, _done(), _done())
    return stand_in_images(pool)
