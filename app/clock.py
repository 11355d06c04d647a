"""The one clock of the server: Unix time in whole milliseconds (tests may patch it)."""

from __future__ import annotations

import time


def now_ms() -> int:
    return int(time.time() * 1000)
