"""Recordings of what each SDK version sent (test mode's request capture), kept as fixtures
in ``tests/sdk_matrix/recordings/`` so that ``test_replay.py`` proves, without installing
any old SDK, that the server still answers them as it did and stores the same events.

``SDK_MATRIX_RECORD=sqlite`` (or ``postgres``) on a matrix run (re)writes them from that
backend's run.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.sdk_matrix.conftest import Job

FOLDER = Path(__file__).with_name("recordings")
KEPT_HEADERS = ("content-type", "user-agent")
# What replay compares: everything the server stores except the times it may default to
# "now" and the project (each replay has a project of its own).
COMPARED_FIELDS = (
    "event_id",
    "event_type",
    "event_name",
    "source",
    "session_id",
    "parent_id",
    "children_ids",
    "inputs",
    "outputs",
    "config",
    "metadata",
    "metrics",
    "feedback",
    "user_properties",
    "error",
)


# Tracebacks inside spans (0.2.20's failed call to the hosted API) name files of the
# machine's Python installation: a recording keeps no machine path.
MACHINE_PATH = re.compile(r"(?:/[^/\s\"']+)+?/lib/python3\.\d+/")


def scrub(text: str) -> str:
    return MACHINE_PATH.sub("<python>/lib/", text)


def scrub_json(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [scrub_json(v) for v in value]
    if isinstance(value, dict):
        return {scrub(k): scrub_json(v) for k, v in value.items()}
    return value


def scrub_otlp(raw: bytes) -> bytes:
    """The same for an OTLP/protobuf body (decoded, scrubbed, encoded again only when a
    string changed, so that an untouched body keeps its exact bytes)."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    request = ExportTraceServiceRequest.FromString(raw)
    changed = False

    def walk(value: Any) -> None:
        nonlocal changed
        kind = value.WhichOneof("value")
        if kind == "string_value" and scrub(value.string_value) != value.string_value:
            value.string_value, changed = scrub(value.string_value), True
        elif kind == "array_value":
            for item in value.array_value.values:
                walk(item)
        elif kind == "kvlist_value":
            for pair in value.kvlist_value.values:
                walk(pair.value)

    for resource_spans in request.resource_spans:
        for pair in resource_spans.resource.attributes:
            walk(pair.value)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                for pair in span.attributes:
                    walk(pair.value)
                for event in span.events:
                    for pair in event.attributes:
                        walk(pair.value)
                if scrub(span.status.message) != span.status.message:
                    span.status.message, changed = scrub(span.status.message), True
    return request.SerializeToString() if changed else raw


def normalized(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    kept = [{key: event.get(key) for key in COMPARED_FIELDS} for event in events]
    return sorted(kept, key=lambda e: (str(e["event_type"]), str(e["event_name"]), e["event_id"]))


def request_fixture(captured: dict[str, Any]) -> dict[str, Any]:
    kept = {
        "method": captured["method"],
        "path": captured["path"],
        "query": captured["query"],
        "headers": {k: v for k, v in captured["headers"].items() if k in KEPT_HEADERS},
        "status": captured["status"],
    }
    assert not captured.get("body_truncated"), captured["path"]
    if captured.get("body_base64") is not None:
        raw = base64.b64decode(captured["body_base64"])
        if captured["path"].endswith("/traces"):
            raw = scrub_otlp(raw)
        kept["body_base64"] = base64.b64encode(raw).decode()
    else:
        kept["body"] = scrub_json(captured.get("body"))
    return kept


def path_of(version: str, family: str) -> Path:
    return FOLDER / f"honeyhive-{version}-{family}.json"


def save(jobs: Iterable[Job], outcomes: dict[str, dict[str, str]]) -> None:
    FOLDER.mkdir(exist_ok=True)
    for job in jobs:
        if not job.out:
            continue  # a driver that failed records nothing worth replaying
        fixture = {
            "sdk": f"honeyhive {job.version} (PyPI), tests/sdk_matrix/drivers/{job.family}.py",
            "faults": job.faults,
            "requests": [request_fixture(r) for r in job.requests],
            "stored": scrub_json(normalized(job.events)),
        }
        path_of(job.version, job.family).write_text(json.dumps(fixture, indent=1) + "\n")


def rescrub() -> None:
    """Apply the current scrubbing to the recordings in place."""
    for path in sorted(FOLDER.glob("honeyhive-*.json")):
        fixture = json.loads(path.read_text())
        fixture["requests"] = [request_fixture(r) for r in fixture["requests"]]
        fixture["stored"] = scrub_json(fixture["stored"])
        path.write_text(json.dumps(fixture, indent=1) + "\n")


def load_all() -> list[tuple[str, dict[str, Any]]]:
    return [(p.name, json.loads(p.read_text())) for p in sorted(FOLDER.glob("honeyhive-*.json"))]


def body_bytes(request: dict[str, Any], body: Any) -> bytes | None:
    if request.get("body_base64") is not None:
        return base64.b64decode(request["body_base64"])
    return None if body is None else json.dumps(body).encode()


def pinned_body(request: dict[str, Any], stored: list[dict[str, Any]]) -> Any:
    """The recorded body, with the ids the server generated in the recorded run written
    in (a session start without `session_id`, an event without `event_id` or
    `session_id`), so that later requests of the recording (which name those ids) refer to
    the same events."""
    body = copy.deepcopy(request.get("body"))
    if request["method"] != "POST" or not isinstance(body, dict):
        return body
    path = request["path"]
    if path == "/session/start":
        items = [(body.get("session"), "session")]
    elif path == "/events":
        items = [(body.get("event"), "event")]
    elif path == "/v1/events":
        items = [(body, "event")]
    elif path in ("/events/batch", "/v1/events/batch"):
        items = [(e, "event") for e in body.get("events") or []]
    elif path.startswith("/session/") and path.endswith("/traces"):
        items = [(e, "event") for e in body.get("events") or body.get("logs") or []]
    else:
        return body
    for item, kind in items:
        if not isinstance(item, dict):
            continue
        name = item.get("session_name") if kind == "session" else item.get("event_name")
        found = [
            e
            for e in stored
            if e["event_name"] == name and (e["event_type"] == "session") == (kind == "session")
        ]
        assert len(found) == 1, f"the recording stores {len(found)} events named {name!r}"
        # A new event without a session joins a new session of the server's choosing.
        for key in ("session_id",) if kind == "session" else ("event_id", "session_id"):
            if not item.get(key):
                item[key] = found[0][key]
    return body
