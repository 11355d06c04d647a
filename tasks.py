#!/usr/bin/env python3
"""Developer entry point that needs nothing but Python 3.11+.

    python3 tasks.py serve [serve options]   run the server (embedded SQLite by default)
    python3 tasks.py test [pytest options]   run the whole test suite (SQLite and Postgres)
    python3 tasks.py check                   ruff (lint + format), mypy, the import contracts
    python3 tasks.py migrate [options]       upgrade the database schema (events-api migrate)
    python3 tasks.py bench-ingest|bench-search [options]

On first use it installs uv into .tools/ (from PyPI) and the locked dependencies
(uv.lock) into .venv/; later runs reuse them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".tools"
UV_VERSION = "0.13.9"
BIN = "Scripts" if os.name == "nt" else "bin"


def fail(message: str) -> None:
    print(f"tasks.py: {message}", file=sys.stderr)
    raise SystemExit(2)


def uv() -> str:
    """A uv executable: the one on PATH, else one installed into .tools/."""
    found = shutil.which("uv")
    if found:
        return found
    local = TOOLS / BIN / "uv"
    if not local.exists():
        print(f"tasks.py: installing uv {UV_VERSION} into .tools/ ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(TOOLS)], check=True)
        pip = TOOLS / BIN / "python"
        subprocess.run(
            [str(pip), "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}"], check=True
        )
    return str(local)


def sync() -> Path:
    """Install the locked dependencies into .venv/ (fast when already there)."""
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_PROJECT_ENVIRONMENT": ".venv"}
    subprocess.run(
        [uv(), "sync", "--frozen", "--quiet", "--python", sys.executable],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return ROOT / ".venv" / BIN


def run(argv: list[str]) -> int:
    return subprocess.run(argv, cwd=ROOT).returncode


def main(args: list[str]) -> int:
    if sys.version_info < (3, 11):
        fail("Python 3.11 or newer is required")
    if not args or args[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    command, rest = args[0], args[1:]
    if command not in ("serve", "migrate", "test", "check", "bench-ingest", "bench-search"):
        fail(f"unknown command {command!r}; see python3 tasks.py --help")
    venv = sync()
    python = str(venv / "python")
    if command in ("serve", "migrate"):
        return run([str(venv / "events-api"), command, *rest])
    if command == "test":
        return run([python, "-m", "pytest", *rest])
    if command == "check":
        for label, step in (
            ("ruff check", [python, "-m", "ruff", "check", "."]),
            ("ruff format --check", [python, "-m", "ruff", "format", "--check", "."]),
            ("mypy (strict)", [python, "-m", "mypy"]),
            ("import contracts (lint-imports)", [str(venv / "lint-imports"), "--no-cache"]),
        ):
            print("tasks.py:", label, file=sys.stderr)
            code = run(step)
            if code:
                return code
        return 0
    script = "bench/ingest.py" if command == "bench-ingest" else "bench/search.py"
    return run([python, script, *rest])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
