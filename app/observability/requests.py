"""ASGI middleware: a request id for every request (X-Request-Id, taken from the request
when it is sane), request metrics by route template, and with EVENTS_LOG_FORMAT=json one
JSON log line per request."""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.metrics import CURRENT_REQUEST, Metrics, RequestTally

REQUEST_ID_HEADER = "x-request-id"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
request_log = logging.getLogger("app.requests")


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


def use_json_logs() -> None:
    """Send the `app` loggers' records to stderr as JSON lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLineFormatter())
    logger = logging.getLogger("app")
    logger.handlers = [handler]
    logger.propagate = False


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestObserver:
    def __init__(self, app: ASGIApp, metrics: Metrics, *, log_requests: bool) -> None:
        self.app = app
        self.metrics = metrics
        self.log_requests = log_requests
        # The metrics' children by label values, looked up once each (``labels()`` checks
        # and joins its arguments on every call); bounded by routes x methods x statuses.
        self._counted: dict[tuple[str, str, int], Any] = {}
        self._timed: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or os.urandom(16).hex()
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()
        id_header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = {**message, "headers": [*message.get("headers", ()), id_header]}
            await send(message)

        tally = RequestTally()
        token = CURRENT_REQUEST.set(tally)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            CURRENT_REQUEST.reset(token)
            elapsed = time.perf_counter() - started
            route, method = route_template(scope), str(scope.get("method", ""))
            self._count(route, method, status, elapsed)
            if tally.ingested:
                self.metrics.ingested.labels(route).inc(tally.ingested)
            if self.log_requests:
                request_log.info(
                    "%s %s %d",
                    method,
                    scope.get("path", ""),
                    status,
                    extra={
                        "fields": {
                            "request_id": request_id,
                            "method": method,
                            "path": scope.get("path", ""),
                            "route": route,
                            "status": status,
                            "duration_ms": round(elapsed * 1000, 3),
                            "events_ingested": tally.ingested,
                        }
                    },
                )

    def _count(self, route: str, method: str, status: int, elapsed: float) -> None:
        counted = self._counted.get((route, method, status))
        if counted is None:
            counted = self.metrics.requests.labels(route, method, str(status))
            self._counted[route, method, status] = counted
        counted.inc()
        timed = self._timed.get((route, method))
        if timed is None:
            timed = self.metrics.latency.labels(route, method)
            self._timed[route, method] = timed
        timed.observe(elapsed)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1").strip()
            return text if _SANE_ID.fullmatch(text) else None
    return None
