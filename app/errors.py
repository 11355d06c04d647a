"""The project's one error envelope: API exceptions and their wire format."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answered to the client as the envelope
    ``{"statusCode", "message", "success": false, "errorCode"}``."""

    status_code: int = 500
    error_code: str = "INTERNAL_ERROR"

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}

    def envelope(self) -> dict[str, Any]:
        return error_envelope(self.status_code, self.message, self.error_code, self.details)


class BadRequest(ApiError):
    status_code = 400
    error_code = "BAD_REQUEST"


class Unauthorized(ApiError):
    status_code = 401
    error_code = "UNAUTHORIZED"


class NotFound(ApiError):
    status_code = 404
    error_code = "NOT_FOUND"


class PayloadTooLarge(ApiError):
    status_code = 413
    error_code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(ApiError):
    status_code = 415
    error_code = "UNSUPPORTED_MEDIA_TYPE"


class ServiceUnavailable(ApiError):
    status_code = 503
    error_code = "SERVICE_UNAVAILABLE"


class ServerBusy(ApiError):
    """503 with ``Retry-After``: a bounded queue of this server is full; retry shortly."""

    status_code = 503
    error_code = "SERVER_BUSY"


class TooManyRequests(ApiError):
    status_code = 429
    error_code = "TOO_MANY_REQUESTS"


class RequestTimeout(ApiError):
    """408; ``extra`` keys are added to the envelope (GET /_test/wait adds ``count``)."""

    status_code = 408
    error_code = "REQUEST_TIMEOUT"

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.extra = extra or {}

    def envelope(self) -> dict[str, Any]:
        return {**super().envelope(), **self.extra}


# errorCode for plain HTTP statuses raised by the framework (unknown route, wrong method...).
STATUS_ERROR_CODES: dict[int, str] = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def error_envelope(
    status_code: int,
    message: str,
    error_code: str | None = None,
    details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "statusCode": status_code,
        "message": message,
        "success": False,
        "errorCode": error_code or STATUS_ERROR_CODES.get(status_code, "ERROR"),
    }
    if details:
        body["details"] = details
    return body
