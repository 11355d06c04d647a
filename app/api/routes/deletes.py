"""Routes that delete events: one event, a session, or what filters match."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.body import JsonBody
from app.api.deps import ProjectDep, ServicesDep
from app.api.openapi import json_body
from app.api.responses import JsonResponse
from app.schemas.deletes import DeleteBody

router = APIRouter(tags=["deletes"])


@router.delete("/v1/events/{event_id}")
async def delete_event(event_id: str, services: ServicesDep, project: ProjectDep) -> JsonResponse:
    """Delete one event of the caller's project; 404 when absent."""
    deleted = await services.deletes.delete_event(project, event_id)
    return JsonResponse({"success": True, "deleted": deleted})


@router.delete("/v1/sessions/{session_id}")
async def delete_session(
    session_id: str, services: ServicesDep, project: ProjectDep
) -> JsonResponse:
    """Delete the session event and every event of the session; 404 when none exists."""
    deleted = await services.deletes.delete_session(project, session_id)
    return JsonResponse({"success": True, "deleted": deleted})


@router.post("/v1/events/delete", openapi_extra=json_body(DeleteBody))
async def delete_events(
    services: ServicesDep, project: ProjectDep, body: JsonBody[DeleteBody]
) -> JsonResponse:
    """Delete the events matching `filters` and `dateRange` (as search); `dry_run` only
    counts them; no filter and no dateRange needs `all: true`."""
    outcome = await services.deletes.delete_matching(project, body.to_query(), dry_run=body.dry_run)
    return JsonResponse(
        {
            "success": True,
            "dry_run": body.dry_run,
            "count": outcome.matched,
            "deleted": outcome.deleted,
        }
    )
