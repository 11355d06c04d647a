"""Helpers to run `python3 tasks.py ...` as a developer does."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def base_python() -> str:
    """The interpreter the venv was made from: what a developer's `python3` is."""
    return str(getattr(sys, "_base_executable", None) or sys.executable)


def tasks_env(**extra: str) -> dict[str, str]:
    """The environment for tasks.py: without the test venv's activation, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(extra)
    return env
