"""Test-mode routes (only with EVENTS_TEST_MODE / `serve --test-mode`), all scoped to the
caller's project: reset, captured requests, wait for events, fault injection."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request

from app.api.body import JsonBody
from app.api.deps import ProjectDep
from app.api.openapi import json_body
from app.api.responses import JsonResponse
from app.domain.records import EVENT_TYPES
from app.errors import BadRequest
from app.search.filters import Filter, parse_filter, parse_filters
from app.search.query import SearchQuery
from app.testmode.schemas import FaultBody
from app.testmode.service import TestModeService

router = APIRouter(prefix="/_test", tags=["test mode"])

MAX_WAIT_COUNT = 100_000
MAX_WAIT_TIMEOUT_S = 300.0
MAX_WAIT_LIMIT = 10_000
# Query parameters of GET /_test/wait that stand for `<field> is <value>` (type string).
WAIT_SHORTCUTS = ("event_type", "event_name", "session_id", "event_id", "parent_id", "source")


async def get_test_mode(request: Request) -> TestModeService:
    test_mode: TestModeService = request.app.state.test_mode  # set by install_test_mode
    return test_mode


TestModeDep = Annotated[TestModeService, Depends(get_test_mode)]


@router.post("/reset")
async def reset(project: ProjectDep, test_mode: TestModeDep) -> JsonResponse:
    """Delete the caller's project's events, captured requests and armed faults."""
    result = await test_mode.reset(project)
    deleted = {"events": result.events, "requests": result.requests, "faults": result.faults}
    return JsonResponse({"success": True, "deleted": deleted})


@router.get("/requests")
async def list_requests(
    project: ProjectDep,
    test_mode: TestModeDep,
    method: Annotated[str | None, Query(max_length=16, description="Only this method.")] = None,
    path: Annotated[
        str | None, Query(max_length=1024, description="Only paths matching this fnmatch pattern.")
    ] = None,
) -> JsonResponse:
    """The raw requests the project sent (oldest first; /_test calls are not recorded)."""
    found = test_mode.captures.list(project.id, method=method, path=path)
    return JsonResponse({"requests": [item.as_json() for item in found], "count": len(found)})


def _wait_filters(request: Request, raw_filters: str | None) -> tuple[Filter, ...]:
    filters: list[Filter] = []
    if raw_filters is not None:
        try:
            decoded = orjson.loads(raw_filters)
        except orjson.JSONDecodeError as exc:
            raise BadRequest(f"filters: not valid JSON ({exc})") from exc
        filters.extend(parse_filters(decoded, strict=True, loc="filters"))
    for name in WAIT_SHORTCUTS:
        values = request.query_params.getlist(name)
        if len(values) > 1:
            raise BadRequest(f"{name}: give it at most once")
        if not values:
            continue
        if name == "event_type" and values[0] not in EVENT_TYPES:
            raise BadRequest(f"event_type: must be one of {', '.join(EVENT_TYPES)}")
        raw = {"field": name, "operator": "is", "value": values[0], "type": "string"}
        filters.append(parse_filter(raw, strict=True, loc=name))
    return tuple(filters)


@router.get("/wait")
async def wait_for_events(
    request: Request,
    project: ProjectDep,
    test_mode: TestModeDep,
    count: Annotated[int, Query(ge=0, le=MAX_WAIT_COUNT, description="Events to wait for.")] = 1,
    timeout_s: Annotated[
        float, Query(ge=0, le=MAX_WAIT_TIMEOUT_S, description="Seconds before 408.")
    ] = 10.0,
    filters: Annotated[
        str | None, Query(description="A JSON list of search filters (AND-ed).")
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_WAIT_LIMIT, description="Most events returned.")
    ] = 1000,
    event_type: Annotated[str | None, Query()] = None,
    event_name: Annotated[str | None, Query()] = None,
    session_id: Annotated[str | None, Query()] = None,
    event_id: Annotated[str | None, Query()] = None,
    parent_id: Annotated[str | None, Query()] = None,
    source: Annotated[str | None, Query()] = None,
) -> JsonResponse:
    """As soon as `count` events of the project match every filter: `{"count", "events"}`
    (the newest `limit` matches, oldest first); 408 with the count seen after
    `timeout_s`. The shortcut parameters mean `<field> is <value>`."""
    del event_type, event_name, session_id, event_id, parent_id, source  # read below
    query = SearchQuery(filters=_wait_filters(request, filters), limit=limit)
    seen, events = await test_mode.wait(
        project, query, count=count, timeout_s=timeout_s, gone=request.is_disconnected
    )
    return JsonResponse({"count": seen, "events": events})


@router.post("/faults", openapi_extra=json_body(FaultBody))
async def arm_fault(
    project: ProjectDep,
    body: JsonBody[FaultBody],
    test_mode: TestModeDep,
) -> JsonResponse:
    """Make the next `count` matching requests of the project fail with `status` (in the
    error envelope; Retry-After for 429 and 503) and/or wait `delay_ms` first."""
    fault = test_mode.faults.arm(
        project.id,
        method=body.method,
        path=body.path,
        status=body.status,
        count=body.count,
        retry_after_s=body.retry_after_s,
        delay_ms=body.delay_ms,
    )
    return JsonResponse({"success": True, "fault": fault.as_json()})


@router.get("/faults")
async def list_faults(project: ProjectDep, test_mode: TestModeDep) -> JsonResponse:
    """The project's armed faults, with the turns they have left."""
    armed: list[dict[str, Any]] = [fault.as_json() for fault in test_mode.faults.list(project.id)]
    return JsonResponse({"faults": armed})


@router.delete("/faults")
async def disarm_faults(project: ProjectDep, test_mode: TestModeDep) -> JsonResponse:
    """Disarm every fault of the project."""
    return JsonResponse({"success": True, "disarmed": test_mode.faults.clear(project.id)})
