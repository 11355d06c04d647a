"""Refuses (400) a request whose path or query string carries a NUL character: Postgres
cannot store one in text, and SQLite cut ids at it. JSON bodies are checked where they are
parsed (app/domain/json_limits.py); OTLP strings where spans are mapped."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.responses import JsonResponse
from app.errors import error_envelope


def nul_location(scope: Scope) -> str | None:
    """'path' or 'query string' when that part holds a NUL (raw or percent-encoded)."""
    path = scope.get("path", "")
    raw_path = scope.get("raw_path") or b""
    if "\x00" in path or b"\x00" in unquote_to_bytes(raw_path):
        return "path"
    query = scope.get("query_string", b"")
    if b"\x00" in query or (b"%" in query and b"\x00" in unquote_to_bytes(query)):
        return "query string"
    return None


class InputGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        where = nul_location(scope) if scope["type"] == "http" else None
        if where is None:
            await self.app(scope, receive, send)
            return
        message = f"the request {where} contains the NUL character (%00), which is not allowed"
        response = JsonResponse(
            error_envelope(400, message, details=[{"loc": where, "message": message}]),
            status_code=400,
        )
        await response(scope, receive, send)
