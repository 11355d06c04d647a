"""OTLP/HTTP trace export bodies (protobuf or JSON) decoded into plain spans, and the reply."""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal

import orjson
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from app.errors import BadRequest, UnsupportedMediaType
from app.otlp.wire_check import mistyped_field

JSON_MEDIA_TYPE: Final[str] = "application/json"
PROTOBUF_MEDIA_TYPE: Final[str] = "application/x-protobuf"
_PROTOBUF_MEDIA_TYPES: Final[frozenset[str]] = frozenset(
    {PROTOBUF_MEDIA_TYPE, "application/protobuf"}
)

StatusCode = Literal["UNSET", "OK", "ERROR"]

# Enum numbers of opentelemetry.proto.trace.v1.Span.SpanKind and Status.StatusCode.
_SPAN_KINDS: Final[tuple[str, ...]] = (
    "UNSPECIFIED",
    "INTERNAL",
    "SERVER",
    "CLIENT",
    "PRODUCER",
    "CONSUMER",
)
_STATUS_CODES: Final[tuple[StatusCode, ...]] = ("UNSET", "OK", "ERROR")

_HEX = re.compile(r"(?:[0-9a-fA-F]{2})*")
_NOT_OTLP = "not an OTLP ExportTraceServiceRequest"


@dataclass(frozen=True, slots=True)
class SpanEvent:
    """An event recorded on a span (e.g. ``exception``)."""

    name: str
    time_unix_nano: int
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Span:
    """One span, the same whichever encoding it arrived in.

    Ids are lowercase hex ("" when the sender left them empty or all zero; a root span's
    ``parent_span_id`` is None). Attribute values are plain Python values: str, bool, int,
    float, list (arrayValue), dict (kvlistValue), base64 str (bytesValue) or None (an
    empty AnyValue). A non-finite double becomes the string ``"nan"``/``"inf"``/``"-inf"``,
    as the HoneyHive SDK itself sends it, because JSON storage cannot hold it.
    """

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: str
    start_time_unix_nano: int
    end_time_unix_nano: int
    status_code: StatusCode
    status_message: str | None
    attributes: dict[str, Any]
    events: tuple[SpanEvent, ...]
    resource_attributes: dict[str, Any]
    scope_name: str | None


# --------------------------------------------------------------------------- entry points


def decode_export_request(body: bytes, content_type: str | None) -> list[Span]:
    """The spans of an OTLP ``ExportTraceServiceRequest``, in body order.

    ``content_type`` picks the encoding (parameters such as ``charset`` are ignored):
    ``application/x-protobuf`` (or ``application/protobuf``) or ``application/json``.
    With no content type at all the body is sniffed: ``{`` first means JSON.
    Raises UnsupportedMediaType for any other type and BadRequest for a body that is
    not an export request. The body must already be decompressed.
    """
    media = _media_type(content_type)
    if media is None:
        media = JSON_MEDIA_TYPE if body.lstrip()[:1] in (b"{", b"[") else PROTOBUF_MEDIA_TYPE
    if media in _PROTOBUF_MEDIA_TYPES:
        return _decode_protobuf(body)
    if media == JSON_MEDIA_TYPE:
        return _decode_json(body)
    raise UnsupportedMediaType(
        f"unsupported content type {content_type!r} for OTLP traces: "
        f"use {PROTOBUF_MEDIA_TYPE} or {JSON_MEDIA_TYPE}"
    )


def response_media_type(content_type: str | None) -> str:
    """The media type of the reply to a request sent with ``content_type``."""
    if _media_type(content_type) in _PROTOBUF_MEDIA_TYPES:
        return PROTOBUF_MEDIA_TYPE
    return JSON_MEDIA_TYPE


def encode_export_response(rejected: int, message: str | None, content_type: str | None) -> bytes:
    """An ``ExportTraceServiceResponse`` in the request's encoding.

    ``partial_success`` is set when spans were rejected (or a warning message is given);
    otherwise the reply is the empty message (``{}`` in JSON).
    """
    response = ExportTraceServiceResponse()
    if rejected > 0 or message:
        response.partial_success.rejected_spans = max(rejected, 0)
        if message:
            response.partial_success.error_message = message
    if response_media_type(content_type) == PROTOBUF_MEDIA_TYPE:
        data: bytes = response.SerializeToString()
        return data
    return orjson.dumps(json_format.MessageToDict(response))


