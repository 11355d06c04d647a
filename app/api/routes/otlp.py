"""OTLP/HTTP trace ingestion: POST /opentelemetry/v1/traces (the SDK) and /v1/traces.

Wire protocol: docs/protocol.md#otlp.
"""

from __future__ import annotations

import zlib

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.api.body import read_body
from app.api.deps import ProjectDep, ServicesDep
from app.errors import BadRequest, PayloadTooLarge
from app.otlp import decode_export_request, encode_export_response, map_spans
from app.otlp.decode import response_media_type

router = APIRouter(tags=["otlp"])

OTLP_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


def decompress(body: bytes, encoding: str | None, max_bytes: int) -> bytes:
    """Undo ``Content-Encoding: gzip|deflate``, refusing output over ``max_bytes``."""
    encoding = (encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise BadRequest(f"unsupported Content-Encoding {encoding!r}; use gzip or none")
    wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    try:
        data = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise BadRequest(f"body is not valid {encoding} data: {exc}") from exc
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"decompressed body is over the limit of {max_bytes} bytes")
    if not inflater.eof:
        raise BadRequest(f"body is truncated {encoding} data")
    return data


async def _export(request: Request, services: ServicesDep, project: ProjectDep) -> Response:
    limit = services.settings.max_body_bytes
    content_type = request.headers.get("content-type")
    body = decompress(
        await read_body(request, limit), request.headers.get("content-encoding"), limit
    )
    spans = decode_export_request(body, content_type)
    result = map_spans(spans, project_id=project.id, header_source=request.headers.get("x-source"))
    await services.events.ingest_spans(project, result.events, result.sessions)
    message = None
    if result.rejected:
        message = "; ".join(f"span {index}: {reason}" for index, reason in result.rejected[:20])
    return Response(
        encode_export_response(len(result.rejected), message, content_type),
        media_type=response_media_type(content_type),
    )


router.add_api_route(
    "/opentelemetry/v1/traces",
    _export,
    methods=["POST"],
    summary="OTLP/HTTP trace export (HoneyHive SDK path)",
    openapi_extra=OTLP_BODY,
)
router.add_api_route(
    "/v1/traces",
    _export,
    methods=["POST"],
    summary="OTLP/HTTP trace export (standard path)",
    openapi_extra=OTLP_BODY,
)
