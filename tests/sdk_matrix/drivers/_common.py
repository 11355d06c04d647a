"""Helpers shared by the drivers (which run under an old SDK's interpreter: stdlib only)."""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from importlib.metadata import version
from typing import Any


def sdk_version() -> str:
    return version("honeyhive")


def major_minor() -> tuple[int, int]:
    major, minor, *_ = sdk_version().split(".")
    return int(major), int(minor)


def step(out: dict[str, Any], name: str, action: Callable[[], Any]) -> Any:
    """Run one step; an exception is noted under ``errors[name]`` and does not stop the
    driver (the test decides what a failed step means for its scenario)."""
    try:
        return action()
    except Exception as exc:
        errors = out.setdefault("errors", {})
        errors[name] = f"{type(exc).__name__}: {exc}"[:500]
        out.setdefault("tracebacks", {})[name] = traceback.format_exc()[-3000:]
        return None


def emit(out: dict[str, Any]) -> None:
    out["sdk_version"] = sdk_version()
    print(json.dumps(out, default=str), flush=True)
