"""A fresh clone, in an empty directory with nothing beside it, runs its tests with the
README's test command, and its first run says what it installs as it goes.

The clone gets the committed state (HEAD) of this checkout, as CI's own clone does. To stay
cheap it runs a representative subset through `python3 tasks.py test`: the tests that read
the recorded SDK captures (on SQLite and Postgres) and the document checks."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.backends import IN_CI
from tests.standalone.conftest import ROOT, base_python, tasks_env

SUBSET = (
    "tests/api/test_capture_replay.py",
    "tests/unit/otlp/test_captures.py",
    "tests/docs/test_fixtures.py",
    "tests/docs/test_docs_links.py",
)
# The longest the first run may stay silent while it installs (it says something every 5 s;
# the margin is for a loaded machine).
MAX_SILENCE_S = 20.0


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()


def _head() -> str:
    problem = None
    if shutil.which("git") is None:
        problem = "git is not installed"
    else:
        try:
            return _git("rev-parse", "HEAD", cwd=ROOT)
        except subprocess.CalledProcessError:
            problem = f"{ROOT} is not a git checkout"
    if IN_CI:
        pytest.fail(f"CI must prove a fresh clone works, but {problem}", pytrace=False)
    pytest.skip(problem)


def test_a_fresh_clone_without_anything_beside_it_passes_its_tests(tmp_path: Path) -> None:
    head = _head()
    for name in SUBSET:  # the subset follows the test files when they move
        assert (ROOT / name).is_file(), name
    clone = tmp_path / "events-api-server"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)],
        check=True,
        timeout=300,
    )
    _git("checkout", "--quiet", head, cwd=clone)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events-api-server"]
    assert not (clone / ".venv").exists() and not (clone / ".tools").exists()

    # Only PATH without any uv: the clone installs its own, as a newcomer's would.
    path = os.pathsep.join(
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry and not (Path(entry) / "uv").exists()
    )
    process = subprocess.Popen(
        [base_python(), "tasks.py", "test", *SUBSET, "-q", "-p", "no:cacheprovider"],
        cwd=clone,
        env=tasks_env(PATH=path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[tuple[float, str]] = []
    started = time.monotonic()
    for line in process.stdout:
        lines.append((time.monotonic(), line.rstrip("\n")))
        assert time.monotonic() - started < 1200, "the fresh clone took over 20 minutes"
    code = process.wait(timeout=60)
    output = "\n".join(text for _, text in lines)
    assert code == 0, output[-6000:]

    # The install said what it was doing, and never went quiet for long.
    said = [text for _, text in lines if text.startswith("tasks.py:")]
    assert any("installing uv" in text for text in said), output[:3000]
    assert any("installing the locked dependencies" in text for text in said), output[:3000]
    done = next(i for i, (_, text) in enumerate(lines) if "dependencies installed" in text)
    install = [started] + [moment for moment, _ in lines[: done + 1]]
    longest = max(later - earlier for earlier, later in itertools.pairwise(install))
    assert longest <= MAX_SILENCE_S, f"{longest:.1f} s without a word:\n{output[:3000]}"

    summary = lines[-1][1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, output
    assert "skipped" not in summary or not IN_CI, summary
    # Still nothing beside the clone (no ../shared, no other checkout).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events-api-server"]
