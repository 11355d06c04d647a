"""One cached virtual environment per `honeyhive` version, made with uv (and one
node_modules folder per TypeScript SDK version, made with npm).

The environments live in ``.sdk-matrix/venvs/<version>/`` and ``.sdk-matrix/node/<version>/``
(gitignored; ``SDK_MATRIX_CACHE``
moves them) and are reused by later runs on the same machine: an environment is complete
when its marker file names exactly the requirements it was built from; anything else is
rebuilt. uv's own download cache makes a rebuild cheap. Standard library only, so that
``.ci/prepare.d/sdk-matrix.sh`` can run it with the system Python before ``.venv`` exists:

    python3 tests/sdk_matrix/venvs.py          # build (or check) every version's environment
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

try:
    from tests.sdk_matrix.matrix import EXTRA_REQUIREMENTS, NPM_EXTRA_REQUIREMENTS, ROWS
except ImportError:  # run as a script: this folder is sys.path[0]
    from matrix import (  # type: ignore[no-redef]
        EXTRA_REQUIREMENTS,
        NPM_EXTRA_REQUIREMENTS,
        ROWS,
    )

ROOT = Path(__file__).resolve().parents[2]
MARKER = ".sdk-matrix-complete"
INSTALL_TIMEOUT_S = 900  # 0.x pull in langchain, llama-index, traceloop: hundreds of MB


class Unavailable(Exception):
    """The environments cannot be built here (no uv, no index): skip outside CI."""


def cache_dir() -> Path:
    return Path(os.environ.get("SDK_MATRIX_CACHE") or ROOT / ".sdk-matrix") / "venvs"


def requirements(version: str) -> list[str]:
    return [f"honeyhive=={version}", *EXTRA_REQUIREMENTS.get(version, ())]


def find_uv() -> str:
    """uv on PATH, else the one tasks.py installs into .tools/ (installed on demand)."""
    found = shutil.which("uv")
    if found:
        return found
    local = ROOT / ".tools" / "bin" / "uv"
    if local.exists():
        return str(local)
    spec = importlib.util.spec_from_file_location("project_tasks", ROOT / "tasks.py")
    assert spec and spec.loader
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    try:
        return str(tasks.uv())
    except (OSError, subprocess.CalledProcessError, SystemExit) as exc:
        raise Unavailable(f"uv is not available and could not be installed: {exc!r}") from exc


def base_python() -> str:
    """The interpreter the environments are made from (the base of a venv, if in one)."""
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return str(base if base.exists() else sys.executable)


def python_of(version: str) -> Path:
    return cache_dir() / version / "bin" / "python"


def ensure(row: str) -> tuple[Path, float]:
    """A row's runtime (a Python version's interpreter, or the TypeScript SDK's
    node_modules folder), and how many seconds building it took (0 if cached)."""
    if row.startswith("ts-"):
        return ensure_npm(row[3:])
    return ensure_venv(row)


def run_step(argv: list[str], what: str) -> None:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    try:
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(f"installing {what} failed: {exc!r}") from exc
    if done.returncode != 0:
        raise Unavailable(
            f"installing {what} failed ({' '.join(argv[:3])}):\n{done.stderr[-3000:]}"
        )


def ensure_npm(version: str) -> tuple[Path, float]:
    """``npm install honeyhive@<version>`` into ``.sdk-matrix/node/<version>/``."""
    target = cache_dir().parent / "node" / version
    wanted = "\n".join([f"honeyhive@{version}", *NPM_EXTRA_REQUIREMENTS.get(version, ())])
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = target / MARKER
        modules = target / "node_modules"
        if marker.exists() and marker.read_text() == wanted and modules.exists():
            return modules, 0.0
        npm, node = shutil.which("npm"), shutil.which("node")
        if not npm or not node:
            raise Unavailable("node and npm are needed for the TypeScript SDK rows")
        started = time.monotonic()
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        argv = [npm, "install", "--prefix", str(target), "--no-audit", "--no-fund", "--silent"]
        run_step([*argv, *wanted.split()], f"npm honeyhive {version}")
        marker.write_text(wanted)
        return modules, time.monotonic() - started


def ensure_venv(version: str) -> tuple[Path, float]:
    """A Python version's interpreter in its own environment."""
    target = cache_dir() / version
    wanted = "\n".join(requirements(version))
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs never build the same one at once
        marker = target / MARKER
        if marker.exists() and marker.read_text() == wanted and python_of(version).exists():
            return python_of(version), 0.0
        started = time.monotonic()
        shutil.rmtree(target, ignore_errors=True)
        uv = find_uv()
        run_step(
            [uv, "venv", "--quiet", "--python", base_python(), str(target)], f"a venv for {version}"
        )
        python = str(python_of(version))
        run_step(
            [uv, "pip", "install", "--quiet", "--python", python, *wanted.split()],
            f"honeyhive {version}",
        )
        marker.write_text(wanted)
        return python_of(version), time.monotonic() - started


def ensure_all(versions: tuple[str, ...], workers: int = 3) -> dict[str, tuple[Path, float]]:
    """Every version's environment, built ``workers`` at a time (downloads dominate)."""
    find_uv()  # install uv once, before the threads would all try at the same time
    with ThreadPoolExecutor(workers) as pool:
        built = dict(zip(versions, pool.map(ensure, versions), strict=True))
    return built


def main() -> int:
    started = time.monotonic()
    try:
        built = ensure_all(ROWS)
    except Unavailable as exc:
        print(f"sdk-matrix: {exc}", file=sys.stderr)
        return 1
    for row, (runtime, seconds) in built.items():
        state = f"built in {seconds:.0f} s" if seconds else "cached"
        print(f"sdk-matrix: honeyhive {row}: {state} ({runtime})", file=sys.stderr)
    print(f"sdk-matrix: environments ready in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
