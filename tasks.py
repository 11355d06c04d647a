#!/usr/bin/env python3
"""Developer entry point that needs nothing but Python 3.11+.

    python3 tasks.py serve [serve options]   run the server (embedded SQLite by default)
    python3 tasks.py test [pytest options]   run the whole test suite (SQLite and Postgres)
    python3 tasks.py compose-test [options]  build the Docker image and run docker-compose.yml
                                             for real (tests/compose; needs root or Docker)
    python3 tasks.py check                   ruff (lint + format), mypy, the import contracts
    python3 tasks.py migrate [options]       upgrade the database schema (events-api migrate)
    python3 tasks.py events-api ARGS...      any events-api command (events, keys, ...)
    python3 tasks.py bench-ingest|bench-search|bench-ui [options]
    python3 tasks.py bench-ratio|bench-memory [options]   write paths against limits measured
                                             in the same run; server RSS over a long ingest

On first use it installs uv into .tools/ (from PyPI) and the locked dependencies
(uv.lock) into .venv/, saying what it does; later runs reuse them. The command then
replaces this process (exec), so a signal sent to its PID reaches the server or pytest.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".tools"
VENV = ROOT / ".venv"
UV_VERSION = "0.13.9"
BIN = "Scripts" if os.name == "nt" else "bin"
HEARTBEAT_S = 5.0
COMMANDS = (
    "serve",
    "migrate",
    "events-api",
    "test",
    "compose-test",
    "check",
    "bench-ingest",
    "bench-search",
    "bench-ui",
    "bench-ratio",
    "bench-memory",
)


def say(message: str) -> None:
    print(f"tasks.py: {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    say(message)
    raise SystemExit(2)


def step(argv: list[str], what: str, **options: Any) -> None:
    """Run one install step; while it runs, say every few seconds that it still does."""
    started = time.monotonic()
    process = subprocess.Popen(argv, **options)
    while True:
        try:
            code = process.wait(timeout=HEARTBEAT_S)
            break
        except subprocess.TimeoutExpired:
            say(f"{what}: still working ({time.monotonic() - started:.0f} s)")
    if code:
        fail(f"{what} failed (exit status {code}); see the lines above")


def uv() -> str:
    """A uv executable: the one on PATH, else one installed into .tools/."""
    found = shutil.which("uv")
    if found:
        return found
    local = TOOLS / BIN / "uv"
    if not local.exists():
        say(f"first run: installing uv {UV_VERSION} (the package manager) into .tools/")
        step([sys.executable, "-m", "venv", str(TOOLS)], "creating .tools/ (a venv with pip)")
        step(
            [
                str(TOOLS / BIN / "python"),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--progress-bar",
                "off",
                f"uv=={UV_VERSION}",
            ],
            f"pip install uv=={UV_VERSION}",
        )
    return str(local)


def sync() -> Path:
    """Install the locked dependencies into .venv/ (quick and quiet when already there)."""
    first = not (VENV / BIN / "events-api").exists()
    tool = uv()
    if first:
        say("installing the locked dependencies (uv.lock) into .venv/; about a minute")
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_PROJECT_ENVIRONMENT": ".venv"}
    argv = [tool, "sync", "--frozen", "--quiet", "--python", sys.executable]
    step(argv, "uv sync (installing packages)" if first else "uv sync", cwd=ROOT, env=env)
    if first:
        say("dependencies installed; later runs start at once")
    return VENV / BIN


def hand_over(argv: list[str]) -> int:
    """Become ``argv`` (exec) on POSIX, so that signals sent to this PID reach it. Windows
    has no exec that keeps the PID: run it as a child and forward the signals."""
    os.chdir(ROOT)
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(argv[0], argv)  # noqa: S606 (a fixed argv, no shell)
    process = subprocess.Popen(argv)

    def forward(signum: int, _frame: object) -> None:
        process.send_signal(signum)

    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), forward)
    return process.wait()


def main(args: list[str]) -> int:
    if sys.version_info < (3, 11):
        fail("Python 3.11 or newer is required")
    if not args or args[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        fail(f"unknown command {command!r}; see python3 tasks.py --help")
    venv = sync()
    python = str(venv / "python")
    if command in ("serve", "migrate"):
        return hand_over([str(venv / "events-api"), command, *rest])
    if command == "events-api":
        return hand_over([str(venv / "events-api"), *rest])
    if command == "test":
        return hand_over([python, "-m", "pytest", *rest])
    if command == "compose-test":
        return hand_over([python, "-m", "pytest", "tests/compose", "-q", *rest])
    if command == "check":
        for label, argv in (
            ("ruff check", [python, "-m", "ruff", "check", "."]),
            ("ruff format --check", [python, "-m", "ruff", "format", "--check", "."]),
            ("mypy (strict)", [python, "-m", "mypy"]),
            ("import contracts (lint-imports)", [str(venv / "lint-imports"), "--no-cache"]),
        ):
            say(label)
            code = subprocess.run(argv, cwd=ROOT).returncode
            if code:
                return code
        return 0
    script = {
        "bench-ingest": "bench/ingest.py",
        "bench-ui": "bench/ui.py",
        "bench-ratio": "bench/ratio.py",
        "bench-memory": "bench/memory.py",
    }.get(command, "bench/search.py")
    return hand_over([python, script, *rest])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
