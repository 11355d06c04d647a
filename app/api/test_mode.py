"""Test mode wiring: the /_test routes and the capture and fault middlewares."""

from __future__ import annotations

from fastapi import FastAPI

from app.api.capture import RequestCaptureMiddleware
from app.api.deps import Services
from app.api.faults import FaultInjectionMiddleware
from app.api.routes import test_mode


def install_test_mode(app: FastAPI, services: Services) -> None:
    """Serve /_test/*; record requests (outermost, so injected failures are recorded too)
    and inject faults."""
    app.include_router(test_mode.router)
    app.add_middleware(FaultInjectionMiddleware, services=services)
    app.add_middleware(RequestCaptureMiddleware, services=services)
