"""Routes that read events back: search, export, session trees, the field schema.

Wire protocol: docs/protocol.md#search and #export.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query

from app.api.body import JsonBody
from app.api.deps import ProjectDep, ServicesDep
from app.api.legacy_shapes import without_nulls
from app.api.openapi import json_body
from app.api.responses import JsonResponse
from app.clock import now_ms
from app.schemas.search import ExportBody, SearchBody

router = APIRouter(tags=["search"])
RELATIVE_SPAN = re.compile(r"[0-9]+[mhdw]")


def _page(events: list[dict[str, Any]], total: int) -> JsonResponse:
    # `count` is what the generated SDK models require, `totalEvents` what the Python
    # export() wrapper reads first: send both.
    return JsonResponse({"events": events, "count": total, "totalEvents": total})


@router.post("/v1/events/search", openapi_extra=json_body(SearchBody))
async def search_events(
    services: ServicesDep,
    project: ProjectDep,
    body: JsonBody[SearchBody],
) -> JsonResponse:
    """Events matching all filters, newest first (start_time DESC, event_id DESC), paged."""
    events, total = await services.search.search(project, body.to_query())
    return _page(events, total)


@router.post("/v1/events/export", openapi_extra=json_body(ExportBody))
async def export_events(
    services: ServicesDep,
    project: ProjectDep,
    body: JsonBody[ExportBody],
) -> JsonResponse:
    """The Python SDK's read path: as search, with the legacy date ranges and projections."""
    events, total = await services.search.search(project, body.to_query(now_ms()))
    return _page(events, total)


@router.post("/events/export", openapi_extra=json_body(ExportBody))
async def export_events_legacy(
    services: ServicesDep,
    project: ProjectDep,
    body: JsonBody[ExportBody],
) -> JsonResponse:
    """Legacy (Python 0.2.x `events.get_events`, TypeScript `events.getEvents`): the same
    body and page as `/v1/events/export`, each event without its null fields."""
    events, total = await services.search.search(project, body.to_query(now_ms()))
    return _page([without_nulls(event) for event in events], total)


# The legacy schema route looks at this many of the newest matching events.
SCHEMA_SAMPLE = 10_000


@router.get("/v1/events/schema")
async def events_schema(
    services: ServicesDep,
    project: ProjectDep,
    date_range: Annotated[str | None, Query(alias="dateRange")] = None,
    evaluation_id: str | None = None,
) -> JsonResponse:
    """Legacy: the fields found in recent events, per event type. `dateRange` may be JSON,
    a relative span (`7d`) or the Python-repr form the generated client sends."""
    body = ExportBody.model_validate(
        {"dateRange": parse_query_date_range(date_range), "evaluation_id": evaluation_id}
    )
    fields = await services.search.schema(project, body.to_query(now_ms()), SCHEMA_SAMPLE)
    return JsonResponse({"fields": fields, "datasets": [], "mappings": {}})


def parse_query_date_range(raw: str | None) -> Any:
    """A date range given in a query string: JSON text, a relative span, or left as text
    for the export parser (which also reads ``gte='...' lte='...'``)."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if RELATIVE_SPAN.fullmatch(text):
        return {"relative": text}
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


@router.get("/v1/sessions/{session_id}")
async def get_session_tree(
    session_id: str, services: ServicesDep, project: ProjectDep
) -> JsonResponse:
    """The session event with its events nested under `children`, and rollups."""
    return JsonResponse({"session": await services.search.session_tree(project, session_id)})
