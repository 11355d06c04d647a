"""Database failures answered 503 without a traceback: an outage, or a schema not migrated.

Starlette hands exceptions that only a catch-all handler takes to its outermost middleware,
which answers and then re-raises them, so that the server logs a traceback. The handlers here
are registered for the database's exception classes instead: they answer 503 and log one line,
at most once per ``LOG_EVERY_S`` for a run of failures. Any other error of those classes is a
bug, and is re-raised to the catch-all handler (500, with its traceback)."""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import FastAPI, Request

from app.api.responses import JsonResponse
from app.db.outage import is_database_outage
from app.db.problems import DATABASE_ERRORS, SCHEMA_NOT_MIGRATED, is_schema_missing
from app.db.retry import classify
from app.errors import ServiceUnavailable

logger = logging.getLogger("app.errors")
LOG_EVERY_S = 30.0


class RateLimitedLog:
    """Logs a message at once, then at most once per ``every_s``, counting what it held back."""

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self.last: float | None = None
        self.held_back = 0

    def warning(self, message: str, *args: Any) -> None:
        now = time.monotonic()
        if self.last is not None and now - self.last < self.every_s:
            self.held_back += 1
            return
        if self.held_back:
            message += f" ({self.held_back} more since the last message)"
        self.last, self.held_back = now, 0
        logger.warning(message, *args)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"


def install_database_error_handlers(app: FastAPI, *, retry_after_s: int) -> None:
    outage_log = RateLimitedLog(LOG_EVERY_S)
    schema_log = RateLimitedLog(LOG_EVERY_S)
    headers = {"Retry-After": str(retry_after_s)}

    async def on_database_error(_request: Request, exc: Exception) -> JsonResponse:
        if classify(exc) is not None:
            raise exc  # busy pool, write conflict, statement timeout: app/api/boundary.py
        if is_schema_missing(exc):
            schema_log.warning("503: %s", SCHEMA_NOT_MIGRATED)
            error = ServiceUnavailable(SCHEMA_NOT_MIGRATED, headers=headers)
        elif is_database_outage(exc):
            outage_log.warning("503: database unavailable: %s", _first_line(exc))
            error = ServiceUnavailable("the database is unavailable; retry later", headers=headers)
        else:
            raise exc
        return JsonResponse(error.envelope(), status_code=error.status_code, headers=error.headers)

    for error_class in DATABASE_ERRORS:
        app.add_exception_handler(error_class, on_database_error)
