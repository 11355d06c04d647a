"""OTLP trace ingestion, pure part: decode export requests and map spans to events."""

from __future__ import annotations

from app.otlp.decode import (
    JSON_MEDIA_TYPE,
    PROTOBUF_MEDIA_TYPE,
    Span,
    SpanEvent,
    decode_export_request,
    encode_export_response,
    response_media_type,
)
from app.otlp.mapping import RULES, AttributeRule, MappingResult, map_spans, span_event_id

__all__ = [
    "JSON_MEDIA_TYPE",
    "PROTOBUF_MEDIA_TYPE",
    "RULES",
    "AttributeRule",
    "MappingResult",
    "Span",
    "SpanEvent",
    "decode_export_request",
    "encode_export_response",
    "map_spans",
    "response_media_type",
    "span_event_id",
]
