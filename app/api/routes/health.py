"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import ServicesDep
from app.api.responses import JsonResponse
from app.db.problems import SCHEMA_NOT_MIGRATED, is_schema_missing
from app.errors import ServiceUnavailable

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> JsonResponse:
    """The process is up (does not touch the database)."""
    return JsonResponse({"status": "ok"})


@router.get("/healthcheck")
async def healthcheck() -> JsonResponse:
    """Alias of /healthz that HoneyHive's own docs use as a reachability probe."""
    return JsonResponse({"status": "ok"})


@router.get("/readyz")
async def readyz(services: ServicesDep) -> JsonResponse:
    """The database answers; 503 with Retry-After when it does not."""
    try:
        await services.db.ping()
    except Exception as exc:
        raise ServiceUnavailable(
            SCHEMA_NOT_MIGRATED
            if is_schema_missing(exc)
            else f"database unreachable: {type(exc).__name__}",
            headers={"Retry-After": str(services.settings.retry_after_s)},
        ) from exc
    return JsonResponse({"status": "ready", "database": services.db.dialect.value})
