"""The captured SDK 1.7.0 OTLP requests, decoded and mapped (docs/protocol.md#scenarios:
scenarios 1, 11 and 12)."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import orjson
import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from app.otlp import decode_export_request, map_spans, span_event_id
from app.otlp.decode import Span
from app.otlp.mapping import MappingResult
from tests.fixtures import SDK_CAPTURES as CAPTURES

OTLP_PATH = "/opentelemetry/v1/traces"
SCENARIO_1_SESSION = "72d4e941-3e9a-4659-9965-ad99c6e309a3"
AUTO_SESSION = "0b9f8c2e-1111-4222-8333-444455556666"

# tracer_scenario_dump.txt is cut off inside the 4th span (`failing_error`), right after its
# honeyhive_event_type attribute. This is the rest of that span as the 1.7.0 SDK emits it
# (checked by running the same scenario against a local catch-all server): the error span
# of a raising @trace function, with its exception event and ERROR status.
FAILING_ERROR_TAIL: dict[str, Any] = {
    "attributes": [
        {"key": "honeyhive_error", "value": {"stringValue": "boom"}},
        {"key": "honeyhive_error_type", "value": {"stringValue": "ValueError"}},
        {"key": "honeyhive_duration_ms", "value": {"doubleValue": 2.078533172607422}},
    ],
    "events": [
        {
            "timeUnixNano": "1795741301576800000",
            "name": "exception",
            "attributes": [
                {"key": "exception.type", "value": {"stringValue": "ValueError"}},
                {"key": "exception.message", "value": {"stringValue": "boom"}},
            ],
        }
    ],
    "status": {"code": "STATUS_CODE_ERROR", "message": "ValueError: boom"},
}


def _jsonl(name: str) -> list[dict[str, Any]]:
    lines = (CAPTURES / name).read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _otlp_requests(name: str) -> list[dict[str, Any]]:
    return [req for req in _jsonl(name) if req["path"] == OTLP_PATH]


def _header(request: dict[str, Any], name: str) -> str | None:
    for key, value in request["headers"].items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _tracer_dump() -> tuple[dict[str, str], dict[str, Any]]:
    """Headers and (repaired) body of the OTLP request in tracer_scenario_dump.txt."""
    text = (CAPTURES / "tracer_scenario_dump.txt").read_text()
    sections = text.split("===== ")
    section = next(s for s in sections if s.startswith(f"POST {OTLP_PATH}"))
    rest = section.split("\n", 1)[1]
    headers, end = json.JSONDecoder().raw_decode(rest)
    body_text = rest[end:].strip()
    try:
        body = json.loads(body_text)
    except json.JSONDecodeError:
        # Cut right after the honeyhive_event_type attribute of the last span.
        assert "".join(body_text.split()).endswith(
            '"honeyhive_event_type","value":{"stringValue":"tool"}},'
        )
        tail = FAILING_ERROR_TAIL
        attrs = ", ".join(json.dumps(a) for a in tail["attributes"])
        body_text = (
            body_text.rstrip().rstrip(",")
            + f", {attrs}], "
            + f'"events": {json.dumps(tail["events"])}, "status": {json.dumps(tail["status"])}'
            + "}]}]}]}"
        )
        body = json.loads(body_text)
    return headers, body


def _decode(body: dict[str, Any], content_type: str | None = "application/json") -> list[Span]:
    return decode_export_request(orjson.dumps(body), content_type)


def _by_name(result: MappingResult) -> dict[str, Any]:
    return {event["event_name"]: event for event in result.events}


# --------------------------------------------------------------------------- every capture

ALL_OTLP = [
    (name, index)
    for name in sorted(p.name for p in CAPTURES.glob("*.jsonl"))
    for index, _ in enumerate(_otlp_requests(name))
]


def test_the_captures_hold_otlp_requests() -> None:
    names = {name for name, _ in ALL_OTLP}
    assert {
        "autocreate_and_create_event.jsonl",
        "create_event.jsonl",
        "env_scenarios.jsonl",
        "error_scenarios.jsonl",
        "otlp_503.jsonl",
        "otlp_protobuf.jsonl",
    } <= names


@pytest.mark.parametrize(("name", "index"), ALL_OTLP)
def test_every_captured_request_decodes_and_maps(name: str, index: int) -> None:
    request = _otlp_requests(name)[index]
    body = request["body"]
    content_type = _header(request, "content-type")
    if "__protobuf_decoded__" in body:
        message = json_format.ParseDict(body["__protobuf_decoded__"], ExportTraceServiceRequest())
        spans = decode_export_request(message.SerializeToString(), content_type)
    else:
        spans = _decode(body, content_type)
    assert spans, "every captured export carries spans"
    for span in spans:
        assert len(span.trace_id) == 32 and int(span.trace_id, 16) > 0
        assert len(span.span_id) == 16 and int(span.span_id, 16) > 0
        assert span.start_time_unix_nano > 1_700_000_000_000_000_000
        assert span.end_time_unix_nano >= span.start_time_unix_nano
        assert isinstance(span.attributes["honeyhive.session_id"], str)
        assert span.resource_attributes["telemetry.sdk.language"] == "python"
        assert span.scope_name is not None and span.scope_name.startswith("honeyhive.")
    result = map_spans(spans, project_id="proj-1", header_source=_header(request, "x-source"))
    assert result.rejected == []
    assert len(result.events) == len(spans)
    for span, event in zip(spans, result.events, strict=True):
        assert event["project_id"] == "proj-1"
        assert event["session_id"] == span.attributes["honeyhive.session_id"]
        assert event["source"] == span.attributes["honeyhive.source"]
        assert event["event_type"] == span.attributes["honeyhive_event_type"]
        assert event["start_time"] == span.start_time_unix_nano // 1_000_000
        assert event["end_time"] == span.end_time_unix_nano // 1_000_000


# --------------------------------------------------------------------------- scenario 1


@pytest.fixture(scope="module")
def scenario_1() -> tuple[list[Span], MappingResult]:
    headers, body = _tracer_dump()
    spans = _decode(body, headers["Content-Type"])
    return spans, map_spans(spans, project_id="proj-1", header_source=headers["X-Source"])


def test_scenario_1_decodes_four_spans(scenario_1: tuple[list[Span], MappingResult]) -> None:
    spans, _ = scenario_1
    assert [s.name for s in spans] == [
        "child_tool",
        "__main__.outer",
        "__main__.failing",
        "failing_error",
    ]
    child, outer, failing, failing_error = spans
    assert child.parent_span_id == outer.span_id == "07753f7e0298220a"
    assert outer.parent_span_id is None and failing.parent_span_id is None
    assert child.kind == "INTERNAL"
    assert child.status_code == "UNSET" and child.status_message is None
    assert failing.status_code == "ERROR" and failing.status_message == "ValueError: boom"
    assert [e.name for e in failing.events] == ["exception", "exception"]
    assert failing.events[0].time_unix_nano == 1795741301575842577
    assert failing.events[0].attributes["exception.message"] == "boom"
    # Typed attribute values.
    assert child.attributes["honeyhive_inputs.x"] == 3
    assert child.attributes["honeyhive_metadata.cost"] == 0.01
    assert child.attributes["honeyhive_feedback.rating"] == 5
    assert outer.attributes["honeyhive_inputs.ctx"] == '{"k": [1, 2]}'
    assert failing_error.attributes["honeyhive_error"] == "boom"


def test_scenario_1_events(scenario_1: tuple[list[Span], MappingResult]) -> None:
    spans, result = scenario_1
    assert result.rejected == []
    assert result.sessions == []  # the session came from /session/start
    events = _by_name(result)
    assert list(events) == ["child_tool", "__main__.outer", "__main__.failing", "failing_error"]
    child, outer = events["child_tool"], events["__main__.outer"]
    failing, failing_error = events["__main__.failing"], events["failing_error"]

    for event, span in zip(result.events, spans, strict=True):
        assert event["session_id"] == SCENARIO_1_SESSION
        assert event["project_id"] == "proj-1"
        assert event["source"] == "conformance"
        assert event["event_id"] == span_event_id(span.trace_id, span.span_id)
        assert uuid.UUID(event["event_id"]).version == 5
        assert event["children_ids"] is None
        assert event["start_time"] == span.start_time_unix_nano // 1_000_000
        assert event["end_time"] == span.end_time_unix_nano // 1_000_000
        assert event["metadata"] is not None
        assert event["metadata"]["trace_id"] == span.trace_id
        assert event["metadata"]["span_id"] == span.span_id

    # Parent links: the child points at outer's event; roots point at the session.
    assert child["parent_id"] == outer["event_id"]
    assert outer["parent_id"] == SCENARIO_1_SESSION
    assert failing["parent_id"] == SCENARIO_1_SESSION
    assert failing_error["parent_id"] == SCENARIO_1_SESSION

    assert child["event_type"] == "tool"
    assert child["inputs"] == {"x": 3, "y": 2}
    assert child["outputs"] == {"result": 5}
    assert child["metrics"] == {"score": 0.9}
    assert child["feedback"] == {"rating": 5}
    assert child["metadata"]["cost"] == 0.01
    assert child["metadata"]["note"] == "child"
    assert child["metadata"]["project"] == "conformance-proj"
    assert child["metadata"]["parent_span_id"] == "07753f7e0298220a"
    assert child["duration"] == 0.37288665771484375
    assert child["error"] is None
    assert child["config"] is None and child["user_properties"] is None

    assert outer["event_type"] == "chain"
    assert outer["inputs"] == {"question": "hello", "ctx": '{"k": [1, 2]}'}
    assert outer["config"] == {"model": "gpt-x", "temperature": 0.1}
    assert outer["outputs"] == {"result": {"answer": "hello:5"}}
    assert outer["metadata"]["stage"] == "outer"
    assert "parent_span_id" not in outer["metadata"]
    assert outer["duration"] == 2.3751258850097656

    assert failing["event_type"] == "model"
    assert failing["error"] == "ValueError: boom"
    assert failing["inputs"] is None and failing["outputs"] is None
    assert [e["name"] for e in failing["metadata"]["span_events"]] == ["exception", "exception"]
    assert failing["duration"] == pytest.approx(
        (spans[2].end_time_unix_nano - spans[2].start_time_unix_nano) / 1e6
    )

    assert failing_error["event_type"] == "tool"
    assert failing_error["error"] == "boom"
    assert failing_error["metadata"]["error_type"] == "ValueError"
    assert failing_error["duration"] == 2.078533172607422


def test_scenario_1_duplicate_identity_attributes_do_not_pollute_metadata(
    scenario_1: tuple[list[Span], MappingResult],
) -> None:
    _, result = scenario_1
    for event in result.events:
        metadata = event["metadata"]
        assert metadata is not None
        assert "honeyhive.session_id" not in metadata
        assert "traceloop.association.properties.session_id" not in metadata
        assert "traceloop.association.properties.source" not in metadata
        assert "honeyhive.source" not in metadata


# --------------------------------------------------------------------------- scenario 12


def test_scenario_12_auto_creates_the_session() -> None:
    (request,) = _otlp_requests("autocreate_and_create_event.jsonl")
    spans = _decode(request["body"])
    result = map_spans(spans, project_id="proj-1", header_source=_header(request, "X-Source"))
    assert result.rejected == []
    (event,) = result.events
    assert event["event_name"] == "auto_span"
    assert event["event_type"] == "chain"
    assert event["session_id"] == AUTO_SESSION
    assert event["parent_id"] == AUTO_SESSION
    assert event["outputs"] == {"result": {"a": [1, {"b": 2}]}}
    assert event["source"] == "auto"
    assert event["metadata"] is not None
    assert event["metadata"]["baggage"] == {"session_name": "auto-sess"}

    (session,) = result.sessions
    assert session["event_type"] == "session"
    assert session["event_id"] == session["session_id"] == AUTO_SESSION
    assert session["event_name"] == "auto-sess"
    assert session["parent_id"] is None
    assert session["project_id"] == "proj-1"
    assert session["source"] == "auto"
    assert session["start_time"] == spans[0].start_time_unix_nano // 1_000_000
    assert session["inputs"] is None and session["children_ids"] is None


def test_without_auto_create_no_session_is_made() -> None:
    # create_event.jsonl: same span shape, but the tracer made its session via the API.
    (request,) = _otlp_requests("create_event.jsonl")
    result = map_spans(_decode(request["body"]), project_id="p", header_source="auto")
    assert result.sessions == []
    (event,) = result.events
    assert event["outputs"] == {"result": {"a": [1, {"b": 2}]}}


# --------------------------------------------------------------------------- scenario 11


def test_protobuf_capture_matches_its_json_form() -> None:
    (request,) = _otlp_requests("otlp_protobuf.jsonl")
    decoded = request["body"]["__protobuf_decoded__"]
    message = json_format.ParseDict(decoded, ExportTraceServiceRequest())
    content_type = _header(request, "content-type")
    assert content_type == "application/x-protobuf"
    from_protobuf = decode_export_request(message.SerializeToString(), content_type)
    # The generic protobuf JSON form (base64 ids) decodes to the same spans.
    from_json = _decode(decoded)
    assert from_protobuf == from_json

    (span,) = from_protobuf
    raw_trace = base64.b64decode(
        decoded["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"]
    )
    assert span.trace_id == raw_trace.hex() == "5ac04df89ad36a05ee41d9d0d8cf8502"
    assert span.span_id == "5157cc6b0314195d"
    assert span.parent_span_id is None
    assert span.status_code == "UNSET"

    result = map_spans(from_protobuf, project_id="p", header_source=_header(request, "x-source"))
    (event,) = result.events
    assert event["event_type"] == "model"
    assert event["event_name"] == "llm_call"
    assert event["session_id"] == "c08428ba-d95f-418c-b40e-7a84141e0cfa"
    assert event["inputs"] == {"prompt": "hi"}
    assert event["outputs"] == {"result": {"completion": "ok"}}
    assert event["metadata"] is not None and event["metadata"]["model"] == "m1"
    assert event["source"] == "otlp"
    assert event["duration"] == 0.6792545318603516


def test_other_captures_map_to_the_expected_events() -> None:
    (env,) = _otlp_requests("env_scenarios.jsonl")
    (event,) = map_spans(_decode(env["body"]), project_id="p", header_source="envsrc").events
    assert (event["event_name"], event["source"], event["outputs"]) == (
        "in_request",
        "envsrc",
        {"result": "ok"},
    )
    (err,) = _otlp_requests("error_scenarios.jsonl")
    (event,) = map_spans(_decode(err["body"]), project_id="p", header_source="err").events
    # No honeyhive_event_name: the span name is the event name.
    assert (event["event_name"], event["event_type"], event["outputs"]) == (
        "__main__.f",
        "tool",
        {"result": 1},
    )
