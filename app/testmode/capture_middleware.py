"""Test mode: a pure-ASGI middleware that records every request for GET /_test/requests."""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.deps import Services, project_for_scope
from app.clock import now_ms
from app.errors import ApiError
from app.testmode.captures import (
    MAX_CAPTURED_BODY_BYTES,
    CapturedRequest,
    describe_body,
    is_outside_test_mode,
    redact_headers,
)
from app.testmode.service import TestModeService

logger = logging.getLogger("app.test_mode")


class RequestCaptureMiddleware:
    """Records method, path, query, headers (credentials redacted), body and answer status
    of each request except the /_test ones, under the caller's project. The body is read
    ahead (up to MAX_CAPTURED_BODY_BYTES) and replayed to the app unchanged."""

    def __init__(self, app: ASGIApp, *, services: Services, test_mode: TestModeService) -> None:
        self.app = app
        self.services = services
        self.test_mode = test_mode

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_outside_test_mode(scope["path"]):
            await self.app(scope, receive, send)
            return
        test_mode = self.test_mode
        seq = test_mode.captures.next_seq()
        received_at = now_ms()
        ahead: list[Message] = []
        body = bytearray()
        truncated = False
        while True:
            message = await receive()
            ahead.append(message)
            if message["type"] != "http.request":
                break
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                break
            if len(body) > MAX_CAPTURED_BODY_BYTES:
                truncated = True
                break

        async def replay() -> Message:
            if ahead:
                return ahead.pop(0)
            return await receive()

        status: int | None = None

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, replay, send_and_watch)
        except Exception:
            status = status or 500
            raise
        finally:
            await self._record(
                scope, seq, received_at, bytes(body[:MAX_CAPTURED_BODY_BYTES]), truncated, status
            )

    async def _record(
        self,
        scope: Scope,
        seq: int,
        received_at: int,
        body: bytes,
        truncated: bool,
        status: int | None,
    ) -> None:
        try:
            project = await project_for_scope(scope, self.services)
        except ApiError:
            return  # refused credentials: the request belongs to no project
        except Exception as exc:  # a database outage must not break the answer
            logger.warning("could not attribute a captured request: %s", exc)
            return
        headers = redact_headers(scope.get("headers", []))
        json_body, body_base64 = describe_body(
            body, headers.get("content-encoding"), truncated=truncated
        )
        test_mode = self.test_mode
        test_mode.captures.add(
            CapturedRequest(
                seq=seq,
                project_id=project.id,
                received_at_ms=received_at,
                method=scope["method"],
                path=scope["path"],
                query=scope.get("query_string", b"").decode("latin-1"),
                headers=headers,
                body=json_body,
                body_base64=body_base64,
                body_truncated=truncated,
                status=status,
            )
        )
