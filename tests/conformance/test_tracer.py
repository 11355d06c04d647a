"""docs/protocol.md#scenario-1, scenario-11, scenario-12: the real HoneyHive tracer (1.7.0) against
a real server.

Each scenario ran in its own interpreter (tracer_scenario.py, see conftest.tracer_runs);
here we check what the server STORED, read back through search and the session tree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from honeyhive import HoneyHive
from honeyhive.models import UpdateEventRequest

from tests.conformance.conftest import TracerRun
from tests.conformance.reads import Api, assert_times, by_name
from tests.live_server import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

SPAN_NAMES = {"child_tool", "__main__.outer", "__main__.failing", "failing_error"}


@pytest.fixture
def api(conformance_server: LiveServer, tracer_run: TracerRun) -> Iterator[Api]:
    reader = Api(conformance_server.url, tracer_run.api_key)
    yield reader
    reader.close()


def check_wire(run: TracerRun, content_type: str) -> None:
    """The OTLP export(s) of force_flush(): the expected encoding, each answered 200 with
    an empty ExportTraceServiceResponse (no partialSuccess: every span was accepted).
    (One request in practice; a slow machine may let the 5 s batch timer send first.)"""
    posts = run.out["otlp_posts"]
    assert posts, run.describe()
    for post in posts:
        assert post["url"].endswith("/opentelemetry/v1/traces"), post
        assert post["content_type"] == content_type and post["status"] == 200, post
        assert post["response_content_type"].startswith(content_type), post
        if content_type == "application/json":
            assert json.loads(post["response_body"]) == {}, post
        else:
            assert post["response_body"] == "", post


def check_main_scenario(api: Api, run: TracerRun) -> None:
    out = run.out
    assert out["flushed"] is True and out["raised"] == "boom", run.describe()
    assert out["result"] == {"answer": "hello:5"}
    sid = out["session_id"]

    events = api.wait_session_events(sid, 5)
    assert len(events) == 5, [(e["event_type"], e["event_name"]) for e in events]
    sessions = [e for e in events if e["event_type"] == "session"]
    spans = by_name([e for e in events if e["event_type"] != "session"])
    assert set(spans) == SPAN_NAMES

    # Exactly one session event: the tracer's POST /session/start, enriched twice.
    [session] = sessions
    assert session["event_id"] == session["session_id"] == sid
    assert session["parent_id"] is None
    assert session["event_name"] == "tracer-scenario"
    assert session["source"] == "conformance"
    assert session["metadata"] == {"session_meta": 1, "phase": "end"}  # merged
    assert session["metrics"] == {"m": 2, "m2": 3}  # merged
    assert session["feedback"] == {"thumbs": "up"}
    assert session["user_properties"] == {"user_id": "u-1"}
    assert session["outputs"] == {"final": "done"}
    assert api.get_event(sid) == session

    outer, child = spans["__main__.outer"], spans["child_tool"]
    failing, error_span = spans["__main__.failing"], spans["failing_error"]
    for span in spans.values():
        assert span["session_id"] == sid, span
        assert span["source"] == "conformance", span
        assert span["event_id"] != sid and span["project_id"] == session["project_id"]
        assert_times(span, out["started_ms"], out["finished_ms"])
        assert api.get_event(span["event_id"]) == span

    # Parents: the child hangs under outer's event; every root under the session.
    assert child["parent_id"] == outer["event_id"]
    for root in (outer, failing, error_span):
        assert root["parent_id"] == sid, root
    assert len({span["event_id"] for span in spans.values()}) == 4

    # outer: a chain, named after the function, with its arguments, config and result.
    assert outer["event_type"] == "chain"
    assert outer["inputs"]["question"] == "hello"
    # dict arguments arrive as JSON text and are kept as such (docs/otlp.md).
    assert outer["inputs"] == {"question": "hello", "ctx": '{"k": [1, 2]}'}
    assert outer["outputs"] == {"result": {"answer": "hello:5"}}
    assert outer["config"] == {"model": "gpt-x", "temperature": 0.1}
    assert outer["metadata"]["stage"] == "outer"
    assert outer["error"] is None
    assert outer["start_time"] <= child["start_time"] <= child["end_time"] <= outer["end_time"]

    # child_tool: a tool with enrich_span()'s metadata, metrics and feedback.
    assert child["event_type"] == "tool"
    assert child["inputs"] == {"x": 3, "y": 2}
    assert child["outputs"] == {"result": 5}
    assert child["metadata"]["cost"] == 0.01
    assert child["metadata"]["note"] == "child"
    assert child["metrics"] == {"score": 0.9}
    assert child["feedback"] == {"rating": 5}
    assert child["error"] is None

    # The raising @trace(event_type="model") function: an errored model event.
    assert failing["event_type"] == "model"
    assert failing["error"] == "ValueError: boom"
    exceptions = [e for e in failing["metadata"]["span_events"] if e["name"] == "exception"]
    assert exceptions and exceptions[0]["attributes"]["exception.message"] == "boom"
    # ...and the SDK's extra `<name>_error` root span, stored as its own event.
    assert error_span["event_type"] == "tool"
    assert error_span["error"] == "boom"
    assert error_span["metadata"]["error_type"] == "ValueError"

    # The SDK's own read path parses every stored event (LegacyEvent), oldest first.
    exported = HoneyHive(api_key=run.api_key, base_url=api.url).events.get_by_session_id(sid)
    assert exported.total_events == 5
    assert {e.event_id for e in exported.events} == {e["event_id"] for e in events}
    assert exported.events[0].event_id == sid  # the session started first
    assert [e.start_time for e in exported.events] == sorted(e["start_time"] for e in events)

    # The session tree nests the same events and rolls up the child's cost.
    tree = api.session_tree(sid)
    assert tree["event_id"] == sid and tree["num_events"] == 4
    assert tree["num_model_events"] == 1
    assert tree["cost"] == pytest.approx(0.01)
    roots = by_name(tree["children"])
    assert set(roots) == {"__main__.outer", "__main__.failing", "failing_error"}
    [nested] = roots["__main__.outer"]["children"]
    assert nested["event_id"] == child["event_id"] and nested["children"] == []


@pytest.mark.parametrize("tracer_run", ["json"], indirect=True)
def test_tracer_json_spans_and_session_enrichment(api: Api, tracer_run: TracerRun) -> None:
    """docs/protocol.md#scenario-1: the default OTLP/JSON export."""
    check_wire(tracer_run, "application/json")
    check_main_scenario(api, tracer_run)


