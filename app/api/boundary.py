"""The error boundary: a pure-ASGI middleware that turns every exception escaping the app
into the error envelope WITHOUT re-raising it, and gives each request body a deadline.

Why it exists: Starlette's catch-all handler (``add_exception_handler(Exception, ...)``)
runs in ServerErrorMiddleware, which sends the answer and then re-raises the exception;
uvicorn, seeing an exception after the response started, closes the socket. Every 503 for
a database outage and every 500 therefore dropped the keep-alive connection without a
``Connection: close``, and the client's next request on it failed with a transport error.
Answering here, inside that middleware, keeps the connection usable.
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.responses import JsonResponse
from app.db.outage import is_database_outage
from app.db.retry import classify
from app.errors import ApiError, error_envelope

logger = logging.getLogger("app.errors")

BUSY_RETRY_AFTER_S = 1


class BodyReadTimeout(Exception):
    """The client did not send the whole request body before its deadline."""


def failure_response(exc: BaseException, *, retry_after_s: int) -> JsonResponse:
    """The envelope answered for an exception that escaped the routes."""
    if isinstance(exc, ApiError):
        return JsonResponse(exc.envelope(), status_code=exc.status_code, headers=exc.headers)
    if isinstance(exc, BodyReadTimeout):
        # The rest of the body may still arrive: this connection cannot carry another request.
        return _envelope(408, str(exc), "REQUEST_TIMEOUT", {"Connection": "close"})
    kind = classify(exc)
    if kind == "pool_exhausted":
        logger.warning("server busy: no database connection became free in time")
        return _envelope(
            503,
            "server busy: no database connection became free in time; retry later",
            "SERVER_BUSY",
            {"Retry-After": str(BUSY_RETRY_AFTER_S)},
        )
    if kind == "conflict":
        logger.warning("write conflict persisted after the retries: %s", _first_line(exc))
        return _envelope(
            503,
            "the write kept conflicting with concurrent writes of the same ids; retry it",
            "WRITE_CONFLICT",
            {"Retry-After": str(BUSY_RETRY_AFTER_S)},
        )
    if kind == "query_timeout":
        logger.warning("statement timeout: %s", _first_line(exc))
        return _envelope(
            503,
            "the database query took longer than the statement timeout; retry later or narrow it",
            "QUERY_TIMEOUT",
            {"Retry-After": str(retry_after_s)},
        )
    if is_database_outage(exc):
        logger.warning("database unavailable: %s", _first_line(exc))
        return _envelope(
            503,
            "the database is unavailable; retry later",
            "SERVICE_UNAVAILABLE",
            {"Retry-After": str(retry_after_s)},
        )
    logger.error("unhandled error", exc_info=exc)
    return _envelope(500, "internal server error", "INTERNAL_ERROR", {})


def _envelope(status: int, message: str, code: str, headers: dict[str, str]) -> JsonResponse:
    return JsonResponse(error_envelope(status, message, code), status_code=status, headers=headers)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"


class ErrorBoundaryMiddleware:
    """Answers escaped exceptions with the envelope (keeping the connection), and refuses
    (408, ``Connection: close``) a body whose bytes kept the app waiting ``body_timeout_s``
    in all."""

    def __init__(self, app: ASGIApp, *, retry_after_s: int, body_timeout_s: float) -> None:
        self.app = app
        self.retry_after_s = retry_after_s
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        # Only the time spent WAITING for body bytes counts (not the app's own work before
        # it reads the body), so a slow server never blames a fast client.
        budget = self.body_timeout_s
        body_done = False

        async def timed_receive() -> Message:
            nonlocal body_done, budget
            if body_done:
                return await receive()
            began = time.monotonic()
            try:
                async with asyncio.timeout(max(budget, 0.0)):
                    message = await receive()
            except TimeoutError:
                raise BodyReadTimeout(
                    f"the request body did not arrive within {self.body_timeout_s:g} s"
                ) from None
            budget -= time.monotonic() - began
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, timed_receive, watched_send)
        except Exception as exc:
            if started:
                raise  # half an answer went out: only closing the connection is honest
            if isinstance(exc, ClientDisconnect):
                return  # nobody is left to answer
            response = failure_response(exc, retry_after_s=self.retry_after_s)
            await response(scope, receive, send)
