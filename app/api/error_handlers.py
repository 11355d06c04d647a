"""Exception handlers: every error leaves the server as the one error envelope."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.body import error_location
from app.api.database_errors import install_database_error_handlers
from app.api.responses import JsonResponse
from app.db.outage import DATABASE_ERRORS, is_database_outage
from app.errors import ApiError, ServiceUnavailable, error_envelope

logger = logging.getLogger("app.errors")


def install_error_handlers(app: FastAPI, *, retry_after_s: int) -> None:
    def respond(error: ApiError) -> JsonResponse:
        return JsonResponse(error.envelope(), status_code=error.status_code, headers=error.headers)

    def unavailable() -> JsonResponse:
        return respond(
            ServiceUnavailable(
                "the database is unavailable; retry later",
                headers={"Retry-After": str(retry_after_s)},
            )
        )

    async def on_api_error(_request: Request, exc: Exception) -> JsonResponse:
        assert isinstance(exc, ApiError)
        return respond(exc)

    async def on_http_error(_request: Request, exc: Exception) -> JsonResponse:
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = "no such route"
        return JsonResponse(
            error_envelope(exc.status_code, message),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    async def on_validation_error(_request: Request, exc: Exception) -> JsonResponse:
        assert isinstance(exc, RequestValidationError)
        details = [
            {"loc": error_location(tuple(err["loc"])), "message": err["msg"]}
            for err in exc.errors()
        ]
        summary = "; ".join(f"{d['loc']}: {d['message']}" for d in details)
        return JsonResponse(
            error_envelope(400, f"invalid request: {summary}", details=details), status_code=400
        )

    async def on_unexpected(_request: Request, exc: Exception) -> JsonResponse:
        if is_database_outage(exc):
            logger.warning("database unavailable: %s", exc)
            return unavailable()
        logger.exception("unhandled error")
        return JsonResponse(error_envelope(500, "internal server error"), status_code=500)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    # Database errors get handlers of their own class, which Starlette's ExceptionMiddleware
    # runs: the catch-all `Exception` handler runs in ServerErrorMiddleware, which re-raises
    # after answering, so uvicorn logs a traceback and closes the connection (a keep-alive
    # client's next request then gets no answer at all).
    for error_class in DATABASE_ERRORS:
        app.add_exception_handler(error_class, on_unexpected)
    app.add_exception_handler(Exception, on_unexpected)
    install_database_error_handlers(app, retry_after_s=retry_after_s)
