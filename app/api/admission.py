"""Bounded admission: at most N requests of one worker are in flight; the next ones are
answered 503 SERVER_BUSY with Retry-After at once instead of queueing for a database
connection until the pool times out (which looked like "the database is unavailable")."""

from __future__ import annotations

import logging
from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.responses import JsonResponse
from app.db.dialect import Dialect
from app.errors import error_envelope
from app.settings import Settings

logger = logging.getLogger("app.admission")

# Paths that never count: probes must answer while the worker is saturated, and /_test/wait
# long-polls by design.
EXEMPT_PATHS: Final[frozenset[str]] = frozenset(
    {"/healthz", "/healthcheck", "/readyz", "/openapi.json", "/docs"}
)
EXEMPT_PREFIX: Final[str] = "/_test/"
RETRY_AFTER_S: Final[int] = 1
# Sizing when EVENTS_MAX_IN_FLIGHT is 0: requests per pooled Postgres connection (a request
# spends part of its time parsing, validating and encoding, outside the database), and a
# fixed figure for SQLite (one writer; readers share the file). 4 is the largest figure with
# which a burst of 1000 searches had no request wait out the pool timeout
# (docs/operations.md, `python -m bench.burst`).
PER_CONNECTION: Final[int] = 4
SQLITE_IN_FLIGHT: Final[int] = 64


def in_flight_limit(settings: Settings, dialect: Dialect) -> int:
    """The admission limit of one worker."""
    if settings.max_in_flight > 0:
        return settings.max_in_flight
    if dialect is Dialect.POSTGRES:
        return PER_CONNECTION * (settings.db_pool_size + settings.db_max_overflow)
    return SQLITE_IN_FLIGHT


class AdmissionMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIX):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            self.refused += 1
            if self.refused == 1 or self.refused % 1000 == 0:
                logger.warning(
                    "server busy: %d requests in flight (limit %d); %d refused so far",
                    self.in_flight,
                    self.limit,
                    self.refused,
                )
            response = JsonResponse(
                error_envelope(
                    503,
                    f"server busy: {self.limit} requests in flight already; retry shortly",
                    "SERVER_BUSY",
                ),
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
            await response(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
