"""Synthetic OTLP trace payloads (JSON and protobuf) shaped like the HoneyHive tracer's."""

from __future__ import annotations

import random
import uuid

import orjson
from google.protobuf.json_format import ParseDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


def _attr(key: str, value: object) -> dict[str, object]:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": str(value)}}


def _request(spans: int, seed: int, hex_ids: bool) -> dict[str, object]:
    rng = random.Random(seed)
    session_id = str(uuid.UUID(int=rng.getrandbits(128)))
    trace_id = f"{rng.getrandbits(128):032x}"
    start = 1_700_000_000_000_000_000 + seed * 10_000_000_000
    out = []
    root_id = f"{rng.getrandbits(64):016x}"
    for i in range(spans):
        span_id = root_id if i == 0 else f"{rng.getrandbits(64):016x}"
        out.append(
            {
                "traceId": trace_id,
                "spanId": span_id,
                "parentSpanId": None if i == 0 else root_id,
                "name": f"__main__.step_{i % 13}",
                "kind": "SPAN_KIND_INTERNAL",
                "startTimeUnixNano": str(start + i * 1_000_000),
                "endTimeUnixNano": str(start + i * 1_000_000 + 500_000),
                "attributes": [
                    _attr("honeyhive.session_id", session_id),
                    _attr("honeyhive.project", "bench"),
                    _attr("honeyhive.source", "bench"),
                    _attr("honeyhive_event_type", "chain" if i == 0 else "tool"),
                    _attr("honeyhive_inputs.question", f"q{i}"),
                    _attr("honeyhive_outputs.result", f"a{i}"),
                    _attr("honeyhive_metadata.cost", i / 1000),
                    _attr("honeyhive_metrics.score", i % 10),
                ],
                "status": {"code": "STATUS_CODE_OK"},
            }
        )
    if not hex_ids:
        for span in out:
            for key in ("traceId", "spanId", "parentSpanId"):
                value = span[key]
                span[key] = "" if value is None else _b64(str(value))
            span["kind"] = 1
            span["status"] = {"code": 1}
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", "bench")]},
                "scopeSpans": [{"scope": {"name": "honeyhive.bench"}, "spans": out}],
            }
        ]
    }


def _b64(hex_text: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_text)).decode()


def otlp_json_payload(spans: int, seed: int = 0) -> bytes:
    """OTLP/JSON as the HoneyHive SDK sends it (hex ids, enum names)."""
    return orjson.dumps(_request(spans, seed, hex_ids=True))


def otlp_protobuf_payload(spans: int, seed: int = 0) -> bytes:
    """The same spans as a binary ExportTraceServiceRequest."""
    message = ParseDict(_request(spans, seed, hex_ids=False), ExportTraceServiceRequest())
    return message.SerializeToString()
