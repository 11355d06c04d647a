"""What each cell of the matrix checks: what the server STORED (read back through the API of
the job's own project) and what the SDK itself parsed, per scenario. A check returns the
cell's outcome or raises AssertionError with the first problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from tests.sdk_matrix.matrix import LIMITATIONS

if TYPE_CHECKING:
    from tests.sdk_matrix.conftest import Job

# The path whose first two answers are 503 in the retries scenario, per SDK generation.
RETRY_PATH_0X = "/events"
RETRY_PATH_1X = "/v1/events/export"


def is_1x(version: str) -> bool:
    """Python 1.x (rows ``ts-*`` are the TypeScript SDK, which behaves as 0.2.x here: its
    tracer also sends arguments under `_params_` and its retries are per call)."""
    return not version.startswith(("0.", "ts-"))


def sent_inputs(version: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """What the driver's ``inputs`` look like on the wire: 0.1.x types them as a dataclass
    whose ``additional_properties`` its serializer does not flatten (stored as sent)."""
    return {"additional_properties": inputs} if version.startswith("0.1.") else inputs


def prepare(http: httpx.Client, version: str, family: str, run_tag: str) -> list[dict[str, Any]]:
    """Before a driver starts: arm the retries scenario's faults (and seed what 1.x's
    export reads). Returns the armed faults (they are part of a recording)."""
    if family != "retries":
        return []
    path = RETRY_PATH_1X if is_1x(version) else RETRY_PATH_0X
    if is_1x(version):
        seeded = http.post(
            "/v1/events",
            json={
                "event_type": "tool",
                "event_name": "retry-seed",
                "inputs": {},
                "metadata": {"run": run_tag},
            },
        )
        assert seeded.status_code == 200, seeded.text
    fault = {"method": "POST", "path": path, "status": 503, "count": 2, "retry_after_s": 1}
    armed = http.post("/_test/faults", json=fault)
    assert armed.status_code == 200, armed.text
    return [fault]


def stored(http: httpx.Client) -> list[dict[str, Any]]:
    answer = http.get("/_test/wait", params={"count": 0})
    assert answer.status_code == 200, answer.text
    events: list[dict[str, Any]] = answer.json()["events"]
    return events


def short_name(event: dict[str, Any]) -> str:
    """1.x names spans after the qualified function (``__main__.outer``), 0.2.x after it."""
    return str(event["event_name"]).rsplit(".", 1)[-1]


def no_errors(job: Job, *steps: str) -> None:
    errors = job.out.get("errors", {})
    for step in steps:
        assert step not in errors, f"{step}: {errors[step]}"


# --------------------------------------------------------------------------- tracer


def session_of(job: Job, events: list[dict[str, Any]], name: str) -> dict[str, Any]:
    sid = job.out.get("session_id")
    assert sid, "the tracer has no session id"
    found = [e for e in events if e["event_id"] == sid]
    assert len(found) == 1, f"session {sid} not stored"
    session = found[0]
    assert session["event_type"] == "session" and session["event_name"] == name, session
    assert session["session_id"] == sid and session["parent_id"] is None, session
    return session


def check_tracer(http: httpx.Client, job: Job) -> str:
    assert job.out.get("result") == "q:41", job.out
    events = stored(http)
    session = session_of(job, events, "matrix-tracer")
    assert session["source"] == "matrix", session
    spans = {short_name(e): e for e in events if e["event_type"] != "session"}
    for name in ("outer", "middle", "leaf"):
        assert name in spans, f"span {name!r} not stored; got {sorted(spans)}"
    outer, middle, leaf = spans["outer"], spans["middle"], spans["leaf"]
    sid = session["event_id"]
    assert all(s["session_id"] == sid for s in (outer, middle, leaf)), "spans outside session"
    assert outer["parent_id"] == sid, "outer's parent is not the session"
    assert middle["parent_id"] == outer["event_id"], "middle's parent is not outer"
    assert leaf["parent_id"] == middle["event_id"], "leaf's parent is not middle"
    assert (outer["event_type"], middle["event_type"], leaf["event_type"]) == (
        "chain",
        "tool",
        "tool",
    )
    # 0.2.x put arguments under honeyhive_inputs._params_.<arg>: stored as sent (see docs).
    args = leaf["inputs"] if is_1x(job.version) else (leaf["inputs"] or {}).get("_params_")
    assert args == {"n": 20}, leaf["inputs"]
    assert leaf["outputs"] == {"result": 40} and outer["outputs"] == {"result": "q:41"}
    assert leaf["metadata"]["cost"] == 0.01 and leaf["metadata"]["level"] == 3, leaf["metadata"]
    assert leaf["metrics"] == {"score": 0.5}, leaf["metrics"]
    assert middle["config"] == {"k": "v"}, middle["config"]
    assert outer["metadata"]["level"] == 1, outer["metadata"]
    return "works"


def check_session_enrich(http: httpx.Client, job: Job) -> str:
    events = stored(http)
    session = session_of(job, events, "matrix-tracer")
    puts = [r for r in job.requests if r["method"] == "PUT"]
    if (job.version, "session_enrich") in LIMITATIONS:
        # The proof: nothing reached this server, and the SDK's own instrumentation of
        # `requests` recorded a PUT to the hosted API.
        assert puts == [], puts
        assert "enriched" not in (session["metadata"] or {}), session
        hosted = [
            e
            for e in events
            if str((e["metadata"] or {}).get("http.url", "")).startswith(
                "https://api.honeyhive.ai/"
            )
        ]
        assert hosted, "no sign of the call to the hosted API"
        return f"limitation: {LIMITATIONS[job.version, 'session_enrich']}"
    no_errors(job, "enrich_session", "flush")
    assert session["metadata"].get("enriched") is True, session["metadata"]
    assert session["feedback"] == {"rating": 5}, session["feedback"]
    assert [r["status"] for r in puts] == [200], puts
    return "works"


# --------------------------------------------------------------------------- client


def client_session(http: httpx.Client, job: Job) -> dict[str, Any]:
    no_errors(job, "session_start")
    return session_of(job, stored(http), "matrix-client")


def check_session_start(http: httpx.Client, job: Job) -> str:
    session = client_session(http, job)
    assert session["metadata"] == {"run": job.run_tag}, session["metadata"]
    assert session["user_properties"] == {"user": "u1"}, session["user_properties"]
    assert session["source"] == "matrix", session
    return "works"


def check_get_session(http: httpx.Client, job: Job) -> str:
    no_errors(job, "get_session")
    sid = job.out["session_id"]
    assert job.out["get_session"] == {
        "event_id": sid,
        "event_type": "session",
        "event_name": "matrix-client",
        "metadata": {"run": job.run_tag},
    }, job.out["get_session"]
    return "works"


def check_create_update(http: httpx.Client, job: Job) -> str:
    no_errors(job, "create", "update")
    sid = job.out["session_id"]
    event = http.get(f"/v1/events/{job.out['created_id']}")
    assert event.status_code == 200, event.text
    created = event.json()["event"]
    assert (created["event_type"], created["event_name"]) == ("tool", "created"), created
    assert created["session_id"] == sid and created["parent_id"] == sid, created
    assert created["inputs"] == sent_inputs(job.version, {"q": "created"}), created["inputs"]
    assert created["config"] == {"model": "m"}, created["config"]
    assert created["metadata"] == {"run": job.run_tag, "updated": True}, created["metadata"]
    assert created["outputs"] == {"answer": 42}, created["outputs"]
    assert created["duration"] == 5, created
    return "works"


def check_batch(http: httpx.Client, job: Job) -> str:
    no_errors(job, "batch")
    sid = job.out["session_id"]
    batch = sorted(
        (e for e in stored(http) if str(e["event_name"]).startswith("batch-")),
        key=lambda e: e["event_name"],
    )
    assert [e["event_name"] for e in batch] == ["batch-0", "batch-1"], batch
    assert all(e["session_id"] == sid and e["event_type"] == "tool" for e in batch), batch
    assert [e["inputs"] for e in batch] == [sent_inputs(job.version, {"i": i}) for i in (0, 1)]
    assert all(e["metadata"] == {"run": job.run_tag} for e in batch), batch
    if isinstance(job.out["batch"], list):  # the ids the SDK parsed, in request order
        assert job.out["batch"] == [e["event_id"] for e in batch], job.out["batch"]
    return "works"


EVERY_CLIENT_EVENT = ["batch-0", "batch-1", "created", "matrix-client"]


def check_export(http: httpx.Client, job: Job) -> str:
    no_errors(job, "export")
    assert job.out["export"] == EVERY_CLIENT_EVENT, job.out["export"]
    return "works"


def check_search(http: httpx.Client, job: Job) -> str:
    no_errors(job, "search")
    assert job.out["search"] == EVERY_CLIENT_EVENT, job.out["search"]
    return "works"


# --------------------------------------------------------------------------- retries


def check_retries(http: httpx.Client, job: Job) -> str:
    no_errors(job, "retries")
    path = RETRY_PATH_1X if is_1x(job.version) else RETRY_PATH_0X
    statuses = [r["status"] for r in job.requests if r["path"] == path and r["method"] == "POST"]
    assert statuses == [503, 503, 200], f"{path} answers: {statuses}"
    if is_1x(job.version):
        assert job.out["events"] == ["retry-seed"], job.out["events"]
        return "works"
    retried = [e for e in stored(http) if e["event_name"] == "retried"]
    assert [e["event_id"] for e in retried] == [job.out["event_id"]], retried
    assert retried[0]["metadata"] == {"run": job.run_tag}, retried
    return "works"


CHECKS: dict[str, Callable[[httpx.Client, Job], str]] = {
    "tracer": check_tracer,
    "session_enrich": check_session_enrich,
    "session_start": check_session_start,
    "get_session": check_get_session,
    "create_update": check_create_update,
    "batch": check_batch,
    "export": check_export,
    "search": check_search,
    "retries": check_retries,
}