def _media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    return media or None


# --------------------------------------------------------------------------- protobuf


UINT64_MAX: Final[int] = 2**64 - 1


def _decode_protobuf(body: bytes) -> list[Span]:
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(body)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise BadRequest(f"{_NOT_OTLP}: the protobuf body does not parse ({exc})") from exc
    size = request.ByteSize()  # unknown fields included
    if body and (size == 0 or not request.ListFields()):
        # Bytes that parse only as unknown fields: not an export request.
        raise BadRequest(f"{_NOT_OTLP}: the protobuf body has no known field")
    request.DiscardUnknownFields()
    if request.ByteSize() != size:
        # Some field was unknown (or mistyped): look for a mistyped one in a fresh parse. The
        # walk visits every message, so it only runs when there is something to find.
        with_unknown = ExportTraceServiceRequest()
        with_unknown.ParseFromString(body)
        mistyped = mistyped_field(with_unknown)
        if mistyped is not None:
            raise BadRequest(f"{_NOT_OTLP}: protobuf field {mistyped} has the wrong wire type")
    spans: list[Span] = []
    for resource_spans in request.resource_spans:
        resource = _pb_attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope_name = scope_spans.scope.name or None
            for pb in scope_spans.spans:
                spans.append(
                    Span(
                        trace_id=_pb_id(pb.trace_id),
                        span_id=_pb_id(pb.span_id),
                        parent_span_id=_pb_id(pb.parent_span_id) or None,
                        name=pb.name,
                        kind=_enum_name(_SPAN_KINDS, pb.kind),
                        start_time_unix_nano=pb.start_time_unix_nano,
                        end_time_unix_nano=pb.end_time_unix_nano,
                        status_code=_status_name(pb.status.code),
                        status_message=pb.status.message or None,
                        attributes=_pb_attributes(pb.attributes),
                        events=tuple(
                            SpanEvent(
                                name=event.name,
                                time_unix_nano=event.time_unix_nano,
                                attributes=_pb_attributes(event.attributes),
                            )
                            for event in pb.events
                        ),
                        resource_attributes=resource,
                        scope_name=scope_name,
                    )
                )
    return spans


def _pb_id(raw: bytes) -> str:
    return "" if not raw.strip(b"\x00") else raw.hex()


def _pb_attributes(key_values: Iterable[Any]) -> dict[str, Any]:
    return {kv.key: _pb_value(kv.value) for kv in key_values}