@pytest.mark.parametrize("tracer_run", ["protobuf"], indirect=True)
def test_tracer_protobuf_spans_map_the_same(api: Api, tracer_run: TracerRun) -> None:
    """docs/protocol.md#scenario-11: HH_OTLP_PROTOCOL=http/protobuf switches to the stock OTLP
    exporter."""
    check_wire(tracer_run, "application/x-protobuf")
    check_main_scenario(api, tracer_run)


@pytest.mark.parametrize("tracer_run", ["autocreate"], indirect=True)
def test_tracer_skip_backend_session_creation_auto_creates_the_session(
    api: Api, tracer_run: TracerRun
) -> None:
    """docs/protocol.md#scenario-12: no /session/start; the server creates the session from the
    span."""
    out = tracer_run.out
    assert out["flushed"] is True, tracer_run.describe()
    assert out["result"] == {"a": [1, {"b": 2}]}
    sid = out["session_id"]

    events = api.wait_session_events(sid, 2)
    assert sorted(e["event_type"] for e in events) == ["chain", "session"], events
    [session] = [e for e in events if e["event_type"] == "session"]
    [span] = [e for e in events if e["event_type"] == "chain"]

    assert session["event_id"] == session["session_id"] == sid
    assert session["event_name"] == "auto-sess"
    assert session["parent_id"] is None
    assert session["source"] == "auto"
    assert session["start_time"] <= span["start_time"]

    assert span["event_name"] == "auto_span"
    assert span["parent_id"] == sid
    assert span["source"] == "auto"
    # honeyhive_outputs.result.a.0 / .a.1.b are rebuilt as an array.
    assert span["outputs"] == {"result": {"a": [1, {"b": 2}]}}
    assert span["metadata"]["baggage"] == {"session_name": "auto-sess"}
    assert_times(span, out["started_ms"], out["finished_ms"])

    tree: dict[str, Any] = api.session_tree(sid)
    assert [child["event_id"] for child in tree["children"]] == [span["event_id"]]


