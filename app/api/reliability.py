"""Wires the reliability middlewares into the app: error boundary, admission, input guard."""

from __future__ import annotations

from fastapi import FastAPI

from app.api.admission import AdmissionMiddleware, in_flight_limit
from app.api.boundary import ErrorBoundaryMiddleware
from app.api.input_guard import InputGuardMiddleware
from app.db.dialect import Dialect
from app.settings import Settings


def install_reliability(app: FastAPI, settings: Settings, dialect: Dialect) -> None:
    """Outermost first: the error boundary (and body deadline), then admission, then the
    NUL guard; all of them inside Starlette's ServerErrorMiddleware."""
    app.add_middleware(InputGuardMiddleware)
    app.add_middleware(AdmissionMiddleware, limit=in_flight_limit(settings, dialect))
    app.add_middleware(
        ErrorBoundaryMiddleware,
        retry_after_s=settings.retry_after_s,
        body_timeout_s=settings.body_timeout_s,
    )
