"""Routes that read events back: search, export, session trees, the field schema (§2)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from app.api.body import read_json, validate
from app.api.deps import ProjectDep, ServicesDep
from app.api.openapi import json_body
from app.api.responses import JsonResponse
from app.schemas.search import ExportBody, SearchBody
from app.services.events import now_ms

router = APIRouter(tags=["search"])


def _page(events: list[dict[str, Any]], total: int) -> JsonResponse:
    # `count` is what the generated SDK models require, `totalEvents` what the Python
    # export() wrapper reads first: send both.
    return JsonResponse({"events": events, "count": total, "totalEvents": total})


@router.post("/v1/events/search", openapi_extra=json_body(SearchBody))
async def search_events(
    request: Request, services: ServicesDep, project: ProjectDep
) -> JsonResponse:
    """Events matching all filters, newest first (start_time DESC, event_id DESC), paged."""
    body = validate(SearchBody, await read_json(request, services.settings.max_body_bytes))
    events, total = await services.search.search(project, body.to_query())
    return _page(events, total)


@router.post("/v1/events/export", openapi_extra=json_body(ExportBody))
async def export_events(
    request: Request, services: ServicesDep, project: ProjectDep
) -> JsonResponse:
    """The Python SDK's read path: as search, with the legacy date ranges and projections."""
    body = validate(ExportBody, await read_json(request, services.settings.max_body_bytes))
    events, total = await services.search.search(project, body.to_query(now_ms()))
    return _page(events, total)


@router.get("/v1/sessions/{session_id}")
async def get_session_tree(
    session_id: str, services: ServicesDep, project: ProjectDep
) -> JsonResponse:
    """The session event with its events nested under `children`, and rollups."""
    return JsonResponse({"session": await services.search.session_tree(project, session_id)})
