"""Plain OpenTelemetry (no HoneyHive tracer) against a real server: the stock OTLP/HTTP
protobuf exporter on the standard `/v1/traces` path, OTLP/JSON (the SDK's JSON exporter
class on a plain TracerProvider, and a hand-built standard OTLP/JSON body), GenAI
semantic-convention spans, and idempotent, order-independent ingestion.

Each test builds its own TracerProvider (never the global one), so nothing here shares
OpenTelemetry state with anything else in the process.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any

import httpx
import pytest
from honeyhive import HoneyHive
from honeyhive.tracer.processing.otlp_exporter import OTLPJSONExporter
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode, set_span_in_context

from tests.conformance.reads import Api, by_name
from tests.live_server import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

T0_NS = 1_700_000_000_123_456_789  # -> start_time 1700000000123 ms


@pytest.fixture
def session_id(conformance_server: LiveServer, api_key: str) -> str:
    """A session started through the SDK client; the spans then join it."""
    client = HoneyHive(api_key=api_key, base_url=conformance_server.url)
    sid = str(uuid.uuid4())
    client.sessions.start({"session_id": sid, "session_name": "otel-session"})
    return sid


@pytest.fixture(autouse=True)
def _no_otel_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stock exporter reads OTEL_EXPORTER_OTLP_* settings: none may leak in."""
    for name in list(os.environ):
        if name.startswith("OTEL_"):
            monkeypatch.delenv(name)


def provider_with(exporter: SpanExporter, *, batch: bool = True) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": "conformance-otel"}))
    processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    return provider


def emit_genai_spans(provider: TracerProvider, sid: str) -> None:
    """An agent (chain) that calls a chat model and a failing tool, GenAI semconv style."""
    tracer = provider.get_tracer("conformance.genai", "1.0")
    agent = tracer.start_span(
        "invoke_agent planner",
        start_time=T0_NS,
        attributes={
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "planner",
            "honeyhive.session_id": sid,
        },
    )
    context = set_span_in_context(agent)
    chat = tracer.start_span(
        "chat gpt-4o-mini",
        context=context,
        start_time=T0_NS + 100_000_000,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.request.temperature": 0.2,
            "gen_ai.request.max_tokens": 256,
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.response.id": "chatcmpl-1",
            "gen_ai.response.finish_reasons": ("stop",),
            "gen_ai.usage.input_tokens": 12,
            "gen_ai.usage.output_tokens": 30,
            "honeyhive.session_id": sid,
        },
    )
    chat.end(end_time=T0_NS + 600_000_000)
    tool = tracer.start_span(
        "execute_tool search",
        context=context,
        start_time=T0_NS + 700_000_000,
        attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "search",
            "honeyhive.session_id": sid,
        },
    )
    tool.set_status(Status(StatusCode.ERROR, "search backend down"))
    tool.end(end_time=T0_NS + 800_000_000)
    agent.end(end_time=T0_NS + 900_000_000)


def check_genai_events(api: Api, sid: str) -> None:
    events = by_name(api.wait_session_events(sid, 4))
    assert set(events) == {
        "otel-session",
        "invoke_agent planner",
        "chat gpt-4o-mini",
        "execute_tool search",
    }
    agent, chat = events["invoke_agent planner"], events["chat gpt-4o-mini"]
    tool = events["execute_tool search"]

    assert agent["event_type"] == "chain" and agent["parent_id"] == sid
    assert agent["metadata"]["agent_name"] == "planner"
    assert agent["start_time"] == 1_700_000_000_123 and agent["end_time"] == 1_700_000_001_023
    assert agent["duration"] == pytest.approx(900.0)

    assert chat["event_type"] == "model"
    assert chat["parent_id"] == agent["event_id"] and chat["session_id"] == sid
    assert chat["config"]["model"] == "gpt-4o-mini"
    assert chat["config"]["provider"] == "openai"
    assert chat["config"]["temperature"] == 0.2 and chat["config"]["max_tokens"] == 256
    assert chat["metadata"]["prompt_tokens"] == 12
    assert chat["metadata"]["completion_tokens"] == 30
    assert chat["metadata"]["total_tokens"] == 42
    assert chat["metadata"]["model_name"] == "gpt-4o-mini-2024-07-18"
    assert chat["metadata"]["response_id"] == "chatcmpl-1"
    assert chat["metadata"]["finish_reasons"] == ["stop"]
    assert chat["start_time"] == 1_700_000_000_223 and chat["end_time"] == 1_700_000_000_723
    assert chat["duration"] == pytest.approx(500.0)
    assert chat["error"] is None and chat["source"] == "unknown"

    assert tool["event_type"] == "tool" and tool["parent_id"] == agent["event_id"]
    assert tool["metadata"]["tool_name"] == "search"
    assert tool["error"] == "search backend down"

    tree = api.session_tree(sid)
    assert tree["num_events"] == 3 and tree["num_model_events"] == 1
    assert (tree["prompt_tokens"], tree["completion_tokens"], tree["total_tokens"]) == (12, 30, 42)
    [agent_node] = tree["children"]
    assert [c["event_name"] for c in agent_node["children"]] == [
        "chat gpt-4o-mini",
        "execute_tool search",
    ]


