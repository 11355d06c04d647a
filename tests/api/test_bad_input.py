"""Bad input always gets a clear 4xx in the error envelope and writes nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from app.domain.projects import project_for_name
from app.main import create_app
from app.settings import Settings


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["statusCode"] == status
    assert body["success"] is False
    assert body["errorCode"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


async def stored_with_session(app: FastAPI, session_id: str) -> int:
    async with app.state.services.db.transaction(write=False) as conn:
        result = await conn.execute(
            sa.text("SELECT count(*) FROM events WHERE project_id = :p AND session_id = :s"),
            {"p": project_for_name("default").id, "s": session_id},
        )
        return int(result.scalar_one())


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


BAD_BODIES = {
    "malformed JSON": (b'{"event_type": "tool", "inputs": {', "not valid JSON"),
    "NaN": (b'{"event_type": "tool", "inputs": {"x": NaN}}', "not valid JSON"),
    "Infinity": (b'{"event_type": "tool", "inputs": {"x": Infinity}}', "not valid JSON"),
    "not an object": (b"[1, 2]", "must be a JSON object"),
    "empty": (b"", "empty"),
    "wrong type": (b'{"event_type": "tool", "inputs": "text"}', "inputs"),
    "unknown event_type": (b'{"event_type": "span", "inputs": {}}', "event_type"),
    "missing inputs": (b'{"event_type": "tool"}', "inputs"),
    "missing event_type": (b'{"inputs": {}}', "event_type"),
    "NUL in string": (b'{"event_type": "tool", "inputs": {"q": "a\\u0000b"}}', "inputs.q"),
    "NUL in key": (b'{"event_type": "tool", "inputs": {"a\\u0000": 1}}', "NUL"),
    "start_time before 1970": (
        b'{"event_type": "tool", "inputs": {}, "start_time": -1}',
        "start_time",
    ),
    "end_time after 9999": (
        b'{"event_type": "tool", "inputs": {}, "end_time": 253402300800000}',
        "end_time",
    ),
    "start_time as text": (
        b'{"event_type": "tool", "inputs": {}, "start_time": "now"}',
        "start_time",
    ),
    "boolean time": (b'{"event_type": "tool", "inputs": {}, "start_time": true}', "start_time"),
    "unknown key on v1": (b'{"event_type": "tool", "inputs": {}, "project": "p"}', "project"),
    "children_ids not strings": (
        b'{"event_type": "tool", "inputs": {}, "children_ids": [1]}',
        "children_ids",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
async def test_bad_create_bodies_are_400(client: httpx.AsyncClient, case: str) -> None:
    raw, mention = BAD_BODIES[case]
    response = await client.post(
        "/v1/events", content=raw, headers={"content-type": "application/json"}
    )
    body = assert_envelope(response, 400, "BAD_REQUEST")
    assert mention in body["message"], body["message"]


async def test_too_deep_nesting_is_400_naming_the_path(client: httpx.AsyncClient) -> None:
    ok = await client.post(
        "/v1/events", json={"event_type": "tool", "inputs": nested(63)}
    )  # body object + 63 levels = 64
    assert ok.status_code == 200, ok.text
    response = await client.post("/v1/events", json={"event_type": "tool", "inputs": nested(64)})
    body = assert_envelope(response, 400, "BAD_REQUEST")
    assert "nested deeper than 64" in body["message"]
    assert body["message"].startswith("inputs.n.n")


async def test_nul_inside_a_batch_writes_nothing(client: httpx.AsyncClient, app: FastAPI) -> None:
    session_id = str(uuid.uuid4())
    events = [
        {"event_type": "tool", "inputs": {}, "session_id": session_id},
        {"event_type": "tool", "inputs": {}, "session_id": session_id, "metadata": {"k": "a\x00"}},
    ]
    response = await client.post("/events/batch", json={"events": events})
    body = assert_envelope(response, 400, "BAD_REQUEST")
    assert "events[1].metadata.k" in body["message"]
    assert await stored_with_session(app, session_id) == 0


async def test_legacy_string_event_with_bad_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/events", json={"event": "{not json"})
    body = assert_envelope(response, 400, "BAD_REQUEST")
    assert "event" in body["message"]


async def test_unsupported_media_type_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/events", content=b"event_type=tool", headers={"content-type": "text/plain"}
    )
    assert_envelope(response, 415, "UNSUPPORTED_MEDIA_TYPE")


async def test_wrong_method_is_405_and_unknown_route_404(client: httpx.AsyncClient) -> None:
    assert_envelope(await client.patch("/v1/events/x", json={}), 405, "METHOD_NOT_ALLOWED")
    assert_envelope(await client.get("/v1/nothing-here"), 404, "NOT_FOUND")


@pytest.fixture
async def small_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(Settings(database_url=database_url, max_body_bytes=2048))
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await application.state.services.db.dispose()


async def test_body_over_the_limit_is_413(small_client: httpx.AsyncClient) -> None:
    big = {"event_type": "tool", "inputs": {"text": "x" * 4096}}
    assert_envelope(await small_client.post("/v1/events", json=big), 413, "PAYLOAD_TOO_LARGE")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while streaming
        yield b'{"event_type": "tool", "inputs": {"t": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}}'

    response = await small_client.post(
        "/v1/events", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")
    small = {"event_type": "tool", "inputs": {"text": "fits"}}
    assert (await small_client.post("/v1/events", json=small)).status_code == 200


async def test_validation_of_path_and_query_is_400_not_422(client: httpx.AsyncClient) -> None:
    response = await client.put("/v1/events/x", content=b"null")
    assert_envelope(response, 400, "BAD_REQUEST")
