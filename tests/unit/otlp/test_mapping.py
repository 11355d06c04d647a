"""The span -> event rule table: fields, buckets, GenAI conventions, ids and parent links."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from honeyhive.tracer.instrumentation.span_utils import _set_span_attributes
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.records import EVENT_FIELDS, JSON_BUCKETS
from app.otlp import RULES, map_spans, span_event_id
from app.otlp.decode import Span, SpanEvent
from app.otlp.mapping import SCALAR_TARGETS, SPAN_EVENT_NAMESPACE, X_SOURCE_HEADER, MappingResult

DOC = Path(__file__).resolve().parents[3] / "docs" / "otlp.md"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SID = "11111111-2222-4333-8444-555555555555"
START = 1_700_000_000_123_456_789


def make_span(
    attributes: dict[str, Any] | None = None,
    *,
    span_id: str = "00f067aa0ba902b7",
    parent: str | None = None,
    trace_id: str = TRACE,
    name: str = "span",
    session: str | None = SID,
    status: str = "UNSET",
    message: str | None = None,
    events: tuple[SpanEvent, ...] = (),
    start: int = START,
    end: int = START + 2_500_000,
) -> Span:
    attrs = {} if session is None else {"honeyhive.session_id": session}
    attrs.update(attributes or {})
    return Span(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent,
        name=name,
        kind="INTERNAL",
        start_time_unix_nano=start,
        end_time_unix_nano=end,
        status_code=status,  # type: ignore[arg-type]
        status_message=message,
        attributes=attrs,
        events=events,
        resource_attributes={"service.name": "svc"},
        scope_name="scope",
    )


def one(span: Span, header_source: str | None = None) -> dict[str, Any]:
    result = map_spans([span], project_id="proj", header_source=header_source)
    assert result.rejected == []
    (event,) = result.events
    assert set(event) == set(EVENT_FIELDS)
    return dict(event)


# --------------------------------------------------------------------------- the table


def test_every_rule_targets_a_field_or_a_bucket() -> None:
    for rule in RULES:
        head = rule.path[0]
        assert head in SCALAR_TARGETS or head in JSON_BUCKETS, rule
        if head in SCALAR_TARGETS:
            assert len(rule.path) == 1 and not rule.is_prefix, rule


def test_the_doc_lists_every_rule() -> None:
    text = DOC.read_text()
    for rule in RULES:
        if rule.attribute != X_SOURCE_HEADER:
            assert f"`{rule.attribute}" in text, rule.attribute
        assert f"`{rule.target}" in text, rule.target


# --------------------------------------------------------------------------- basic fields


def test_defaults_from_the_span_itself() -> None:
    event = one(make_span(name="my-span"))
    assert event["event_id"] == span_event_id(TRACE, "00f067aa0ba902b7")
    assert event["session_id"] == SID
    assert event["parent_id"] == SID
    assert event["event_type"] == "tool"
    assert event["event_name"] == "my-span"
    assert event["source"] == "unknown"
    assert event["start_time"] == 1_700_000_000_123
    assert event["end_time"] == 1_700_000_000_125
    assert event["duration"] == 2.5
    assert event["error"] is None
    assert event["inputs"] is None and event["outputs"] is None and event["config"] is None
    assert event["metadata"] == {"trace_id": TRACE, "span_id": "00f067aa0ba902b7"}
    assert event["children_ids"] is None


def test_honeyhive_fields() -> None:
    event = one(
        make_span(
            {
                "honeyhive_event_type": "Model",
                "honeyhive_event_name": "named",
                "honeyhive.source": "src",
                "honeyhive_duration_ms": 12.5,
                "honeyhive_event_id": "custom-id",
                "honeyhive_user_id": "u-1",
            },
            name="ignored",
        )
    )
    assert event["event_type"] == "model"
    assert event["event_name"] == "named"
    assert event["source"] == "src"
    assert event["duration"] == 12.5
    assert event["event_id"] == "custom-id"
    assert event["user_properties"] == {"user_id": "u-1"}


def test_session_id_fallbacks() -> None:
    span = make_span({"traceloop.association.properties.session_id": "tl-sess"}, session=None)
    assert one(span)["session_id"] == "tl-sess"
    assert one(make_span({"honeyhive_session_id": "dec-sess"}, session=None))["session_id"] == (
        "dec-sess"
    )
    # A disagreeing alias is kept in metadata, not dropped.
    event = one(make_span({"traceloop.association.properties.session_id": "other"}))
    assert event["session_id"] == SID
    assert event["metadata"]["traceloop.association.properties.session_id"] == "other"


def test_source_order_attribute_header_traceloop_unknown() -> None:
    tl = {"traceloop.association.properties.source": "tl"}
    assert one(make_span({"honeyhive.source": "hh", **tl}), "hdr")["source"] == "hh"
    assert one(make_span(tl), "hdr")["source"] == "hdr"
    assert one(make_span(tl))["source"] == "tl"
    assert one(make_span())["source"] == "unknown"


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"gen_ai.operation.name": "chat"}, "model"),
        ({"gen_ai.operation.name": "text_completion"}, "model"),
        ({"gen_ai.operation.name": "generate_content"}, "model"),
        ({"gen_ai.operation.name": "embeddings"}, "model"),
        ({"gen_ai.operation.name": "invoke_agent"}, "chain"),
        ({"gen_ai.operation.name": "create_agent"}, "chain"),
        ({"gen_ai.operation.name": "invoke_workflow"}, "chain"),
        ({"gen_ai.operation.name": "execute_tool"}, "tool"),
        ({"gen_ai.operation.name": "retrieval"}, "tool"),
        ({"gen_ai.operation.name": "mystery"}, "tool"),
        ({"openinference.span.kind": "LLM"}, "model"),
        ({"openinference.span.kind": "CHAIN"}, "chain"),
        ({"openinference.span.kind": "AGENT"}, "chain"),
        ({"openinference.span.kind": "RETRIEVER"}, "tool"),
        ({"openinference.span.kind": "EMBEDDING"}, "tool"),
        ({"openinference.span.kind": "RERANKER"}, "tool"),
        ({"openinference.span.kind": "GUARDRAIL"}, "tool"),
        ({"openinference.span.kind": "llm"}, "model"),
        ({"honeyhive_event_type": "chain", "gen_ai.operation.name": "chat"}, "chain"),
        ({"honeyhive_event_type": "session", "gen_ai.operation.name": "chat"}, "model"),
        ({"honeyhive.event_type": "model"}, "model"),
        ({}, "tool"),
    ],
)
def test_event_type(attributes: dict[str, Any], expected: str) -> None:
    assert one(make_span(attributes))["event_type"] == expected


def test_errors() -> None:
    event = one(make_span({"honeyhive_error": "bad", "honeyhive_error_type": "KeyError"}))
    assert event["error"] == "bad"
    assert event["metadata"]["error_type"] == "KeyError"
    # status.message when the status is ERROR ...
    assert one(make_span(status="ERROR", message="ValueError: x"))["error"] == "ValueError: x"
    # ... else the exception event ...
    exc = SpanEvent("exception", START, {"exception.type": "KeyError", "exception.message": "k"})
    assert one(make_span(status="ERROR", events=(exc,)))["error"] == "KeyError: k"
    # ... and honeyhive_error beats both.
    assert one(make_span({"honeyhive_error": "mine"}, status="ERROR", message="m"))["error"] == (
        "mine"
    )
    # A recorded exception on a span that did not fail is no error.
    event = one(make_span(events=(exc,)))
    assert event["error"] is None
    assert event["metadata"]["span_events"] == [
        {
            "name": "exception",
            "time": START // 1_000_000,
            "attributes": {"exception.type": "KeyError", "exception.message": "k"},
        }
    ]
    assert one(make_span(status="ERROR"))["error"] == "span status is ERROR"


# --------------------------------------------------------------------------- buckets


def test_bucket_prefixes_unflatten() -> None:
    event = one(
        make_span(
            {
                "honeyhive_inputs.a.b": 1,
                "honeyhive_inputs.a.c": "x",
                "honeyhive_outputs.result.a.0": 1,
                "honeyhive_outputs.result.a.1.b": 2,
                "honeyhive_config.model": "m",
                "honeyhive_span_config.temperature": 0.2,
                "honeyhive_metadata.k": True,
                "honeyhive_metrics.m": 3,
                "honeyhive_feedback.f": "up",
                "honeyhive_user_properties.u": "v",
                "honeyhive_inputs.ctx": '{"k": [1, 2]}',
            }
        )
    )
    assert event["inputs"] == {"a": {"b": 1, "c": "x"}, "ctx": '{"k": [1, 2]}'}
    assert event["outputs"] == {"result": {"a": [1, {"b": 2}]}}
    assert event["config"] == {"model": "m", "temperature": 0.2}
    assert event["metadata"]["k"] is True
    assert event["metrics"] == {"m": 3}
    assert event["feedback"] == {"f": "up"}
    assert event["user_properties"] == {"u": "v"}


def test_array_rebuilding_needs_exactly_zero_to_n_minus_one() -> None:
    event = one(
        make_span(
            {
                "honeyhive_outputs.gap.0": "a",
                "honeyhive_outputs.gap.2": "c",
                "honeyhive_outputs.one.1": "b",
                "honeyhive_outputs.list.1": "b",
                "honeyhive_outputs.list.0": "a",
                "honeyhive_outputs.nested.0.0": 1,
                "honeyhive_outputs.nested.0.1": 2,
            }
        )
    )
    assert event["outputs"] == {
        "gap": {"0": "a", "2": "c"},
        "one": {"1": "b"},
        "list": ["a", "b"],
        "nested": [[1, 2]],
    }


def test_bare_bucket_values_are_wrapped() -> None:
    event = one(make_span({"honeyhive_outputs": "plain", "honeyhive_inputs.0": "x"}))
    assert event["outputs"] == {"value": "plain"}
    assert event["inputs"] == {"value": ["x"]}
    event = one(make_span({"honeyhive_outputs": "plain", "honeyhive_inputs.1": "x"}))
    assert event["inputs"] == {"1": "x"}


def test_kvlist_values_merge_into_buckets() -> None:
    event = one(make_span({"honeyhive_inputs.obj": {"a": 1}, "honeyhive_inputs.obj.b": 2}))
    assert event["inputs"] == {"obj": {"a": 1, "b": 2}}


def test_clashes_are_kept_in_metadata() -> None:
    span = make_span(
        {
            "honeyhive_inputs.a": 1,
            "honeyhive_inputs.a.b": 2,
            "honeyhive_config.model": "explicit",
            "gen_ai.request.model": "semconv",
        }
    )
    event = one(span)
    assert event["inputs"] == {"a": 1}
    assert event["metadata"]["honeyhive_inputs.a.b"] == 2
    assert event["config"] == {"model": "explicit"}
    assert event["metadata"]["gen_ai.request.model"] == "semconv"


def test_unmapped_attributes_are_kept_in_metadata() -> None:
    event = one(
        make_span(
            {
                "http.method": "GET",
                "custom": [1, 2],
                "honeyhive_metadata.custom": "explicit",
                "baggage.tenant": "acme",
                "honeyhive.experiment_id": "exp-1",
                "honeyhive.experiment_metadata.arm": "b",
                "honeyhive.project": "legacy",
            }
        )
    )
    metadata = event["metadata"]
    assert metadata["http.method"] == "GET"
    assert metadata["custom"] == "explicit"
    assert metadata["otel_attributes"] == {"custom": [1, 2]}
    assert metadata["baggage"] == {"tenant": "acme"}
    assert metadata["experiment_id"] == "exp-1"
    assert metadata["experiment_metadata"] == {"arm": "b"}
    assert metadata["project"] == "legacy"


def test_too_deep_keys_stay_flat() -> None:
    key = "honeyhive_inputs." + ".".join(["k"] * 100)
    event = one(make_span({key: 1}))
    assert event["inputs"] is None
    assert event["metadata"][key] == 1


# --------------------------------------------------------------------------- GenAI


def test_genai_semconv_span() -> None:
    event = one(
        make_span(
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.request.temperature": 0.3,
                "gen_ai.response.model": "gpt-4o-2024-08-06",
                "gen_ai.usage.input_tokens": 10,
                "gen_ai.usage.output_tokens": 5,
                "gen_ai.input.messages": '[{"role": "user", "content": "hi"}]',
                "gen_ai.response.finish_reasons": ["stop"],
                "server.address": "api.openai.com",
            },
            name="chat gpt-4o",
        )
    )
    assert event["event_type"] == "model"
    assert event["event_name"] == "chat gpt-4o"
    assert event["config"] == {"model": "gpt-4o", "temperature": 0.3, "provider": "openai"}
    metadata = event["metadata"]
    assert metadata["prompt_tokens"] == 10
    assert metadata["completion_tokens"] == 5
    assert metadata["total_tokens"] == 15
    assert metadata["model_name"] == "gpt-4o-2024-08-06"
    assert metadata["response_model"] == "gpt-4o-2024-08-06"
    assert metadata["operation_name"] == "chat"
    assert metadata["finish_reasons"] == ["stop"]
    assert metadata["server.address"] == "api.openai.com"
    assert event["inputs"] == {"chat_history": [{"role": "user", "content": "hi"}]}


def test_traceloop_span() -> None:
    event = one(
        make_span(
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "Anthropic",
                "gen_ai.request.model": "claude",
                "gen_ai.usage.prompt_tokens": 7,
                "gen_ai.usage.completion_tokens": 3,
                "llm.usage.total_tokens": 11,
                "gen_ai.prompt.0.role": "system",
                "gen_ai.prompt.0.content": "be brief",
                "gen_ai.prompt.1.role": "user",
                "gen_ai.prompt.1.content": "hi",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.content": "hello",
                "llm.request.type": "chat",
            }
        )
    )
    assert event["event_type"] == "model"
    assert event["config"] == {"model": "claude", "provider": "Anthropic"}
    assert event["metadata"]["total_tokens"] == 11  # explicit total wins over the sum
    assert event["metadata"]["model_name"] == "claude"  # falls back to config.model
    assert event["metadata"]["request_type"] == "chat"
    assert event["inputs"] == {
        "chat_history": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "hi"},
        ]
    }
    assert event["outputs"] == {"chat_history": [{"role": "assistant", "content": "hello"}]}


def test_openinference_span() -> None:
    event = one(
        make_span(
            {
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o-mini",
                "llm.provider": "openai",
                "llm.token_count.prompt": 4,
                "llm.token_count.completion": 6,
                "llm.input_messages.0.message.role": "user",
                "llm.input_messages.0.message.content": "q",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.content": "a",
                "input.value": "q",
            }
        )
    )
    assert event["event_type"] == "model"
    assert event["config"] == {"model": "gpt-4o-mini", "provider": "openai"}
    assert event["metadata"]["model_name"] == "gpt-4o-mini"
    assert event["metadata"]["span_kind"] == "LLM"
    assert event["metadata"]["total_tokens"] == 10
    assert event["metadata"]["input.value"] == "q"
    assert event["inputs"] == {"chat_history": [{"role": "user", "content": "q"}]}
    assert event["outputs"] == {"chat_history": [{"role": "assistant", "content": "a"}]}


def test_agent_and_tool_spans() -> None:
    agent = one(
        make_span({"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"})
    )
    assert agent["event_type"] == "chain"
    assert agent["metadata"]["agent_name"] == "planner"
    tool = one(make_span({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"}))
    assert tool["event_type"] == "tool"
    assert tool["metadata"]["tool_name"] == "search"
    assert "model_name" not in tool["metadata"]


# --------------------------------------------------------------------------- ids and parents


def _family() -> list[Span]:
    return [
        make_span(span_id="1111111111111111", name="root"),
        make_span(span_id="2222222222222222", parent="1111111111111111", name="child"),
        make_span(span_id="3333333333333333", parent="2222222222222222", name="grandchild"),
    ]


def test_determinism() -> None:
    first = map_spans(_family(), project_id="p", header_source="h")
    second = map_spans(_family(), project_id="p", header_source="h")
    assert first == second
    ids = [event["event_id"] for event in first.events]
    assert len(set(ids)) == 3
    assert all(uuid.UUID(i).version == 5 for i in ids)
    # Different spans -> different ids; the id depends only on traceId and spanId.
    other = map_spans(_family(), project_id="other-project", header_source=None)
    assert [event["event_id"] for event in other.events] == ids
    assert span_event_id(TRACE, "1111111111111111") != span_event_id(TRACE, "2222222222222222")
    assert span_event_id(TRACE, "1111111111111111") != span_event_id("f" * 32, "1111111111111111")


def test_parent_links_within_a_batch() -> None:
    root, child, grandchild = map_spans(_family(), project_id="p", header_source=None).events
    assert root["parent_id"] == SID
    assert child["parent_id"] == root["event_id"]
    assert grandchild["parent_id"] == child["event_id"]


def test_child_exported_before_its_parent() -> None:
    spans = _family()
    early = map_spans([spans[2], spans[1]], project_id="p", header_source=None)
    late = map_spans([spans[0]], project_id="p", header_source=None)
    grandchild, child = early.events
    (root,) = late.events
    assert grandchild["parent_id"] == child["event_id"]
    assert child["parent_id"] == root["event_id"]


def test_parent_with_an_event_id_override_in_the_same_batch() -> None:
    parent = make_span({"honeyhive_event_id": "custom-parent"}, span_id="1111111111111111")
    child = make_span(span_id="2222222222222222", parent="1111111111111111")
    child_event, parent_event = map_spans(
        [child, parent], project_id="p", header_source=None
    ).events
    assert parent_event["event_id"] == "custom-parent"
    assert child_event["parent_id"] == "custom-parent"


def test_explicit_parent_id() -> None:
    # A root span takes honeyhive.parent_id (distributed tracing baggage) ...
    root = one(make_span({"honeyhive.parent_id": "remote-event"}))
    assert root["parent_id"] == "remote-event"
    # ... a span with its own parent keeps that link and the baggage value stays in metadata.
    child = one(make_span({"honeyhive.parent_id": "remote-event"}, parent="1111111111111111"))
    assert child["parent_id"] == span_event_id(TRACE, "1111111111111111")
    assert child["metadata"]["honeyhive.parent_id"] == "remote-event"
    assert child["metadata"]["parent_span_id"] == "1111111111111111"


# --------------------------------------------------------------------------- sessions


def test_auto_created_sessions() -> None:
    spans = [
        make_span(span_id="1111111111111111", start=START + 5_000_000),
        make_span(
            {"honeyhive.session_auto_create": "true", "baggage.session_name": "from-baggage"},
            span_id="2222222222222222",
            start=START + 9_000_000,
        ),
        make_span(
            {"honeyhive.session_auto_create": True, "honeyhive.session_name": "named"},
            span_id="3333333333333333",
            start=START,
            session="other-session",
        ),
        make_span(
            {"honeyhive.session_auto_create": False},
            span_id="4444444444444444",
            session="third",
        ),
    ]
    result = map_spans(spans, project_id="p", header_source="hdr")
    assert len(result.events) == 4
    first, second = result.sessions
    assert first["event_id"] == first["session_id"] == SID
    assert first["event_name"] == "from-baggage"
    assert first["start_time"] == (START + 5_000_000) // 1_000_000  # earliest of its spans
    assert first["source"] == "hdr"
    assert second["event_id"] == "other-session"
    assert second["event_name"] == "named"
    assert all(s["event_type"] == "session" and s["parent_id"] is None for s in result.sessions)


def test_auto_created_session_without_a_name() -> None:
    result = map_spans(
        [make_span({"honeyhive.session_auto_create": True})], project_id="p", header_source=None
    )
    (session,) = result.sessions
    assert session["event_name"] == "unknown"
    assert session["source"] == "unknown"


# --------------------------------------------------------------------------- rejections


def test_rejections_do_not_stop_the_batch() -> None:
    spans = [
        make_span(span_id="1111111111111111", session=None),
        make_span(span_id="2222222222222222"),
        make_span(span_id="", name="no id"),
        make_span({"honeyhive_inputs.q": "a\x00b"}, span_id="3333333333333333"),
        make_span(trace_id="abc"),
        make_span(span_id="0" * 16),
        make_span({"honeyhive.session_id": "x" * 300}, span_id="4444444444444444"),
    ]
    result: MappingResult = map_spans(spans, project_id="p", header_source=None)
    assert [event["event_name"] for event in result.events] == ["span"]
    assert [index for index, _ in result.rejected] == [0, 2, 3, 4, 5, 6]
    reasons = dict(result.rejected)
    assert "no session id" in reasons[0]
    assert "spanId" in reasons[2]
    assert re.search(r"inputs\.q.*NUL", reasons[3])
    assert "traceId" in reasons[4]
    assert "spanId" in reasons[5]
    assert "session_id is longer than 256" in reasons[6]


# --------------------------------------------------------------------------- SDK round trip


class _RecordingSpan:
    def __init__(self) -> None:
        self.attributes: dict[str, Any] = {}

    def set_attribute(self, key: str, value: Any) -> None:
        self.attributes[key] = value


_keys = st.text(alphabet="abcdefghij_", min_size=1, max_size=5)
_leaves = st.one_of(
    st.text(st.characters(exclude_characters="\x00"), max_size=8),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
_values = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=4),
        st.dictionaries(_keys, children, min_size=1, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(_values)
def test_sdk_flattening_round_trips(value: Any) -> None:
    """Whatever the SDK's own flattener writes as honeyhive_outputs.result comes back."""
    recorder = _RecordingSpan()
    _set_span_attributes(recorder, "honeyhive_outputs.result", value)
    event = one(make_span(recorder.attributes))
    assert event["outputs"] == {"result": value}


def test_span_event_ids_are_uuid5_of_trace_and_span() -> None:
    for trace_id, span_id in [("0" * 31 + "1", "0" * 15 + "1"), ("ab" * 16, "cd" * 8), ("é", "x")]:
        expected = uuid.uuid5(SPAN_EVENT_NAMESPACE, f"{trace_id}:{span_id}")
        assert span_event_id(trace_id, span_id) == str(expected)