def test_stock_protobuf_exporter_genai_spans(
    conformance_server: LiveServer, api_key: str, api: Api, session_id: str
) -> None:
    """The stock OTLPSpanExporter (protobuf, gzip) on the standard path, batched."""
    exporter = OTLPSpanExporter(
        endpoint=f"{conformance_server.url}/v1/traces",
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=30,
        compression=Compression.Gzip,
    )
    provider = provider_with(exporter)
    emit_genai_spans(provider, session_id)
    assert provider.force_flush(30_000) is True
    provider.shutdown()
    check_genai_events(api, session_id)


def test_json_exporter_genai_spans(
    conformance_server: LiveServer, api_key: str, api: Api, session_id: str
) -> None:
    """OTLP/JSON with the SDK's own JSON exporter class on a plain TracerProvider."""
    sent: list[SpanExportResult] = []

    class Recording(OTLPJSONExporter):
        def export(self, spans: Any) -> SpanExportResult:
            result = super().export(spans)
            sent.append(result)
            return result

    exporter = Recording(
        f"{conformance_server.url}/v1/traces",
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=30,
    )
    provider = provider_with(exporter)
    emit_genai_spans(provider, session_id)
    assert provider.force_flush(30_000) is True
    provider.shutdown()
    assert sent and all(result is SpanExportResult.SUCCESS for result in sent)
    check_genai_events(api, session_id)


def test_json_exporter_older_genai_and_traceloop_attributes(
    conformance_server: LiveServer, api_key: str, api: Api, session_id: str
) -> None:
    """Older GenAI names (gen_ai.system, gen_ai.usage.prompt_tokens) and Traceloop's
    flattened prompt/completion messages, on the HoneyHive SDK path."""
    exporter = OTLPJSONExporter(
        f"{conformance_server.url}/opentelemetry/v1/traces",
        headers={"Authorization": f"Bearer {api_key}"},
    )
    provider = provider_with(exporter, batch=False)
    tracer = provider.get_tracer("opentelemetry.instrumentation.anthropic")
    with tracer.start_as_current_span(
        "anthropic.chat",
        attributes={
            "gen_ai.system": "anthropic",
            "gen_ai.request.model": "claude-x",
            "gen_ai.usage.prompt_tokens": 7,
            "gen_ai.usage.completion_tokens": 5,
            "gen_ai.prompt.0.role": "user",
            "gen_ai.prompt.0.content": "hi",
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.completion.0.content": "hello",
            "llm.request.type": "chat",
            "honeyhive.session_id": session_id,
            "honeyhive_event_type": "model",
            "http.method": "POST",
        },
    ):
        pass
    provider.shutdown()

    [event] = [e for e in api.wait_session_events(session_id, 2) if e["event_type"] != "session"]
    assert event["event_type"] == "model" and event["event_name"] == "anthropic.chat"
    assert event["config"] == {"model": "claude-x", "provider": "anthropic"}
    assert event["inputs"] == {"chat_history": [{"role": "user", "content": "hi"}]}
    assert event["outputs"] == {"chat_history": [{"role": "assistant", "content": "hello"}]}
    metadata = event["metadata"]
    assert (metadata["prompt_tokens"], metadata["completion_tokens"]) == (7, 5)
    assert metadata["total_tokens"] == 12
    assert metadata["request_type"] == "chat"
    assert metadata["http.method"] == "POST"  # unmapped attributes are kept


# --------------------------------------------------------------------------- idempotency


def three_spans(sid: str) -> list[ReadableSpan]:
    """root -> child -> grandchild, captured in memory (not yet sent anywhere)."""
    memory = InMemorySpanExporter()
    provider = provider_with(memory, batch=False)
    tracer = provider.get_tracer("conformance.idempotency")
    attributes = {"honeyhive.session_id": sid, "honeyhive_event_type": "chain"}
    with (
        tracer.start_as_current_span("root", attributes=attributes),
        tracer.start_as_current_span("child", attributes=attributes),
        tracer.start_as_current_span(
            "grandchild", attributes={**attributes, "honeyhive_outputs.result": "ok"}
        ),
    ):
        pass
    provider.shutdown()
    spans = {span.name: span for span in memory.get_finished_spans()}
    return [spans["root"], spans["child"], spans["grandchild"]]


