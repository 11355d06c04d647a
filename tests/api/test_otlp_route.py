"""OTLP/HTTP ingestion through the route: encodings, gzip, idempotency, linking, errors."""

from __future__ import annotations

import base64
import gzip
import uuid
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from fastapi import FastAPI
from google.protobuf.json_format import ParseDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from app.domain.projects import project_for_name
from app.otlp import span_event_id


def attr(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": str(value)}}


def span(trace: str, span_id: str, parent: str | None, name: str, **attrs: Any) -> dict[str, Any]:
    return {
        "traceId": trace,
        "spanId": span_id,
        "parentSpanId": parent,
        "name": name,
        "kind": "SPAN_KIND_INTERNAL",
        "startTimeUnixNano": "1700000000000000000",
        "endTimeUnixNano": "1700000000250000000",
        "attributes": [attr(k.replace("__", "."), v) for k, v in attrs.items()],
        "status": {"code": "STATUS_CODE_OK"},
    }


def request_body(*spans: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [attr("service.name", "t")]},
                "scopeSpans": [{"scope": {"name": "honeyhive.test"}, "spans": list(spans)}],
            }
        ]
    }


def to_protobuf(body: dict[str, Any]) -> bytes:
    converted = orjson.loads(orjson.dumps(body))
    for resource in converted["resourceSpans"]:
        for scope in resource["scopeSpans"]:
            for item in scope["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    value = item.get(key)
                    item[key] = base64.b64encode(bytes.fromhex(value)).decode() if value else ""
    return ParseDict(converted, ExportTraceServiceRequest()).SerializeToString()


async def events_of_session(app: FastAPI, session_id: str) -> dict[str, dict[str, Any]]:
    async with app.state.services.db.transaction(write=False) as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT event_id, event_name, parent_id, event_type FROM events "
                "WHERE project_id = :p AND session_id = :s"
            ),
            {"p": project_for_name("default").id, "s": session_id},
        )
        return {row.event_name: dict(row._mapping) for row in rows}


def ids() -> tuple[str, str, str, str]:
    return (uuid.uuid4().hex, uuid.uuid4().hex[:16], uuid.uuid4().hex[:16], str(uuid.uuid4()))


async def test_json_spans_become_linked_events(client: httpx.AsyncClient, app: FastAPI) -> None:
    trace, root, child, session_id = ids()
    body = request_body(
        span(
            trace,
            child,
            root,
            "child",
            honeyhive__session_id=session_id,
            honeyhive_event_type="tool",
            honeyhive_inputs__q="hi",
            honeyhive_metadata__cost="0.01",
        ),
        span(
            trace,
            root,
            None,
            "root",
            honeyhive__session_id=session_id,
            honeyhive_event_type="chain",
        ),
    )
    response = await client.post(
        "/opentelemetry/v1/traces",
        content=orjson.dumps(body),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "partialSuccess" not in response.json() or not response.json()["partialSuccess"].get(
        "rejectedSpans"
    )
    stored = await events_of_session(app, session_id)
    assert stored["root"]["parent_id"] == session_id
    assert stored["child"]["parent_id"] == stored["root"]["event_id"] == span_event_id(trace, root)
    event = (await client.get(f"/v1/events/{stored['child']['event_id']}")).json()["event"]
    assert event["inputs"] == {"q": "hi"} and event["event_type"] == "tool"
    assert event["start_time"] == 1700000000000 and event["end_time"] == 1700000000250


async def test_protobuf_gzip_and_resend_is_idempotent(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    trace, root, _, session_id = ids()
    body = to_protobuf(
        request_body(span(trace, root, None, "pb", honeyhive__session_id=session_id))
    )
    headers = {"content-type": "application/x-protobuf", "content-encoding": "gzip"}
    for _ in range(2):
        response = await client.post("/v1/traces", content=gzip.compress(body), headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-protobuf"
        answer = ExportTraceServiceResponse.FromString(response.content)
        assert answer.partial_success.rejected_spans == 0
    stored = await events_of_session(app, session_id)
    assert list(stored) == ["pb"]  # sent twice, stored once


async def test_child_exported_before_its_parent_still_links(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    trace, root, child, session_id = ids()
    first = request_body(span(trace, child, root, "early-child", honeyhive__session_id=session_id))
    second = request_body(span(trace, root, None, "late-parent", honeyhive__session_id=session_id))
    for body in (first, second):
        response = await client.post("/opentelemetry/v1/traces", json=body)
        assert response.status_code == 200
    stored = await events_of_session(app, session_id)
    assert stored["early-child"]["parent_id"] == stored["late-parent"]["event_id"]


async def test_session_auto_create(client: httpx.AsyncClient) -> None:
    trace, root, _, session_id = ids()
    body = request_body(
        span(
            trace,
            root,
            None,
            "auto",
            honeyhive__session_id=session_id,
            honeyhive__session_auto_create=True,
            honeyhive__session_name="auto-sess",
        )
    )
    for _ in range(2):
        assert (await client.post("/opentelemetry/v1/traces", json=body)).status_code == 200
    session = (await client.get(f"/v1/events/{session_id}")).json()["event"]
    assert session["event_type"] == "session" and session["event_name"] == "auto-sess"


async def test_span_without_session_is_counted_in_partial_success(
    client: httpx.AsyncClient,
) -> None:
    trace, root, child, session_id = ids()
    body = request_body(
        span(trace, root, None, "kept", honeyhive__session_id=session_id),
        span(trace, child, root, "no-session"),
    )
    response = await client.post("/opentelemetry/v1/traces", json=body)
    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert int(partial["rejectedSpans"]) == 1
    assert "span 1" in partial["errorMessage"]


async def test_not_otlp_is_400_and_wrong_media_type_415(client: httpx.AsyncClient) -> None:
    bad_json = await client.post("/opentelemetry/v1/traces", json={"resourceSpans": "nope"})
    assert bad_json.status_code == 400 and bad_json.json()["errorCode"] == "BAD_REQUEST"
    bad_pb = await client.post(
        "/opentelemetry/v1/traces",
        content=b"\xff\xfe garbage",
        headers={"content-type": "application/x-protobuf"},
    )
    assert bad_pb.status_code == 400
    bad_gzip = await client.post(
        "/v1/traces",
        content=b"not gzip",
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert bad_gzip.status_code == 400
    text = await client.post("/v1/traces", content=b"x", headers={"content-type": "text/plain"})
    assert text.status_code == 415 and text.json()["errorCode"] == "UNSUPPORTED_MEDIA_TYPE"
