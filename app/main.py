"""Application factory: create_app(settings) builds the whole server, nothing at import."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api.deps import Services
from app.api.error_handlers import install_error_handlers
from app.api.openapi_contract import install_openapi_contract
from app.api.reliability import install_reliability
from app.api.responses import JsonResponse
from app.api.routes import deletes, events, health, otlp, search, sessions
from app.api.routes import metrics as metrics_route
from app.clock import now_ms
from app.db.engine import Database
from app.observability.metrics import Metrics
from app.observability.requests import RequestObserver, use_json_logs
from app.search.casefold import fold_case
from app.services.api_keys import ApiKeyService
from app.services.auth import AuthService
from app.services.deletes import DeleteService
from app.services.events import EventService
from app.services.group_commit import GroupCommitter
from app.services.maintenance import MaintenanceService, maintenance_loop
from app.services.projects import ProjectService
from app.services.search import SearchService
from app.settings import Settings
from app.testmode import install_test_mode
from app.ui.install import install_ui

# Container allocations between two young collections of the cyclic collector (Python: 700).
GC_YOUNG_THRESHOLD = 20_000


def create_app(settings: Settings) -> FastAPI:
    db = Database(settings)
    metrics = Metrics(db)
    search_service = SearchService(db)
    project_service = ProjectService(db, settings.default_project)
    # Single writes share transactions; its runner starts with the first write.
    group_commit = GroupCommitter(
        db,
        max_pending=settings.group_commit_max_pending,
        max_group=settings.group_commit_max_group,
        max_groups=settings.group_commit_max_groups,
        window_s=settings.group_commit_window_ms / 1000,
        conflict_retries=settings.conflict_retries,
        telemetry=metrics,
    )
    metrics.watch_write_queue(lambda: group_commit.depth)
    services = Services(
        settings=settings,
        db=db,
        events=EventService(
            db, metrics, conflict_retries=settings.conflict_retries, writes=group_commit
        ),
        search=search_service,
        projects=project_service,
        auth=AuthService(
            db, settings, project_service, ApiKeyService(db, cache_ttl_s=settings.auth_cache_ttl_s)
        ),
        deletes=DeleteService(db, chunk_rows=settings.delete_chunk_rows, telemetry=metrics),
        maintenance=MaintenanceService.from_settings(db, settings, metrics),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        fold_case("")  # build the case-folding table now, not in the first `contains` search
        loop = asyncio.create_task(
            maintenance_loop(services.maintenance, settings.maintenance_interval_s, now_ms)
        )
        try:
            yield
        finally:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
            # Every accepted write is committed (or answered) before the pool closes.
            await group_commit.close()
            await db.dispose()

    app = FastAPI(
        title="Events API server",
        summary="Self-hosted HoneyHive Events API: trace events over REST and OTLP.",
        version="0.1.0",
        default_response_class=JsonResponse,
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry instrumentation: off (it checks the global providers
        # on every request; /metrics is this server's telemetry).
        telemetry={"tracing": False, "metrics": False, "logs": False},
        docs_url=None,  # served by install_ui from local assets
        redoc_url=None,
    )
    app.state.services = services
    app.state.metrics = metrics
    install_error_handlers(app, retry_after_s=settings.retry_after_s)
    install_reliability(app, settings, db.dialect)
    install_openapi_contract(app)
    # The single writes first (routes are matched in order, and they are the busiest);
    # search before events: GET /v1/events/schema must win over GET /v1/events/{event_id}.
    routers = (
        events.writes,
        health.router,
        search.router,
        deletes.router,
        events.router,
        sessions.router,
    )
    for router in (*routers, otlp.router, metrics_route.router):
        app.include_router(router)
    if settings.test_mode:
        install_test_mode(app, services)
    install_ui(app, services)
    logging.getLogger("app").setLevel(settings.log_level.upper())
    if settings.log_format == "json":
        use_json_logs()
    # Outermost: every answer (errors included) gets a request id and is counted.
    app.add_middleware(RequestObserver, metrics=metrics, log_requests=settings.log_format == "json")
    return app


def create_app_from_env() -> FastAPI:
    """ASGI factory for ``uvicorn --factory app.main:create_app_from_env``."""
    app = create_app(Settings())
    # Everything loaded by now (modules, schemas, the app) lives as long as the process: keep
    # it out of the cyclic collector's full passes. A batch or an OTLP export allocates tens
    # of thousands of containers, and each full pass would walk all of this again.
    gc.freeze()
    # A request allocates hundreds of containers (the parsed body, models, coroutines): at
    # Python's default (a young collection every 700 allocations) the collector ran about
    # once a request and walked the objects of every request in flight each time, some 8%
    # of the CPU of a single create. Almost all of it is freed by reference counting anyway.
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    return app