def check_linked_once(api: Api, sid: str) -> dict[str, dict[str, Any]]:
    spans = by_name([e for e in api.session_events(sid) if e["event_type"] != "session"])
    assert set(spans) == {"root", "child", "grandchild"}  # one event per span
    assert spans["root"]["parent_id"] == sid
    assert spans["child"]["parent_id"] == spans["root"]["event_id"]
    assert spans["grandchild"]["parent_id"] == spans["child"]["event_id"]
    assert spans["grandchild"]["outputs"] == {"result": "ok"}
    return spans


def test_protobuf_resend_and_child_before_parent(
    conformance_server: LiveServer, api_key: str, api: Api, session_id: str
) -> None:
    """The stock exporter sends the grandchild first, then child and root, then the whole
    batch again: one event per span, each linked to its parent's event."""
    root, child, grandchild = three_spans(session_id)
    exporter = OTLPSpanExporter(
        endpoint=f"{conformance_server.url}/v1/traces",
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert exporter.export([grandchild]) is SpanExportResult.SUCCESS
    assert exporter.export([child]) is SpanExportResult.SUCCESS
    assert exporter.export([root]) is SpanExportResult.SUCCESS
    first = check_linked_once(api, session_id)

    assert exporter.export([root, child, grandchild]) is SpanExportResult.SUCCESS
    assert exporter.export([grandchild, root]) is SpanExportResult.SUCCESS
    exporter.shutdown()
    again = check_linked_once(api, session_id)
    assert {name: e["event_id"] for name, e in again.items()} == {
        name: e["event_id"] for name, e in first.items()
    }
    tree = api.session_tree(session_id)
    assert [c["event_name"] for c in tree["children"]] == ["root"]
    assert [c["event_name"] for c in tree["children"][0]["children"]] == ["child"]
    assert tree["num_events"] == 3


def otlp_json_span(
    trace_id: str, span_id: str, parent: str | None, name: str, attributes: dict[str, Any]
) -> dict[str, Any]:
    """A span in the standard OTLP/JSON encoding (hex ids, enum numbers, int64 as text)."""

    def value(v: Any) -> dict[str, Any]:
        if isinstance(v, bool):
            return {"boolValue": v}
        if isinstance(v, int):
            return {"intValue": str(v)}
        if isinstance(v, float):
            return {"doubleValue": v}
        return {"stringValue": v}

    span: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(T0_NS),
        "endTimeUnixNano": str(T0_NS + 250_000_000),
        "attributes": [{"key": k, "value": value(v)} for k, v in attributes.items()],
        "status": {"code": 1},
    }
    if parent:
        span["parentSpanId"] = parent
    return span


