"""Test mode (EVENTS_TEST_MODE): the /_test routes, request capture and fault injection, all in
this package and installed by :func:`install_test_mode`."""

from __future__ import annotations

from fastapi import FastAPI

from app.api.deps import Services
from app.testmode import routes
from app.testmode.capture_middleware import RequestCaptureMiddleware
from app.testmode.fault_middleware import FaultInjectionMiddleware
from app.testmode.service import TestModeService


def install_test_mode(app: FastAPI, services: Services) -> TestModeService:
    """Serve /_test/*; record requests (outermost, so injected failures are recorded too)
    and inject faults. Returns the service that holds test mode's state."""
    test_mode = TestModeService(services.db, services.search, services.settings.test_capture_limit)
    app.state.test_mode = test_mode
    app.include_router(routes.router)
    app.add_middleware(FaultInjectionMiddleware, services=services, test_mode=test_mode)
    app.add_middleware(RequestCaptureMiddleware, services=services, test_mode=test_mode)
    return test_mode