def _pb_value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [_pb_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return _pb_attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    if kind == "double_value":
        return _double(value.double_value)
    return getattr(value, kind)


# --------------------------------------------------------------------------- JSON


def _decode_json(body: bytes) -> list[Span]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"{_NOT_OTLP}: the body is not valid JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise BadRequest(f"{_NOT_OTLP}: the JSON body must be an object")
    if document and "resourceSpans" not in document and "resource_spans" not in document:
        raise BadRequest(f"{_NOT_OTLP}: the JSON object has no resourceSpans")
    spans: list[Span] = []
    for r_index, resource_spans in enumerate(_list(document, "resourceSpans", "")):
        r_path = f"resourceSpans[{r_index}]"
        resource_spans = _object(resource_spans, r_path)
        resource = _object(_field(resource_spans, "resource"), f"{r_path}.resource")
        resource_attrs = _json_attributes(resource, f"{r_path}.resource")
        scope_key = "scopeSpans"
        if _present(resource_spans, "scopeSpans", "scope_spans") is None:
            # OTLP < 0.19 called it instrumentationLibrarySpans.
            scope_key = "instrumentationLibrarySpans"
        for s_index, scope_spans in enumerate(_list(resource_spans, scope_key, r_path)):
            s_path = f"{r_path}.{scope_key}[{s_index}]"
            scope_spans = _object(scope_spans, s_path)
            scope_field = "scope" if scope_key == "scopeSpans" else "instrumentationLibrary"
            scope = _object(_field(scope_spans, scope_field), f"{s_path}.{scope_field}")
            scope_name = _string(_field(scope, "name"), f"{s_path}.{scope_field}.name") or None
            for index, span in enumerate(_list(scope_spans, "spans", s_path)):
                spans.append(
                    _json_span(
                        _object(span, f"{s_path}.spans[{index}]"),
                        f"{s_path}.spans[{index}]",
                        resource_attrs,
                        scope_name,
                    )
                )
    return spans


def _json_span(
    span: dict[str, Any], path: str, resource: dict[str, Any], scope_name: str | None
) -> Span:
    status = _object(_field(span, "status"), f"{path}.status")
    status_message = _string(_field(status, "message"), f"{path}.status.message")
    events: list[SpanEvent] = []
    for index, event in enumerate(_list(span, "events", path)):
        e_path = f"{path}.events[{index}]"
        event = _object(event, e_path)
        events.append(
            SpanEvent(
                name=_string(_field(event, "name"), f"{e_path}.name"),
                time_unix_nano=_uint(_field(event, "timeUnixNano"), f"{e_path}.timeUnixNano"),
                attributes=_json_attributes(event, e_path),
            )
        )
    return Span(
        trace_id=_json_id(_field(span, "traceId"), f"{path}.traceId", 16),
        span_id=_json_id(_field(span, "spanId"), f"{path}.spanId", 8),
        parent_span_id=_json_id(_field(span, "parentSpanId"), f"{path}.parentSpanId", 8) or None,
        name=_string(_field(span, "name"), f"{path}.name"),
        kind=_json_enum(_field(span, "kind"), f"{path}.kind", _SPAN_KINDS, "SPAN_KIND_"),
        start_time_unix_nano=_uint(_field(span, "startTimeUnixNano"), f"{path}.startTimeUnixNano"),
        end_time_unix_nano=_uint(_field(span, "endTimeUnixNano"), f"{path}.endTimeUnixNano"),
        status_code=_status_name(
            _json_enum(_field(status, "code"), f"{path}.status.code", _STATUS_CODES, "STATUS_CODE_")
        ),
        status_message=status_message or None,
        attributes=_json_attributes(span, path),
        events=tuple(events),
        resource_attributes=resource,
        scope_name=scope_name,
    )


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _present(obj: dict[str, Any], camel: str, snake: str) -> str | None:
    """Which spelling of a field the object uses (protobuf JSON accepts both)."""
    if obj.get(camel) is not None:
        return camel
    if obj.get(snake) is not None:
        return snake
    return None


def _field(obj: dict[str, Any], camel: str) -> Any:
    value = obj.get(camel)
    return obj.get(_snake(camel)) if value is None else value


def _where(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _bad(path: str, problem: str) -> BadRequest:
    return BadRequest(f"{_NOT_OTLP}: {path} {problem}")


def _list(obj: dict[str, Any], camel: str, path: str) -> list[Any]:
    value = _field(obj, camel)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(_where(path, camel), "must be a list")
    return value


def _object(value: Any, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad(path, "must be an object")
    return value


def _string(value: Any, path: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _bad(path, "must be a string")
    return value


def _uint(value: Any, path: str) -> int:
    """A uint64 / int64: JSON sends a decimal string, some encoders a number."""
    if value is None:
        return 0
    number: int | None = None
    if isinstance(value, str) and value.isdigit() and value.isascii():
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        number = value
    elif isinstance(value, float) and value.is_integer() and value >= 0:
        number = int(value)
    if number is None:
        raise _bad(path, "must be an unsigned integer (a decimal string)")
    if number > UINT64_MAX:
        raise _bad(path, "is beyond the unsigned 64-bit range")
    return number


def _json_id(value: Any, path: str, size: int) -> str:
    """A trace/span id: hex (OTLP/JSON), or base64 (protobuf's generic JSON mapping)."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise _bad(path, "must be a hex string")
    if len(value) == 2 * size and _HEX.fullmatch(value):
        raw = bytes.fromhex(value)
    else:
        raw = _b64(value)
        if len(raw) != size:
            if _HEX.fullmatch(value):
                raw = bytes.fromhex(value)  # hex of an unusual length: the mapping judges it
            else:
                raise _bad(path, f"must be a {2 * size}-character hex string") from None
    return _pb_id(raw)


def _b64(value: str) -> bytes:
    """Standard or URL-safe base64 (padded), or b"" when it is neither."""
    altchars = b"-_" if "-" in value or "_" in value else None
    try:
        return base64.b64decode(value, altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        return b""


def _json_enum(value: Any, path: str, names: tuple[str, ...], prefix: str) -> str:
    """An enum sent as its name (``SPAN_KIND_SERVER``) or its number; unknown ones fall
    back to the zero value."""
    if value is None:
        return names[0]
    if isinstance(value, int) and not isinstance(value, bool):
        return _enum_name(names, value)
    if isinstance(value, str):
        name = value.upper().removeprefix(prefix)
        if name in names:
            return name
        if name.isdigit():
            return _enum_name(names, int(name))
        return names[0]
    raise _bad(path, "must be an enum name or number")


def _enum_name(names: tuple[str, ...], number: int) -> str:
    return names[number] if 0 <= number < len(names) else names[0]


def _status_name(code: int | str) -> StatusCode:
    if isinstance(code, int):
        return _STATUS_CODES[code] if 0 <= code < len(_STATUS_CODES) else "UNSET"
    for name in _STATUS_CODES:
        if name == code:
            return name
    return "UNSET"


def _json_attributes(owner: dict[str, Any], path: str) -> dict[str, Any]:
    return _json_key_values(_field(owner, "attributes"), _where(path, "attributes"))


def _json_key_values(value: Any, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise _bad(path, "must be a list")
    result: dict[str, Any] = {}
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        if not isinstance(item, dict):
            raise _bad(item_path, "must be an object with key and value")
        key = item.get("key")
        if not isinstance(key, str):
            raise _bad(f"{item_path}.key", "must be a string")
        result[key] = _json_value(item.get("value"), f"{item_path}.value")
    return result


def _json_value(value: Any, path: str) -> Any:
    """An AnyValue object as a Python value."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _bad(path, "must be an AnyValue object")
    for camel, parse in _ANY_VALUE_PARSERS:
        key = _present(value, camel, _snake(camel))
        if key is not None:
            return parse(value[key], f"{path}.{camel}")
    return None


def _parse_string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _bad(path, "must be a string")
    return value


def _parse_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _bad(path, "must be true or false")
    return value


def _parse_int(value: Any, path: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _bad(path, "must be an integer (a decimal string)")


def _parse_double(value: Any, path: str) -> float | str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _double(float(value))
    if isinstance(value, str):
        # protobuf JSON spells the special values "NaN", "Infinity" and "-Infinity".
        try:
            return _double(float(value))
        except ValueError:
            pass
    raise _bad(path, "must be a number")


def _double(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)


def _parse_array(value: Any, path: str) -> list[Any]:
    values = _object(value, path).get("values")
    if values is None:
        return []
    if not isinstance(values, list):
        raise _bad(f"{path}.values", "must be a list")
    return [_json_value(item, f"{path}.values[{index}]") for index, item in enumerate(values)]


def _parse_kvlist(value: Any, path: str) -> dict[str, Any]:
    return _json_key_values(_object(value, path).get("values"), f"{path}.values")


def _parse_bytes(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _bad(path, "must be a base64 string")
    return value


_ANY_VALUE_PARSERS: Final[tuple[tuple[str, Callable[[Any, str], Any]], ...]] = (
    ("stringValue", _parse_string),
    ("boolValue", _parse_bool),
    ("intValue", _parse_int),
    ("doubleValue", _parse_double),
    ("arrayValue", _parse_array),
    ("kvlistValue", _parse_kvlist),
    ("bytesValue", _parse_bytes),
)