def test_hand_built_json_batch_twice_and_child_first(
    conformance_server: LiveServer, api_key: str, api: Api
) -> None:
    """A hand-built OTLP/JSON body: child alone first, then the full batch twice. The
    span asks for its session to be auto-created: exactly one session event results."""
    sid = str(uuid.uuid4())
    trace_id = uuid.uuid4().hex
    root_id, child_id, grand_id = (uuid.uuid4().hex[:16] for _ in range(3))
    common = {
        "honeyhive.session_id": sid,
        "honeyhive.session_auto_create": True,
        "honeyhive.session_name": "json-auto",
        "honeyhive_event_type": "tool",
    }
    spans = {
        "root": otlp_json_span(trace_id, root_id, None, "root", common),
        "child": otlp_json_span(trace_id, child_id, root_id, "child", common),
        "grandchild": otlp_json_span(
            trace_id,
            grand_id,
            child_id,
            "grandchild",
            {**common, "honeyhive_outputs.result": "ok"},
        ),
    }

    def post(*names: str) -> None:
        body = {
            "resourceSpans": [
                {
                    "resource": {"attributes": []},
                    "scopeSpans": [
                        {"scope": {"name": "hand-built"}, "spans": [spans[n] for n in names]}
                    ],
                }
            ]
        }
        response = httpx.post(
            f"{conformance_server.url}/v1/traces",
            json=body,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        assert response.json() == {}, response.text  # no partialSuccess: nothing rejected

    post("grandchild")
    post("root", "child", "grandchild")
    first = check_linked_once(api, sid)
    post("root", "child", "grandchild")
    again = check_linked_once(api, sid)
    assert again == first  # the re-send wrote nothing
    sessions = [e for e in api.session_events(sid) if e["event_type"] == "session"]
    assert len(sessions) == 1 and sessions[0]["event_name"] == "json-auto"
    assert sessions[0]["event_id"] == sid and sessions[0]["start_time"] == T0_NS // 1_000_000


async def test_concurrent_duplicate_batches_store_each_span_once(
    conformance_server: LiveServer, api_key: str, api: Api
) -> None:
    """Retries racing each other: eight different batches, each also re-sent, all at
    once, every one carrying a span of the same root and asking to auto-create the same
    session. One event per span, one session event."""
    sid = str(uuid.uuid4())
    trace_id = uuid.uuid4().hex
    common = {
        "honeyhive.session_id": sid,
        "honeyhive.session_auto_create": True,
        "honeyhive.session_name": "racing",
    }
    root_id = uuid.uuid4().hex[:16]
    root = otlp_json_span(trace_id, root_id, None, "root", common)
    batches = [
        [root]
        + [
            otlp_json_span(trace_id, uuid.uuid4().hex[:16], root_id, f"leaf-{b}-{i}", common)
            for i in range(3)
        ]
        for b in range(8)
    ]
    bodies = [
        {"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {}, "spans": spans}]}]}
        for spans in batches
    ]
    async with httpx.AsyncClient(
        base_url=conformance_server.url,
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=60,
    ) as http:
        answers = await asyncio.gather(*(http.post("/v1/traces", json=b) for b in bodies * 2))
    assert [a.status_code for a in answers] == [200] * 16, [a.text for a in answers]

    events = api.session_events(sid)
    names = [e["event_name"] for e in events]
    assert len(names) == len(set(names)) == 1 + 1 + 24, sorted(names)
    [session] = [e for e in events if e["event_type"] == "session"]
    assert session["event_id"] == sid and session["event_name"] == "racing"
    root_event = next(e for e in events if e["event_name"] == "root")
    assert all(
        e["parent_id"] == root_event["event_id"]
        for e in events
        if e["event_name"] != "root" and e["event_type"] != "session"
    )


@pytest.mark.parametrize("parent_first", [True, False], ids=["parent-first", "child-first"])
def test_child_links_to_a_chosen_event_id_across_batches(
    conformance_server: LiveServer, api_key: str, api: Api, parent_first: bool
) -> None:
    """A parent span carrying `honeyhive_event_id` (what @trace(event_id=...) and
    enrich_span(update_event_id=...) send) is stored under that id; its child, exported
    in another request (either order), must point at that id too."""
    sid = str(uuid.uuid4())
    chosen = str(uuid.uuid4())
    trace_id = uuid.uuid4().hex
    parent_id, child_id = uuid.uuid4().hex[:16], uuid.uuid4().hex[:16]
    common = {"honeyhive.session_id": sid, "honeyhive_event_type": "chain"}
    parent = otlp_json_span(
        trace_id, parent_id, None, "parent", {**common, "honeyhive_event_id": chosen}
    )
    child = otlp_json_span(trace_id, child_id, parent_id, "child", common)

    for span in (parent, child) if parent_first else (child, parent):
        body = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {}, "spans": [span]}]}]}
        response = httpx.post(
            f"{conformance_server.url}/v1/traces",
            json=body,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text

    events = by_name(api.session_events(sid))
    assert events["parent"]["event_id"] == chosen
    assert events["child"]["parent_id"] == chosen, (
        f"child.parent_id {events['child']['parent_id']} names no stored event"
    )


def test_odd_attribute_shapes_are_stored_as_objects_the_sdk_can_read(
    conformance_server: LiveServer, api_key: str, api: Api, session_id: str
) -> None:
    """NaN/Inf doubles (legal in protobuf, not in JSON), a bare-string bucket, a bucket
    that is a list, array attributes: stored, and export() still parses the session."""
    exporter = OTLPSpanExporter(
        endpoint=f"{conformance_server.url}/v1/traces",
        headers={"Authorization": f"Bearer {api_key}"},
    )
    provider = provider_with(exporter, batch=False)
    with provider.get_tracer("odd").start_as_current_span(
        "odd",
        attributes={
            "honeyhive.session_id": session_id,
            "honeyhive_metrics.score": float("nan"),
            "honeyhive_metrics.peak": float("inf"),
            "honeyhive_outputs": "bare text",
            "honeyhive_inputs.0": "a",
            "honeyhive_inputs.1": "b",
            "retrieval.scores": (0.5, 1.5),
            "retrieval.flags": (True, False),
        },
    ):
        pass
    provider.shutdown()

    [event] = [e for e in api.wait_session_events(session_id, 2) if e["event_name"] == "odd"]
    assert event["outputs"] == {"value": "bare text"}
    assert event["inputs"] == {"value": ["a", "b"]}
    assert event["metadata"]["retrieval.scores"] == [0.5, 1.5]
    assert event["metadata"]["retrieval.flags"] == [True, False]
    assert set(event["metrics"]) == {"score", "peak"}  # kept, as text: JSON has no NaN

    client = HoneyHive(api_key=api_key, base_url=conformance_server.url)
    exported = client.events.export(
        filters=[{"field": "session_id", "operator": "is", "value": session_id, "type": "string"}]
    )
    assert exported.total_events == 2
    assert {e.event_name for e in exported.events} == {"otel-session", "odd"}
