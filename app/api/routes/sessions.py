"""Routes that start sessions and add events to a session.

Wire protocol: docs/protocol.md#sessions and #session-batches.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from app.api.batch_answer import batch_answer
from app.api.body import JsonBody, read_model
from app.api.deps import ProjectDep, ServicesDep, caller
from app.api.legacy_shapes import without_nulls
from app.api.openapi import json_body
from app.api.responses import JsonResponse
from app.domain.projects import Project
from app.domain.records import EventRecord
from app.schemas.events import (
    LegacySessionStartBody,
    SessionBatchBody,
    SessionProperties,
    SessionTracesBody,
)

router = APIRouter(tags=["sessions"])


def _session_answer(session: EventRecord, project: Project) -> JsonResponse:
    """The full session event plus the ids the SDK requires (it falls back to a random
    local session when any of event_id/session_id/org_id/workspace_id/project_id lacks)."""
    body: dict[str, Any] = dict(session)
    body.update(
        {"org_id": project.org_id, "workspace_id": project.workspace_id, "project_id": project.id}
    )
    return JsonResponse(body)


@router.post("/session/start", openapi_extra=json_body(LegacySessionStartBody))
async def start_session_legacy(request: Request) -> JsonResponse:
    """Start (or re-start, merging metadata and user_properties) a session."""
    services, project = await caller(request)  # a single write: see app/api/routes/events.py
    body = await read_model(request, LegacySessionStartBody)
    session = await services.events.start_session(project, body.session.model_dump())
    return _session_answer(session, project)


@router.get("/session/{session_id}")
async def get_session_legacy(
    session_id: str, services: ServicesDep, project: ProjectDep
) -> JsonResponse:
    """Legacy (Python 0.1.x/0.2.x `session.get_session`, TypeScript `session.getSession`):
    the session event itself, bare (those clients parse the whole answer as one event) and
    without null fields; 404 when the project has no such session."""
    return JsonResponse(without_nulls(await services.events.get_session(project, session_id)))


@router.post("/v1/sessions", openapi_extra=json_body(SessionProperties))
async def start_session(request: Request) -> JsonResponse:
    """Start a session from a bare session object; idempotent on `session_id`."""
    services, project = await caller(request)
    body = await read_model(request, SessionProperties)
    session = await services.events.start_session(project, body.model_dump())
    return _session_answer(session, project)


@router.post("/v1/sessions/{session_id}/events/batch", openapi_extra=json_body(SessionBatchBody))
async def add_session_events(
    session_id: str,
    services: ServicesDep,
    project: ProjectDep,
    body: JsonBody[SessionBatchBody],
) -> JsonResponse:
    """Add events to a session; each event's `session_id` is overridden by the path."""
    outcome = await services.events.create_batch(
        project, [event.model_dump() for event in body.events], session_id=session_id
    )
    return JsonResponse(batch_answer(outcome, with_session=False))


@router.post("/session/{session_id}/traces", openapi_extra=json_body(SessionTracesBody))
async def add_session_traces(
    session_id: str,
    services: ServicesDep,
    project: ProjectDep,
    body: JsonBody[SessionTracesBody],
) -> JsonResponse:
    """Legacy: add `events` (or the deprecated `logs`, never both) to a session."""
    outcome = await services.events.create_batch(
        project, [event.model_dump() for event in body.items], session_id=session_id
    )
    return JsonResponse(batch_answer(outcome, with_session=False))
