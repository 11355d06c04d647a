"""One HoneyHive tracer scenario, run as its own process by the conformance tests.

The SDK's tracer keeps global OpenTelemetry state (the tracer provider, baggage, atexit
hooks), so every scenario runs in a fresh interpreter:

    python tracer_scenario.py {json|protobuf|autocreate|env_sessions|evaluation|otlp503}

with HH_API_URL and HH_API_KEY in the environment (plus HH_OTLP_PROTOCOL for protobuf,
HH_SOURCE for env_sessions, and the ids the test chose: CONFORMANCE_SESSION_ID,
CONFORMANCE_EVENT_ID, CONFORMANCE_RUN_ID). It drives the SDK exactly as an application
does, calls force_flush(), and prints one JSON line on stdout with the ids the test
needs. Nothing here talks to the server except the SDK itself.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings

import requests
from honeyhive import HoneyHiveTracer, enrich_span, trace

# `project=` is deprecated (the project comes from the API key); the SDK says so loudly.
warnings.simplefilter("ignore", DeprecationWarning)


Scenario = tuple[HoneyHiveTracer, dict[str, object]]


def main_scenario(common: dict[str, object]) -> Scenario:
    """docs/protocol.md#scenario-1 (and scenario-11 with HH_OTLP_PROTOCOL=http/protobuf): nested
    chain -> tool spans
    with enrichment, a failing model span, and session enrichment."""
    tracer = HoneyHiveTracer.init(**common, source="conformance", session_name="tracer-scenario")

    @trace(event_type="tool", event_name="child_tool", tracer=tracer)
    def child_tool(x: int, y: int) -> int:
        enrich_span(
            metadata={"cost": 0.01, "note": "child"},
            metrics={"score": 0.9},
            feedback={"rating": 5},
        )
        return x + y

    @trace(
        event_type="chain",
        span_config={"model": "gpt-x", "temperature": 0.1},
        metadata={"stage": "outer"},
        tracer=tracer,
    )
    def outer(question: str, ctx: dict[str, object]) -> dict[str, str]:
        return {"answer": f"{question}:{child_tool(3, 2)}"}

    @trace(event_type="model", tracer=tracer)
    def failing() -> None:
        raise ValueError("boom")

    result = outer("hello", {"k": [1, 2]})
    raised = None
    try:
        failing()
    except ValueError as exc:
        raised = str(exc)
    tracer.enrich_session(
        metadata={"session_meta": 1},
        feedback={"thumbs": "up"},
        metrics={"m": 2},
        user_properties={"user_id": "u-1"},
        outputs={"final": "done"},
    )
    # A second enrichment: metadata and metrics merge key by key into the first.
    tracer.enrich_session(metadata={"phase": "end"}, metrics={"m2": 3})
    return tracer, {"result": result, "raised": raised, "session_id": tracer.session_id}


def autocreate_scenario(common: dict[str, object]) -> Scenario:
    """docs/protocol.md#scenario-12: no /session/start; the span asks the server to create the
    session."""
    tracer = HoneyHiveTracer.init(**common, source="auto", skip_backend_session_creation=True)
    session_id = os.environ["CONFORMANCE_SESSION_ID"]
    tracer.create_session(session_id=session_id, session_name="auto-sess", skip_api_call=True)

    @trace(event_type="chain", event_name="auto_span", tracer=tracer)
    def auto_span() -> dict[str, object]:
        return {"a": [1, {"b": 2}]}

    return tracer, {"result": auto_span(), "session_id": session_id}


def evaluation_scenario(common: dict[str, object]) -> Scenario:
    """An experiment run: the run/dataset/datapoint ids go into the session's metadata and
    every span's, and search's `evaluation_id` finds them."""
    run_id = os.environ["CONFORMANCE_RUN_ID"]
    tracer = HoneyHiveTracer.init(
        **common,
        source="evaluation",
        session_name="datapoint-1",
        is_evaluation=True,
        run_id=run_id,
        dataset_id="ds-1",
        datapoint_id="dp-1",
    )

    @trace(event_type="chain", event_name="answer", tracer=tracer)
    def answer(question: str) -> str:
        return question.upper()

    result = answer("why")
    # What evaluate() does with a datapoint's ground truth and the app's output.
    tracer.enrich_session(feedback={"ground_truth": "WHY"}, outputs={"output": result})
    return tracer, {"result": result, "session_id": tracer.session_id, "run_id": run_id}


def single_span_scenario(common: dict[str, object]) -> Scenario:
    """docs/protocol.md#scenario-10: one model span; the test makes the server answer its export
    503."""
    tracer = HoneyHiveTracer.init(**common, source="otlp", session_name="otlp-503")

    @trace(event_type="model", event_name="llm_call", tracer=tracer)
    def llm_call(prompt: str) -> dict[str, str]:
        return {"completion": "ok"}

    return tracer, {"result": llm_call("hi"), "session_id": tracer.session_id}


def env_sessions_scenario(common: dict[str, object]) -> Scenario:
    """Configuration from the environment only (HH_API_URL, HH_API_KEY, HH_SOURCE), a
    caller-chosen upper-case session id, a caller-chosen event id, inline export
    (disable_batch: each span is sent as it ends, so a child reaches the server before its
    parent), a per-request session from create_session(), enrich_session() of that
    session, and tracer.create_event(). ``common`` is not used: all comes from the env."""
    tracer = HoneyHiveTracer.init(
        session_id=os.environ["CONFORMANCE_SESSION_ID"].upper(),
        inputs={"q": "init-input"},
        disable_batch=True,
    )

    @trace(event_type="tool", event_name="leaf", tracer=tracer)
    def leaf(n: int) -> int:
        enrich_span(user_properties={"tier": "gold"}, config={"k": "v"})
        return n * 2

    # The caller picks the event id (to attach feedback to it later, say).
    @trace(
        event_type="chain",
        event_name="in_request",
        event_id=os.environ["CONFORMANCE_EVENT_ID"],
        tracer=tracer,
    )
    def in_request(n: int) -> int:
        return leaf(n) + 1

    request_session = tracer.create_session(
        session_name="per-request", inputs={"a": 1}, metadata={"m": 1}, user_properties={"u": "x"}
    )
    result = in_request(20)
    tracer.enrich_session(metadata={"late": True}, outputs={"o": 1})
    manual = tracer.create_event(
        "manual_ev",
        event_type="tool",
        inputs={"x": 1},
        outputs={"y": 2},
        metadata={"m": 1},
        duration=12.5,
    )
    return tracer, {
        "result": result,
        "session_id": tracer.session_id,
        "request_session_id": request_session,
        "manual_event_id": manual,
        "custom_event_id": os.environ["CONFORMANCE_EVENT_ID"],
    }


def recording_session(posts: list[dict[str, object]]) -> requests.Session:
    """A caller-owned requests.Session for the OTLP exporter (the SDK's documented
    ``requests_session`` option) that notes what went over the wire and the answer."""

    def note(response: requests.Response, *args: object, **kwargs: object) -> None:
        request = response.request
        posts.append(
            {
                "url": request.url,
                "content_type": request.headers.get("Content-Type"),
                "status": response.status_code,
                "response_content_type": response.headers.get("Content-Type"),
                "response_body": response.content.decode("latin-1"),
            }
        )

    session = requests.Session()
    session.hooks["response"].append(note)
    return session


SCENARIOS = {
    "json": main_scenario,
    "protobuf": main_scenario,
    "autocreate": autocreate_scenario,
    "env_sessions": env_sessions_scenario,
    "evaluation": evaluation_scenario,
    "otlp503": single_span_scenario,
}


def main() -> None:
    mode = sys.argv[1]
    started_ms = time.time() * 1000
    posts: list[dict[str, object]] = []
    common: dict[str, object] = {
        "api_key": os.environ["HH_API_KEY"],
        "server_url": os.environ["HH_API_URL"],
        "project": "conformance-proj",
    }
    if mode in ("json", "protobuf"):
        # The other runs keep the SDK's own pooled session (its default export path).
        common["requests_session"] = recording_session(posts)
    tracer, out = SCENARIOS[mode](common)
    out["flushed"] = tracer.force_flush()
    out["mode"] = mode
    out["otlp_posts"] = posts
    out["started_ms"] = started_ms
    out["finished_ms"] = time.time() * 1000
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
