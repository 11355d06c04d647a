"""Routes that create, update and read single events and batches.

Wire protocol: docs/protocol.md#event-fields, #update and #batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.api.batch_answer import batch_answer
from app.api.body import JsonBody, read_model, validate
from app.api.deps import ProjectDep, ServicesDep, caller
from app.api.openapi import json_body
from app.api.responses import JsonResponse
from app.domain.model_events import remap_model_event
from app.schemas.events import (
    LegacyBatchBody,
    LegacyCreateBody,
    LegacyEvent,
    LegacyUpdateBody,
    ModelBatchBody,
    ModelCreateBody,
    UpdateFields,
    V1BatchBody,
    V1Event,
)
from app.services.events import BatchOutcome

router = APIRouter(tags=["events"])
# The single-write routes; app/main.py matches them first (the busiest routes of the API).
writes = APIRouter(tags=["events"])


def _created(event_id: str) -> JsonResponse:
    return JsonResponse({"success": True, "event_id": event_id})


def _fields_of(events: Sequence[BaseModel]) -> list[dict[str, Any]]:
    """Each validated event's fields, as ``model_dump`` gives them but shallow: it would copy
    every JSON value of every event again (a batch's biggest cost after parsing). These
    models keep no extra keys, so their ``__dict__`` is exactly their fields."""
    return [event.__dict__.copy() for event in events]


def _batch_created(outcome: BatchOutcome) -> JsonResponse:
    return JsonResponse(batch_answer(outcome))


# The single-write routes (one event per request: most of the SDKs' traffic) take the bare
# Request and resolve the caller and the body themselves, in the order the dependencies would
# (401 before the body is read): see app.api.deps.caller.


@writes.post("/v1/events", openapi_extra=json_body(V1Event))
async def create_event(request: Request) -> JsonResponse:
    """Create one event from a bare event object; unknown keys are rejected."""
    services, project = await caller(request)
    event = await read_model(request, V1Event)
    return _created(await services.events.create(project, event.model_dump()))


@writes.post("/events", openapi_extra=json_body(LegacyCreateBody))
async def create_event_legacy(request: Request) -> JsonResponse:
    """Create one event from ``{"event": {...}}`` (the Python SDK's route)."""
    services, project = await caller(request)
    body = await read_model(request, LegacyCreateBody)
    return _created(await services.events.create(project, body.event.model_dump()))


@writes.put("/events", openapi_extra=json_body(LegacyUpdateBody))
async def update_event_legacy(request: Request) -> JsonResponse:
    """Update an event whose id is in the body (merge rules: docs/api.md#update-merge-rules)."""
    services, project = await caller(request)
    body = await read_model(request, LegacyUpdateBody)
    await services.events.update(project, body.event_id, body.model_dump())
    return JsonResponse({"success": True, "event_id": body.event_id})


# The id is read from the path itself: as a parameter, FastAPI validated it on every request
# (3-4% of an update's CPU); the OpenAPI document declares it as it would.
EVENT_ID_IN_PATH = {
    "in": "path",
    "name": "event_id",
    "required": True,
    "schema": {"title": "Event Id", "type": "string"},
}


@writes.put(
    "/v1/events/{event_id}",
    openapi_extra={"parameters": [EVENT_ID_IN_PATH], **json_body(UpdateFields)},
)
async def update_event(request: Request) -> JsonResponse:
    """Update an event (merge rules: docs/api.md#update-merge-rules)."""
    event_id: str = request.path_params["event_id"]
    services, project = await caller(request)
    body = await read_model(request, UpdateFields)
    await services.events.update(project, event_id, body.model_dump())
    return JsonResponse({"success": True, "event_id": event_id})


@router.get("/v1/events/{event_id}")
async def get_event(event_id: str, services: ServicesDep, project: ProjectDep) -> JsonResponse:
    """One event as ``{"event": {...}}``; 404 when the project has no such event."""
    return JsonResponse({"event": await services.events.get(project, event_id)})


@router.post("/v1/events/batch", openapi_extra=json_body(V1BatchBody))
async def create_batch(
    services: ServicesDep,
    project: ProjectDep,
    body: JsonBody[V1BatchBody],
) -> JsonResponse:
    """Create many events in one transaction; strict (no legacy aliases)."""
    props = body.session_properties.model_dump() if body.session_properties else None
    outcome = await services.events.create_batch(
        project,
        _fields_of(body.events),
        single_session=body.single_session,
        session_fields=props,
    )
    return _batch_created(outcome)


@router.post("/events/batch", openapi_extra=json_body(LegacyBatchBody))
async def create_batch_legacy(
    services: ServicesDep,
    project: ProjectDep,
    body: JsonBody[LegacyBatchBody],
) -> JsonResponse:
    """Create many events; accepts `is_single_session`, `session` and per-event `project`."""
    props = body.session_fields.model_dump() if body.session_fields else None
    outcome = await services.events.create_batch(
        project,
        _fields_of(body.events),
        single_session=body.wants_single_session,
        session_fields=props,
    )
    return _batch_created(outcome)


def _model_event_fields(raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    fields = remap_model_event(raw)
    return validate(LegacyEvent, fields, prefix=prefix).model_dump()


@router.post("/events/model", openapi_extra=json_body(ModelCreateBody))
async def create_model_event(
    services: ServicesDep,
    project: ProjectDep,
    body: JsonBody[ModelCreateBody],
) -> JsonResponse:
    """Legacy: create a model event; model-specific keys are remapped into inputs/outputs."""
    fields = _model_event_fields(body.model_event.model_dump(exclude_none=True), "model_event")
    return _created(await services.events.create(project, fields))


@router.post("/events/model/batch", openapi_extra=json_body(ModelBatchBody))
async def create_model_batch(
    services: ServicesDep,
    project: ProjectDep,
    body: JsonBody[ModelBatchBody],
) -> JsonResponse:
    """Legacy: create many model events."""
    items = [
        _model_event_fields(event.model_dump(exclude_none=True), f"model_events[{index}]")
        for index, event in enumerate(body.model_events)
    ]
    props = body.session_fields.model_dump() if body.session_fields else None
    outcome = await services.events.create_batch(
        project, items, single_session=body.wants_single_session, session_fields=props
    )
    return _batch_created(outcome)
