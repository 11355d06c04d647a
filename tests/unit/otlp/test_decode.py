"""Decoding OTLP export requests (protobuf and JSON) and encoding the export response."""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from google.protobuf import json_format
from honeyhive.tracer.processing.otlp_exporter import OTLPJSONExporter
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as PbSpan
from opentelemetry.proto.trace.v1.trace_pb2 import Status as PbStatus
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

from app.errors import BadRequest, UnsupportedMediaType
from app.otlp import (
    JSON_MEDIA_TYPE,
    PROTOBUF_MEDIA_TYPE,
    decode_export_request,
    encode_export_response,
    response_media_type,
)

TRACE_HEX = "0af7651916cd43dd8448eb211c80319c"
SPAN_HEX = "b7ad6b7169203331"
PARENT_HEX = "00f067aa0ba902b7"


# --------------------------------------------------------------------------- real SDK spans


@pytest.fixture(scope="module")
def sdk_spans() -> Iterator[list[ReadableSpan]]:
    """Spans made by the real opentelemetry-sdk: nested, typed attributes, an error."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "svc"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("honeyhive.test", "1.0")
    with tracer.start_as_current_span("outer", kind=SpanKind.SERVER) as outer:
        outer.set_attribute("honeyhive.session_id", "sess-1")
        outer.set_attribute("honeyhive_inputs.q", "hello")
        outer.set_attribute("honeyhive_metrics.n", 7)
        outer.set_attribute("honeyhive_metrics.score", 0.5)
        outer.set_attribute("flag", True)
        outer.set_attribute("tags", ["a", "b"])
        outer.set_attribute("ratios", [0.5, 1.5])
        outer.set_attribute("huge", 2**62)
        with tracer.start_as_current_span("inner") as inner:
            inner.set_attribute("honeyhive.session_id", "sess-1")
            inner.add_event("note", {"k": "v", "n": 1})
        try:
            with tracer.start_as_current_span("bad") as bad:
                bad.set_attribute("honeyhive.session_id", "sess-1")
                raise ValueError("boom")
        except ValueError:
            pass
        outer.set_status(Status(StatusCode.OK))
    spans = list(exporter.get_finished_spans())
    yield spans
    provider.shutdown()


def test_protobuf_from_the_stock_encoder(sdk_spans: list[ReadableSpan]) -> None:
    body = encode_spans(sdk_spans).SerializeToString()
    spans = decode_export_request(body, "application/x-protobuf")
    assert [s.name for s in spans] == ["inner", "bad", "outer"]
    inner, bad, outer = spans
    outer_ctx = sdk_spans[2].context
    assert outer.trace_id == format(outer_ctx.trace_id, "032x")
    assert outer.span_id == format(outer_ctx.span_id, "016x")
    assert outer.parent_span_id is None
    assert inner.parent_span_id == outer.span_id
    assert inner.trace_id == outer.trace_id
    assert outer.kind == "SERVER" and inner.kind == "INTERNAL"
    assert outer.status_code == "OK"
    assert bad.status_code == "ERROR"
    assert bad.status_message == "ValueError: boom"
    assert bad.events[0].name == "exception"
    assert bad.events[0].attributes["exception.message"] == "boom"
    assert inner.events[0].attributes == {"k": "v", "n": 1}
    assert inner.events[0].time_unix_nano > 0
    assert outer.start_time_unix_nano == sdk_spans[2].start_time
    assert outer.end_time_unix_nano == sdk_spans[2].end_time
    assert outer.attributes == {
        "honeyhive.session_id": "sess-1",
        "honeyhive_inputs.q": "hello",
        "honeyhive_metrics.n": 7,
        "honeyhive_metrics.score": 0.5,
        "flag": True,
        "tags": ["a", "b"],
        "ratios": [0.5, 1.5],
        "huge": 2**62,
    }
    assert outer.resource_attributes["service.name"] == "svc"
    assert outer.scope_name == "honeyhive.test"


def test_honeyhive_json_exporter_and_stock_protobuf_agree(sdk_spans: list[ReadableSpan]) -> None:
    payload = OTLPJSONExporter(
        "http://127.0.0.1:9/opentelemetry/v1/traces"
    )._spans_to_otlp_json_payload(sdk_spans)
    from_json = decode_export_request(orjson.dumps(payload), "application/json")
    from_protobuf = decode_export_request(
        encode_spans(sdk_spans).SerializeToString(), "application/x-protobuf"
    )
    assert from_json == from_protobuf
    # The generic protobuf JSON mapping (base64 ids, enum names) decodes the same too.
    generic = json_format.MessageToJson(encode_spans(sdk_spans)).encode()
    assert decode_export_request(generic, "application/json") == from_protobuf


# --------------------------------------------------------------------------- value types


def _any_json(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": TRACE_HEX,
                                "spanId": SPAN_HEX,
                                "attributes": [{"key": "v", "value": value}],
                            }
                        ]
                    }
                ]
            }
        ]
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"stringValue": "s"}, "s"),
        ({"boolValue": False}, False),
        ({"intValue": "42"}, 42),
        ({"intValue": "-3"}, -3),
        ({"intValue": 9}, 9),
        ({"doubleValue": 1.25}, 1.25),
        ({"doubleValue": 2}, 2.0),
        ({"doubleValue": "NaN"}, "nan"),
        ({"doubleValue": "-Infinity"}, "-inf"),
        ({"arrayValue": {"values": [{"intValue": "1"}, {"stringValue": "x"}]}}, [1, "x"]),
        ({"arrayValue": {}}, []),
        (
            {
                "kvlistValue": {
                    "values": [
                        {"key": "a", "value": {"intValue": "1"}},
                        {"key": "b", "value": {"kvlistValue": {"values": []}}},
                    ]
                }
            },
            {"a": 1, "b": {}},
        ),
        ({"bytesValue": "AAE="}, "AAE="),
        ({}, None),
        ({"string_value": "snake"}, "snake"),
    ],
)
def test_json_any_values(value: dict[str, Any], expected: Any) -> None:
    (span,) = decode_export_request(orjson.dumps(_any_json(value)), "application/json")
    assert span.attributes["v"] == expected
    assert type(span.attributes["v"]) is type(expected)


def test_protobuf_any_values() -> None:
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add()
    span.trace_id = bytes.fromhex(TRACE_HEX)
    span.span_id = bytes.fromhex(SPAN_HEX)
    span.parent_span_id = bytes.fromhex(PARENT_HEX)
    span.kind = PbSpan.SPAN_KIND_CLIENT
    span.status.code = PbStatus.STATUS_CODE_ERROR

    def add(key: str) -> AnyValue:
        kv: KeyValue = span.attributes.add()
        kv.key = key
        return kv.value

    add("s").string_value = "s"
    add("b").bool_value = True
    add("i").int_value = -5
    add("d").double_value = 0.25
    add("nan").double_value = math.nan
    add("bytes").bytes_value = b"\x00\x01"
    array = add("arr").array_value
    array.values.add().int_value = 1
    array.values.add().string_value = "x"
    kvlist = add("kv").kvlist_value
    inner = kvlist.values.add()
    inner.key = "k"
    inner.value.bool_value = False
    add("empty")
    (decoded,) = decode_export_request(request.SerializeToString(), "application/x-protobuf")
    assert decoded.attributes == {
        "s": "s",
        "b": True,
        "i": -5,
        "d": 0.25,
        "nan": "nan",
        "bytes": base64.b64encode(b"\x00\x01").decode(),
        "arr": [1, "x"],
        "kv": {"k": False},
        "empty": None,
    }
    assert decoded.parent_span_id == PARENT_HEX
    assert decoded.kind == "CLIENT"
    assert decoded.status_code == "ERROR" and decoded.status_message is None


# --------------------------------------------------------------------------- ids, enums, times


def _span_json(**fields: Any) -> bytes:
    span = {"traceId": TRACE_HEX, "spanId": SPAN_HEX, **fields}
    return orjson.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]})


def test_ids_hex_base64_empty_and_null() -> None:
    (span,) = decode_export_request(
        _span_json(traceId=TRACE_HEX.upper(), parentSpanId=None), "application/json"
    )
    assert span.trace_id == TRACE_HEX and span.parent_span_id is None
    b64_parent = base64.b64encode(bytes.fromhex(PARENT_HEX)).decode()
    (span,) = decode_export_request(_span_json(parentSpanId=b64_parent), JSON_MEDIA_TYPE)
    assert span.parent_span_id == PARENT_HEX
    (span,) = decode_export_request(_span_json(parentSpanId=""), JSON_MEDIA_TYPE)
    assert span.parent_span_id is None
    (span,) = decode_export_request(_span_json(parentSpanId="0" * 16), JSON_MEDIA_TYPE)
    assert span.parent_span_id is None
    (span,) = decode_export_request(_span_json(spanId=""), JSON_MEDIA_TYPE)
    assert span.span_id == ""


def test_enums_times_and_snake_case_fields() -> None:
    body = orjson.dumps(
        {
            "resource_spans": [
                {
                    "scope_spans": [
                        {
                            "scope": {"name": "lib"},
                            "spans": [
                                {
                                    "trace_id": TRACE_HEX,
                                    "span_id": SPAN_HEX,
                                    "parent_span_id": PARENT_HEX,
                                    "kind": 3,
                                    "start_time_unix_nano": 1_700_000_000_123_456_789,
                                    "end_time_unix_nano": "1700000000223456789",
                                    "status": {"code": 2, "message": "bad"},
                                }
                            ],
                        }
                    ]
                }
            ]
        }
    )
    (span,) = decode_export_request(body, "application/json; charset=utf-8")
    assert span.parent_span_id == PARENT_HEX
    assert span.kind == "CLIENT"
    assert span.start_time_unix_nano == 1_700_000_000_123_456_789
    assert span.end_time_unix_nano == 1_700_000_000_223_456_789
    assert (span.status_code, span.status_message) == ("ERROR", "bad")
    assert span.scope_name == "lib"


def test_empty_requests() -> None:
    assert decode_export_request(b"{}", JSON_MEDIA_TYPE) == []
    assert decode_export_request(b'{"resourceSpans": []}', JSON_MEDIA_TYPE) == []
    assert decode_export_request(b"", PROTOBUF_MEDIA_TYPE) == []


def test_missing_content_type_is_sniffed() -> None:
    (span,) = decode_export_request(_span_json(name="sniffed"), None)
    assert span.name == "sniffed"
    request = ExportTraceServiceRequest()
    pb = request.resource_spans.add().scope_spans.add().spans.add()
    pb.trace_id, pb.span_id, pb.name = bytes.fromhex(TRACE_HEX), bytes.fromhex(SPAN_HEX), "pb"
    (span,) = decode_export_request(request.SerializeToString(), "")
    assert span.name == "pb"


# --------------------------------------------------------------------------- errors


def test_unsupported_content_type() -> None:
    with pytest.raises(UnsupportedMediaType) as info:
        decode_export_request(b"{}", "text/plain")
    assert "text/plain" in info.value.message
    assert info.value.status_code == 415


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"[]", "must be an object"),
        (b'{"events": []}', "no resourceSpans"),
        (b'{"resourceSpans": {}}', "resourceSpans must be a list"),
        (b'{"resourceSpans": [1]}', "resourceSpans[0] must be an object"),
        (
            b'{"resourceSpans": [{"scopeSpans": {"spans": []}}]}',
            "not an OTLP ExportTraceServiceRequest: resourceSpans[0].scopeSpans must be a list",
        ),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "xyz!"}]}]}]}',
            "resourceSpans[0].scopeSpans[0].spans[0].traceId must be a 32-character hex string",
        ),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "-1"}]}]}]}',
            "startTimeUnixNano must be an unsigned integer",
        ),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": {"k": 1}}]}]}]}',
            "spans[0].attributes must be a list",
        ),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": [{"key": "k", '
            b'"value": {"intValue": "1.5x"}}]}]}]}]}',
            "attributes[0].value.intValue must be an integer",
        ),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"kind": {}}]}]}]}',
            "spans[0].kind must be an enum name or number",
        ),
    ],
)
def test_bad_json_bodies(body: bytes, message: str) -> None:
    with pytest.raises(BadRequest) as info:
        decode_export_request(body, "application/json")
    assert message in info.value.message
    assert info.value.message.startswith("not an OTLP ExportTraceServiceRequest")


@pytest.mark.parametrize(
    "body", [b"\xff\xff\xff\xff", b"hello world", b'{"resourceSpans": []}', b"\x0a\x05\x0a"]
)
def test_bad_protobuf_bodies(body: bytes) -> None:
    with pytest.raises(BadRequest) as info:
        decode_export_request(body, "application/x-protobuf")
    assert info.value.message.startswith("not an OTLP ExportTraceServiceRequest")
    assert info.value.status_code == 400


# --------------------------------------------------------------------------- response


def test_response_json() -> None:
    assert orjson.loads(encode_export_response(0, None, "application/json")) == {}
    body = orjson.loads(encode_export_response(2, "no session id", "application/json"))
    assert body == {"partialSuccess": {"rejectedSpans": "2", "errorMessage": "no session id"}}
    assert response_media_type("application/json") == JSON_MEDIA_TYPE
    assert response_media_type(None) == JSON_MEDIA_TYPE


def test_response_protobuf() -> None:
    content_type = "application/x-protobuf"
    assert encode_export_response(0, None, content_type) == b""
    response = ExportTraceServiceResponse()
    response.ParseFromString(encode_export_response(3, "why", content_type))
    assert response.HasField("partial_success")
    assert response.partial_success.rejected_spans == 3
    assert response.partial_success.error_message == "why"
    assert response_media_type("Application/X-Protobuf; x=y") == PROTOBUF_MEDIA_TYPE


def _length_delimited(number: int, payload: bytes) -> bytes:
    assert len(payload) < 128
    return bytes([number << 3 | 2, len(payload)]) + payload


def _export_of_one_span(span_fields: bytes) -> bytes:
    span = _length_delimited(2, span_fields)  # ScopeSpans.spans
    return _length_delimited(1, _length_delimited(2, span))  # ResourceSpans.scope_spans


def test_unknown_field_numbers_are_ignored_and_mistyped_known_ones_refused() -> None:
    name = _length_delimited(5, b"step")  # Span.name
    # Field 99 is unknown to this schema (a newer OTLP): the span decodes without it.
    (span,) = decode_export_request(
        _export_of_one_span(name + b"\x98\x06\x01"),  # tag (99 << 3 | varint), value 1
        "application/x-protobuf",
    )
    assert span.name == "step"
    # Span.name (a string) sent as a varint: refused, and the answer names the field.
    with pytest.raises(BadRequest) as info:
        decode_export_request(_export_of_one_span(name + b"\x28\x07"), "application/x-protobuf")
    assert "spans[0].name (wire type 0)" in info.value.message
