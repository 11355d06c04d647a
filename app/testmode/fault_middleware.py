"""Test mode: a pure-ASGI middleware that answers the failures armed by POST /_test/faults."""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.deps import Services, project_for_scope
from app.api.responses import JsonResponse
from app.errors import ApiError, error_envelope
from app.testmode.captures import is_outside_test_mode
from app.testmode.service import TestModeService

logger = logging.getLogger("app.test_mode")


class FaultInjectionMiddleware:
    """Before the app runs: if a fault of the caller's project matches the request, wait
    its ``delay_ms``, then answer its status in the error envelope (with Retry-After for
    429 and 503), or let the request through when it has no status."""

    def __init__(self, app: ASGIApp, *, services: Services, test_mode: TestModeService) -> None:
        self.app = app
        self.services = services
        self.test_mode = test_mode

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        test_mode = self.test_mode
        if (
            scope["type"] != "http"
            or is_outside_test_mode(scope["path"])
            or not test_mode.faults.armed
        ):
            await self.app(scope, receive, send)
            return
        try:
            project = await project_for_scope(scope, self.services)
        except ApiError:
            project = None  # the app answers the 401 itself
        except Exception as exc:
            logger.warning("fault injection skipped: %s", exc)
            project = None
        fault = (
            None
            if project is None
            else test_mode.faults.take(project.id, scope["method"], scope["path"])
        )
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.status is None:
            await self.app(scope, receive, send)
            return
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        message = f"fault injected by POST /_test/faults (id {fault.id})"
        response = JsonResponse(
            error_envelope(fault.status, message), status_code=fault.status, headers=headers
        )
        await response(scope, receive, send)