@pytest.mark.parametrize("tracer_run", ["env_sessions"], indirect=True)
def test_tracer_configured_from_env_with_per_request_session_and_create_event(
    api: Api, tracer_run: TracerRun
) -> None:
    """HH_API_URL/HH_API_KEY/HH_SOURCE only; an upper-case session id (the SDK lower-cases
    it); inline export (a child is sent before its parent); create_session() for a
    per-request session that enrich_session() then updates; tracer.create_event()."""
    out = tracer_run.out
    assert out["flushed"] is True and out["result"] == 41, tracer_run.describe()
    sid, request_sid = out["session_id"], out["request_session_id"]
    assert sid == sid.lower() and request_sid != sid

    init_events = {e["event_name"]: e for e in api.wait_session_events(sid, 2)}
    assert set(init_events) == {"tracer_scenario", "manual_ev"}
    session = init_events["tracer_scenario"]  # session_name defaults to the script's name
    assert session["event_type"] == "session" and session["event_id"] == sid
    assert session["inputs"] == {"q": "init-input"} and session["source"] == "envsrc"

    manual = init_events["manual_ev"]
    assert manual["event_id"] == out["manual_event_id"] and manual["event_type"] == "tool"
    assert manual["parent_id"] == sid and manual["source"] == "envsrc"
    assert manual["inputs"] == {"x": 1} and manual["outputs"] == {"y": 2}
    assert manual["metadata"] == {"m": 1} and manual["duration"] == 12.5

    events = by_name(api.wait_session_events(request_sid, 3))
    assert set(events) == {"per-request", "in_request", "leaf"}
    request_session = events["per-request"]
    assert request_session["event_type"] == "session" and request_session["event_id"] == request_sid
    assert request_session["inputs"] == {"a": 1}
    assert request_session["metadata"] == {"m": 1, "late": True}  # enrich_session merged
    assert request_session["user_properties"] == {"u": "x"}
    assert request_session["outputs"] == {"o": 1}

    chain, leaf = events["in_request"], events["leaf"]
    assert chain["event_id"] == out["custom_event_id"]  # @trace(event_id=...)
    assert chain["parent_id"] == request_sid
    assert chain["inputs"] == {"n": 20} and chain["outputs"] == {"result": 41}
    assert leaf["inputs"] == {"n": 20} and leaf["outputs"] == {"result": 40}
    assert leaf["user_properties"] == {"tier": "gold"} and leaf["config"] == {"k": "v"}
    for span in (chain, leaf):
        assert span["source"] == "envsrc"
        assert_times(span, out["started_ms"], out["finished_ms"])


@pytest.mark.parametrize("tracer_run", ["env_sessions"], indirect=True)
def test_tracer_child_of_a_span_with_a_chosen_event_id_links_to_that_id(
    api: Api, tracer_run: TracerRun, conformance_server: LiveServer
) -> None:
    """@trace(event_id=X) stores the span as event X. Its child, exported in an earlier
    request (disable_batch=True sends each span as it ends), must still point at X,
    and feedback logged later against X must land on that event."""
    out = tracer_run.out
    assert out, tracer_run.describe()
    custom = out["custom_event_id"]
    events = by_name(api.wait_session_events(out["request_session_id"], 3))
    chain, leaf = events["in_request"], events["leaf"]
    assert chain["event_id"] == custom

    HoneyHive(api_key=tracer_run.api_key, base_url=conformance_server.url).events.update(
        UpdateEventRequest(event_id=custom, feedback={"rating": 1})
    )
    assert api.get_event(custom)["feedback"] == {"rating": 1}

    assert leaf["parent_id"] == custom, (
        f"leaf.parent_id {leaf['parent_id']} is no stored event; its parent is {custom}"
    )
    tree = api.session_tree(out["request_session_id"])
    [root] = tree["children"]
    assert root["event_id"] == custom
    assert [c["event_id"] for c in root["children"]] == [leaf["event_id"]]


@pytest.mark.parametrize("tracer_run", ["evaluation"], indirect=True)
def test_tracer_evaluation_run_is_found_by_evaluation_id(api: Api, tracer_run: TracerRun) -> None:
    """An experiment run's tracer: run/dataset/datapoint ids on the session and the spans;
    search's `evaluation_id` (POST /v1/events/search, the CLI's --evaluation-id) finds both."""
    out = tracer_run.out
    assert out["flushed"] is True and out["result"] == "WHY", tracer_run.describe()
    sid, run_id = out["session_id"], out["run_id"]
    ids = {"run_id": run_id, "dataset_id": "ds-1", "datapoint_id": "dp-1"}

    found = api.search(evaluation_id=run_id)
    assert found["count"] == 2
    events = {e["event_type"]: e for e in found["events"]}
    assert set(events) == {"session", "chain"}
    session, span = events["session"], events["chain"]
    assert session["event_id"] == sid and session["event_name"] == "datapoint-1"
    assert session["metadata"] == ids
    assert session["feedback"] == {"ground_truth": "WHY"}
    assert session["outputs"] == {"output": "WHY"}
    assert span["session_id"] == sid and span["parent_id"] == sid
    assert span["event_name"] == "answer" and span["outputs"] == {"result": "WHY"}
    assert {key: span["metadata"][key] for key in ids} == ids
    assert span["source"] == "evaluation"
