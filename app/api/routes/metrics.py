"""`GET /metrics`: Prometheus text format. In keys auth mode it needs an API key unless
EVENTS_METRICS_PUBLIC is true."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.api.deps import ServicesDep, bearer_token

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response)
async def metrics(request: Request, services: ServicesDep) -> Response:
    """Counters, histograms and gauges of this server process."""
    if services.settings.auth == "keys" and not services.settings.metrics_public:
        await services.auth.authenticate(bearer_token(request))
    exposition = request.app.state.metrics.exposition()
    return Response(exposition, media_type=CONTENT_TYPE_LATEST)
