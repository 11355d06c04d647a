"""The OpenAPI document as a contract tools can use: every schema reference resolves (request
bodies' ``$defs`` move into ``components/schemas``), each success answer has its real shape,
and every status the server sends is documented with the error envelope (422, which the
server never sends, is removed)."""

from __future__ import annotations

import copy
from typing import Any, Final

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from app.schemas import responses as r

REF_PREFIX: Final[str] = "#/components/schemas/"

# The 200 answer of each operation.
SUCCESS: Final[dict[tuple[str, str], type[BaseModel]]] = {
    ("get", "/healthz"): r.Health,
    ("get", "/healthcheck"): r.Health,
    ("get", "/readyz"): r.Ready,
    ("post", "/v1/events/search"): r.EventPage,
    ("post", "/v1/events/export"): r.EventPage,
    ("get", "/v1/events/schema"): r.FieldSchema,
    ("get", "/v1/sessions/{session_id}"): r.SessionTree,
    ("post", "/v1/events"): r.Created,
    ("post", "/events"): r.Created,
    ("put", "/events"): r.Created,
    ("put", "/v1/events/{event_id}"): r.Created,
    ("get", "/v1/events/{event_id}"): r.OneEvent,
    ("post", "/v1/events/batch"): r.BatchCreated,
    ("post", "/events/batch"): r.BatchCreated,
    ("post", "/events/model"): r.Created,
    ("post", "/events/model/batch"): r.BatchCreated,
    ("post", "/session/start"): r.SessionStarted,
    ("post", "/v1/sessions"): r.SessionStarted,
    ("post", "/v1/sessions/{session_id}/events/batch"): r.SessionEventsAdded,
    ("post", "/session/{session_id}/traces"): r.SessionEventsAdded,
    ("post", "/opentelemetry/v1/traces"): r.ExportTraceResponse,
    ("post", "/v1/traces"): r.ExportTraceResponse,
    # Legacy read routes of the 0.x SDKs: events without their null fields.
    ("post", "/events/export"): r.EventPage,
    ("get", "/session/{session_id}"): r.ProjectedEvent,
    ("delete", "/v1/events/{event_id}"): r.Deleted,
    ("delete", "/v1/sessions/{session_id}"): r.Deleted,
    ("post", "/v1/events/delete"): r.DeletedMatching,
}
# Operations whose success answer is not JSON.
TEXT_SUCCESS: Final[frozenset[tuple[str, str]]] = frozenset({("get", "/metrics")})

# Why each error status can happen (docs/operations.md has the full table).
REASONS: Final[dict[int, str]] = {
    400: "Bad input (body, path or query), in the error envelope with details.",
    401: "Missing, unknown or revoked API key (EVENTS_AUTH=keys).",
    404: "No such event or session in the caller's project, or no such route.",
    408: "The request body did not arrive in time (EVENTS_BODY_TIMEOUT_S).",
    413: "The body is over EVENTS_MAX_BODY_BYTES (also after decompression).",
    415: "The Content-Type is not one the route reads.",
    429: "Too many failed authentications from this client; see Retry-After.",
    503: "SERVER_BUSY (admission limit or no free connection), WRITE_CONFLICT, QUERY_TIMEOUT "
    "or SERVICE_UNAVAILABLE (database down); see Retry-After.",
}
PROBES: Final[frozenset[str]] = frozenset({"/healthz", "/healthcheck", "/readyz"})
OTLP_PATHS: Final[frozenset[str]] = frozenset({"/opentelemetry/v1/traces", "/v1/traces"})


def error_statuses(method: str, path: str) -> list[int]:
    """The error statuses the operation can answer."""
    if path in PROBES:
        return [400, 503] if path == "/readyz" else [400]
    statuses = {400, 401, 408, 429, 503}
    if "{" in path or (method, path) == ("put", "/events"):
        statuses.add(404)  # absent ids; an id holding "/" matches no route
    if method in ("post", "put"):
        statuses.update({413, 415})
    return sorted(statuses)


def _model_schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF_PREFIX + "{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault(model.__name__, schema)
    return {"$ref": REF_PREFIX + model.__name__}


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                value.replace("#/$defs/", REF_PREFIX)
                if key == "$ref" and isinstance(value, str)
                else _rewrite_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node


def _hoist_defs(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """A request body schema with its ``$defs`` moved into components/schemas."""
    schema = copy.deepcopy(schema)
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, _rewrite_refs(definition))
    return dict(_rewrite_refs(schema))


def build_openapi(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    envelope = _model_schema(r.ErrorEnvelope, components)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                if "schema" in media:
                    media["schema"] = _hoist_defs(media["schema"], components)
            responses: dict[str, Any] = {}
            model = SUCCESS.get((method, path))
            ok: dict[str, Any] = {"description": "Success."}
            if model is not None:
                ok["content"] = {"application/json": {"schema": _model_schema(model, components)}}
            elif (method, path) in TEXT_SUCCESS:
                ok["content"] = {"text/plain": {"schema": {"type": "string"}}}
                if path in OTLP_PATHS:
                    ok["content"]["application/x-protobuf"] = {
                        "schema": {"type": "string", "format": "binary"}
                    }
            responses["200"] = ok
            for status in error_statuses(method, path):
                responses[str(status)] = {
                    "description": REASONS[status],
                    "content": {"application/json": {"schema": envelope}},
                }
            operation["responses"] = responses
    return document


def install_openapi_contract(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
