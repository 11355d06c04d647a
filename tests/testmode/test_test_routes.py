"""Test mode (/_test/reset, /requests, /wait, /faults) on both backends, and that it is all
absent when test mode is off. Each test is a project of its own (project-per-token)."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from fastapi import FastAPI
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.apps import client_for, running_app

TEST_ROUTES = [
    ("POST", "/_test/reset"),
    ("GET", "/_test/requests"),
    ("GET", "/_test/wait"),
    ("POST", "/_test/faults"),
    ("GET", "/_test/faults"),
    ("DELETE", "/_test/faults"),
]
TOOL = {"event_type": "tool", "inputs": {}}


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    async with running_app(database_url, test_mode=True, project_per_token=True) as application:
        yield application


@pytest.fixture
async def token() -> str:
    return "hh_tm_" + uuid.uuid4().hex


@pytest.fixture
async def client(app: FastAPI, token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app, token) as http:
        yield http


async def stored(client: httpx.AsyncClient, **params: object) -> dict:
    response = await client.get("/_test/wait", params={"count": 0, **params})
    assert response.status_code == 200, response.text
    return response.json()


def assert_400(response: httpx.Response, text: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["errorCode"] == "BAD_REQUEST" and body["success"] is False
    assert text in body["message"], body["message"]


# --- off ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), TEST_ROUTES)
async def test_every_test_route_is_404_when_test_mode_is_off(
    database_url: str, method: str, path: str
) -> None:
    async with running_app(database_url) as plain, client_for(plain) as client:
        assert getattr(plain.state, "test_mode", None) is None
        response = await client.request(method, path, json={"path": "/x", "status": 500})
        assert response.status_code == 404
        assert response.json() == {
            "statusCode": 404,
            "message": "no such route",
            "success": False,
            "errorCode": "NOT_FOUND",
        }


# --- reset --------------------------------------------------------------------------------------


async def test_reset_deletes_the_project_events_requests_and_faults(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    for _ in range(3):
        assert (await client.post("/v1/events", json=TOOL)).status_code == 200
    await client.post("/_test/faults", json={"path": "/nothing", "status": 500})
    async with client_for(app, "hh_other_" + uuid.uuid4().hex) as other:
        kept = (await other.post("/v1/events", json=TOOL)).json()["event_id"]

        response = await client.post("/_test/reset")
        assert response.status_code == 200
        assert response.json() == {
            "success": True,
            "deleted": {"events": 3, "requests": 3, "faults": 1},
        }
        assert (await stored(client))["count"] == 0
        assert (await client.get("/_test/requests")).json() == {"requests": [], "count": 0}
        assert (await client.get("/_test/faults")).json() == {"faults": []}
        assert (await other.get(f"/v1/events/{kept}")).status_code == 200


# --- requests -----------------------------------------------------------------------------------


async def test_requests_records_raw_requests_oldest_first(
    client: httpx.AsyncClient, token: str
) -> None:
    await client.post("/v1/events?x=1&y=two", json={**TOOL, "event_name": "first"})
    await client.put("/v1/events/missing", json={"metadata": {"a": 1}})
    await client.get("/healthz")
    await client.get("/_test/faults")  # not recorded

    body = (await client.get("/_test/requests")).json()
    assert body["count"] == 3
    first, second, third = body["requests"]
    assert [r["method"] for r in body["requests"]] == ["POST", "PUT", "GET"]
    assert [r["path"] for r in body["requests"]] == ["/v1/events", "/v1/events/missing", "/healthz"]
    assert [r["status"] for r in body["requests"]] == [200, 404, 200]
    assert first["seq"] < second["seq"] < third["seq"]
    assert first["query"] == "x=1&y=two"
    assert first["body"] == {**TOOL, "event_name": "first"} and first["body_base64"] is None
    assert first["headers"]["authorization"] == "Bearer <redacted>"
    assert first["headers"]["content-type"] == "application/json"
    assert third["body"] is None and third["body_base64"] is None
    assert token not in json.dumps(body)

    only_put = (await client.get("/_test/requests", params={"method": "put"})).json()
    assert [r["path"] for r in only_put["requests"]] == ["/v1/events/missing"]
    by_path = (await client.get("/_test/requests", params={"path": "/v1/events/*"})).json()
    assert [r["method"] for r in by_path["requests"]] == ["PUT"]


async def test_requests_keeps_protobuf_as_base64_and_opens_gzip_json(
    client: httpx.AsyncClient,
) -> None:
    protobuf = ExportTraceServiceRequest().SerializeToString() + b"\x0a\x00"
    await client.post(
        "/opentelemetry/v1/traces",
        content=protobuf,
        headers={"Content-Type": "application/x-protobuf"},
    )
    document = {"resourceSpans": []}
    await client.post(
        "/v1/traces",
        content=gzip.compress(orjson.dumps(document)),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    first, second = (await client.get("/_test/requests")).json()["requests"]
    assert first["body"] is None
    assert base64.b64decode(first["body_base64"]) == protobuf
    assert second["body"] == document and second["body_base64"] is None


async def test_requests_is_a_bounded_ring_buffer(database_url: str) -> None:
    async with (
        running_app(database_url, test_mode=True, test_capture_limit=3) as small,
        client_for(small) as client,
    ):
        for index in range(5):
            await client.get(f"/healthz?n={index}")
        kept = (await client.get("/_test/requests")).json()["requests"]
        assert [r["query"] for r in kept] == ["n=2", "n=3", "n=4"]


async def test_requests_records_a_cut_body_over_one_mib(client: httpx.AsyncClient) -> None:
    big = {**TOOL, "inputs": {"text": "x" * (1024 * 1024 + 10)}}
    assert (await client.post("/v1/events", json=big)).status_code == 200
    [recorded] = (await client.get("/_test/requests")).json()["requests"]
    assert recorded["body_truncated"] is True and recorded["body"] is None
    assert len(base64.b64decode(recorded["body_base64"])) == 1024 * 1024


# --- wait ---------------------------------------------------------------------------------------


async def test_wait_answers_at_once_when_enough_events_match(client: httpx.AsyncClient) -> None:
    session_id = str(uuid.uuid4())
    ids = []
    for name in ("a", "b", "c"):
        created = await client.post(
            "/v1/events", json={**TOOL, "event_name": name, "session_id": session_id}
        )
        ids.append(created.json()["event_id"])
    await client.post("/v1/events", json={"event_type": "model", "inputs": {}})
    started = time.monotonic()
    response = await client.get(
        "/_test/wait", params={"count": 3, "event_type": "tool", "session_id": session_id}
    )
    assert time.monotonic() - started < 1
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert sorted(e["event_id"] for e in body["events"]) == sorted(ids)
    times = [e["start_time"] for e in body["events"]]
    assert times == sorted(times)  # oldest first
    assert (await stored(client, event_name="b"))["count"] == 1
    assert (await stored(client, limit=1))["count"] == 4
    assert len((await stored(client, limit=1))["events"]) == 1


async def test_wait_returns_as_soon_as_the_event_is_stored(client: httpx.AsyncClient) -> None:
    async def create_later() -> None:
        await asyncio.sleep(0.3)
        await client.post("/v1/events", json={**TOOL, "metadata": {"late": True}})

    writer = asyncio.create_task(create_later())
    started = time.monotonic()
    filters = json.dumps([{"field": "metadata.late", "operator": "is", "value": True}])
    response = await client.get(
        "/_test/wait", params={"count": 1, "timeout_s": 10, "filters": filters}
    )
    elapsed = time.monotonic() - started
    await writer
    assert response.status_code == 200, response.text
    assert response.json()["events"][0]["metadata"] == {"late": True}
    assert 0.25 < elapsed < 3


async def test_wait_times_out_with_408_and_the_count_seen(client: httpx.AsyncClient) -> None:
    await client.post("/v1/events", json=TOOL)
    started = time.monotonic()
    response = await client.get("/_test/wait", params={"count": 2, "timeout_s": 0.3})
    assert 0.25 < time.monotonic() - started < 3
    assert response.status_code == 408
    assert response.json() == {
        "statusCode": 408,
        "message": "timed out after 0.3 s: 1 of 2 matching event(s) stored",
        "success": False,
        "errorCode": "REQUEST_TIMEOUT",
        "count": 1,
    }


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"count": -1}, "query.count"),
        ({"count": "many"}, "query.count"),
        ({"timeout_s": 301}, "query.timeout_s"),
        ({"timeout_s": "nan"}, "query.timeout_s"),
        ({"limit": 0}, "query.limit"),
        ({"filters": "[{"}, "filters: not valid JSON"),
        ({"filters": '{"field": "x"}'}, "filters must be an array"),
        ({"filters": '[{"field": "nope", "operator": "is", "value": 1}]'}, "unknown field"),
        ({"filters": '[{"field": "event_name", "operator": "is"}]'}, "value is required"),
        ({"event_type": "span"}, "event_type: must be one of"),
        ([("session_id", "a"), ("session_id", "b")], "session_id: give it at most once"),
    ],
)
async def test_wait_refuses_bad_input_with_400(
    client: httpx.AsyncClient, params: object, text: str
) -> None:
    assert_400(await client.get("/_test/wait", params=params), text)  # type: ignore[arg-type]


# --- faults -------------------------------------------------------------------------------------


async def test_faults_answer_the_status_for_the_next_k_matching_requests(
    client: httpx.AsyncClient,
) -> None:
    armed = await client.post(
        "/_test/faults",
        json={"method": "post", "path": "/v1/events", "status": 503, "count": 2},
    )
    assert armed.status_code == 200
    assert armed.json()["fault"] == {
        "id": armed.json()["fault"]["id"],
        "method": "POST",
        "path": "/v1/events",
        "status": 503,
        "remaining": 2,
        "retry_after_s": 1,
        "delay_ms": 0,
    }
    assert (await client.get("/v1/events/x")).status_code == 404  # other method: untouched
    first = await client.post("/v1/events", json=TOOL)
    assert first.status_code == 503
    assert first.headers["retry-after"] == "1"
    assert first.json()["errorCode"] == "SERVICE_UNAVAILABLE"
    assert first.json()["success"] is False
    assert (await client.get("/_test/faults")).json()["faults"][0]["remaining"] == 1
    assert (await client.post("/v1/events", json=TOOL)).status_code == 503
    assert (await client.post("/v1/events", json=TOOL)).status_code == 200
    assert (await stored(client))["count"] == 1  # the failed requests wrote nothing
    statuses = [r["status"] for r in (await client.get("/_test/requests")).json()["requests"]]
    assert statuses == [404, 503, 503, 200]


@pytest.mark.parametrize(
    ("fault", "status", "retry_after", "code"),
    [
        ({"status": 429}, 429, "1", "TOO_MANY_REQUESTS"),
        ({"status": 429, "retry_after_s": 7}, 429, "7", "TOO_MANY_REQUESTS"),
        ({"status": 500}, 500, None, "INTERNAL_ERROR"),
        ({"status": 502, "retry_after_s": 2}, 502, "2", "ERROR"),
    ],
)
async def test_fault_statuses_and_retry_after(
    client: httpx.AsyncClient, fault: dict, status: int, retry_after: str | None, code: str
) -> None:
    await client.post("/_test/faults", json={"path": "/v1/events/export", **fault})
    response = await client.post("/v1/events/export", json={"filters": []})
    assert response.status_code == status
    assert response.headers.get("retry-after") == retry_after
    assert response.json()["errorCode"] == code
    assert (await client.post("/v1/events/export", json={"filters": []})).status_code == 200


async def test_fault_patterns_and_any_method(client: httpx.AsyncClient) -> None:
    await client.post("/_test/faults", json={"path": "/v1/events/*", "status": 500, "count": 2})
    assert (await client.post("/v1/events", json=TOOL)).status_code == 200  # no match
    assert (await client.get("/v1/events/abc")).status_code == 500
    assert (await client.put("/v1/events/abc", json={})).status_code == 500
    assert (await client.get("/v1/events/abc")).status_code == 404


async def test_delay_only_fault_slows_the_request_down(client: httpx.AsyncClient) -> None:
    await client.post("/_test/faults", json={"path": "/v1/events", "delay_ms": 300})
    started = time.monotonic()
    response = await client.post("/v1/events", json=TOOL)
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    await client.post("/v1/events", json=TOOL)
    assert time.monotonic() - started < 0.3


async def test_delay_then_status(client: httpx.AsyncClient) -> None:
    await client.post("/_test/faults", json={"path": "/v1/events", "status": 503, "delay_ms": 200})
    started = time.monotonic()
    assert (await client.post("/v1/events", json=TOOL)).status_code == 503
    assert time.monotonic() - started >= 0.2


async def test_delete_disarms_every_fault(client: httpx.AsyncClient) -> None:
    for path in ("/v1/events", "/session/start"):
        await client.post("/_test/faults", json={"path": path, "status": 500, "count": 5})
    assert len((await client.get("/_test/faults")).json()["faults"]) == 2
    response = await client.delete("/_test/faults")
    assert response.json() == {"success": True, "disarmed": 2}
    assert (await client.post("/v1/events", json=TOOL)).status_code == 200


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"path": "/v1/events"}, "give status, delay_ms, or both"),
        ({"status": 503}, "path: Field required"),
        ({"path": "/v1/events", "status": 200}, "status: Input should be greater than"),
        ({"path": "/v1/events", "status": 600}, "status: Input should be less than"),
        ({"path": "/v1/events", "status": "503"}, "status: Input should be a valid integer"),
        ({"path": "/v1/events", "status": 500, "count": 0}, "count: Input should be greater"),
        ({"path": "/v1/events", "delay_ms": 60001}, "delay_ms: Input should be less"),
        ({"path": "/v1/events", "status": 500, "method": "P O"}, "method: String should match"),
        ({"path": "v1/events", "status": 500}, "path must be a pattern of request paths"),
        ({"path": "/_test/reset", "status": 500}, "the /_test routes cannot be made to fail"),
        ({"path": "/v1/events", "status": 500, "extra": 1}, "extra: unknown field"),
        ([{"path": "/v1/events"}], "request body must be a JSON object"),
    ],
)
async def test_arming_a_bad_fault_is_a_400(
    client: httpx.AsyncClient, body: object, text: str
) -> None:
    assert_400(await client.post("/_test/faults", json=body), text)
    assert (await client.get("/_test/faults")).json() == {"faults": []}


async def test_faults_never_touch_test_routes(client: httpx.AsyncClient) -> None:
    await client.post("/_test/faults", json={"path": "*", "status": 500})
    assert (await client.get("/_test/requests")).status_code == 200
    assert (await client.get("/_test/wait", params={"count": 0})).status_code == 200
    assert (await client.get("/healthz")).status_code == 500


async def test_test_routes_need_a_key_in_keys_mode(database_url: str) -> None:
    async with (
        running_app(database_url, auth="keys", test_mode=True) as keyed,
        client_for(keyed) as anonymous,
    ):
        await anonymous.post("/v1/events", json=TOOL)
        for method, path in TEST_ROUTES:
            response = await anonymous.request(method, path)
            assert response.status_code == 401, (method, path)
            assert response.json()["errorCode"] == "UNAUTHORIZED"
        # Refused requests belong to no project and are not recorded.
        assert len(keyed.state.test_mode.captures) == 0


async def test_browser_pages_are_neither_recorded_nor_faulted(client: httpx.AsyncClient) -> None:
    """A trace browser watching the run (it polls) must not fill /_test/requests or use up
    faults armed for the application under test."""
    armed = await client.post("/_test/faults", json={"path": "*", "status": 503, "count": 2})
    assert armed.status_code == 200
    for path in ("/ui/sessions", "/ui/sessions?fragment=1", "/docs", "/openapi.json"):
        assert (await client.get(path)).status_code == 200, path
    assert (await client.get("/_test/faults")).json()["faults"][0]["remaining"] == 2
    assert (await client.get("/_test/requests")).json()["count"] == 0
    assert (await client.post("/v1/events", json=TOOL)).status_code == 503
