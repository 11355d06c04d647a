"""Build and install Citus from the vendored source tarball (standard library only, so that
the CI preparation stage can run it before the virtualenv exists).

The tarball is looked up at ``$EVENTS_CITUS_TARBALL``, else ``../shared/vendor/`` next to the
repository; this module and the Citus tests are the only code that reads ``../shared``. The
build tree is kept in ``.cache/citus/`` so that a second run does nothing.

    python3 tests/citus/build_citus.py     # build and install (needs root and the -dev packages)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

CITUS_VERSION = "12.1.12"
ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "citus"


class CitusUnavailable(Exception):
    """Citus is not installed and cannot be built here; the message says why."""


def tarball() -> Path:
    override = os.environ.get("EVENTS_CITUS_TARBALL")
    if override:
        return Path(override)
    return ROOT.parent / "shared/vendor" / f"citus-{CITUS_VERSION}.tar.gz"


def pg_config(option: str) -> str:
    exe = shutil.which("pg_config")
    if exe is None:
        raise CitusUnavailable("pg_config is not on PATH (install postgresql-server-dev-15)")
    done = subprocess.run([exe, option], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CitusUnavailable(f"pg_config {option} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def installed_version() -> str | None:
    """The Citus version installed into this machine's PostgreSQL, if any."""
    try:
        libdir = Path(pg_config("--pkglibdir"))
        sharedir = Path(pg_config("--sharedir"))
    except CitusUnavailable:
        return None
    marker = sharedir / "extension" / "citus.control"
    if not (libdir / "citus.so").exists() or not marker.exists():
        return None
    stamp = CACHE / "installed-version"
    return stamp.read_text().strip() if stamp.exists() else "unknown"


def ensure_citus() -> str:
    """Install Citus into the local PostgreSQL unless it is there; returns its version."""
    version = installed_version()
    if version is not None:
        return version
    source = tarball()
    if not source.is_file():
        raise CitusUnavailable(
            f"the Citus source tarball is missing ({source}); it is expected in "
            "../shared/vendor/ (or set EVENTS_CITUS_TARBALL)"
        )
    pgxs = Path(pg_config("--pgxs"))
    if not pgxs.exists():
        raise CitusUnavailable(f"PGXS is missing ({pgxs}): install postgresql-server-dev-15")
    CACHE.mkdir(parents=True, exist_ok=True)
    tree = CACHE / f"citus-{CITUS_VERSION}"
    if not tree.exists():
        with tarfile.open(source) as archive:
            archive.extractall(CACHE, filter="data")
        top = next(p for p in CACHE.iterdir() if p.is_dir() and p.name.startswith("citus"))
        if top != tree:
            top.rename(tree)
    log = CACHE / "build.log"
    with log.open("w") as sink:
        for step in (
            ["./configure", "--without-libcurl"],
            ["make", f"-j{os.cpu_count() or 2}"],
            ["make", "install"],
        ):
            if step[0] == "./configure" and (tree / "Makefile.global").exists():
                continue
            done = subprocess.run(step, cwd=tree, stdout=sink, stderr=subprocess.STDOUT)
            if done.returncode != 0:
                raise CitusUnavailable(f"`{' '.join(step)}` failed; see {log}")
    (CACHE / "installed-version").write_text(CITUS_VERSION + "\n")
    return CITUS_VERSION


if __name__ == "__main__":
    try:
        print(f"citus {ensure_citus()} is installed")
    except CitusUnavailable as exc:
        print(f"citus: {exc}", file=sys.stderr)
        sys.exit(1)
