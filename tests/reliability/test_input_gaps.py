"""Each input gap of issue 16 answered 400 in the envelope on both backends (in-process)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from app.schemas.search import MAX_FILTERS, MAX_PAGE
from tests.api.test_otlp_route import request_body, span


def assert_400(response: httpx.Response, *fragments: str) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    assert body["errorCode"] == "BAD_REQUEST" and body["success"] is False
    for fragment in fragments:
        assert fragment in body["message"], body["message"]
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/events/ab%00cd"),
        ("PUT", "/v1/events/ab%00cd"),
        ("GET", "/v1/sessions/ab%00cd"),
        ("POST", "/v1/sessions/ab%00cd/events/batch"),
        ("POST", "/session/ab%00cd/traces"),
        ("GET", "/v1/events/schema?evaluation_id=a%00"),
    ],
)
async def test_nul_in_path_or_query_is_400(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    body = {"events": [{"event_type": "tool", "inputs": {}}], "metadata": {"a": 1}}
    assert_400(await client.request(method, path, json=body), "NUL")


async def test_a_session_id_is_never_cut_at_a_nul(client: httpx.AsyncClient) -> None:
    """SQLite used to store "ab" for the session "ab\\0cd"."""
    prefix = uuid.uuid4().hex[:8]
    events = {"events": [{"event_type": "tool", "inputs": {}}]}
    assert_400(await client.post(f"/v1/sessions/{prefix}%00cd/events/batch", json=events))
    assert (await client.get(f"/v1/sessions/{prefix}")).status_code == 404


@pytest.mark.parametrize("route", ["/v1/events/search", "/v1/events/export"])
async def test_page_and_limit_keep_the_offset_in_range(
    client: httpx.AsyncClient, route: str
) -> None:
    assert_400(await client.post(route, json={"page": 4611686018427387904, "limit": 100}), "page")
    assert_400(await client.post(route, json={"page": MAX_PAGE + 1, "limit": 1}), "page")
    last = await client.post(route, json={"page": MAX_PAGE, "limit": 1000})
    assert last.status_code == 200 and last.json()["events"] == []


@pytest.mark.parametrize("route", ["/v1/events/search", "/v1/events/export"])
async def test_the_filter_cap_is_the_same_on_both_backends(
    client: httpx.AsyncClient, route: str
) -> None:
    def filters(count: int) -> list[dict[str, Any]]:
        return [
            {"field": f"metadata.k{i}", "operator": "contains", "value": "x", "type": "string"}
            for i in range(count)
        ]

    assert (await client.post(route, json={"filters": filters(MAX_FILTERS)})).status_code == 200
    assert_400(await client.post(route, json={"filters": filters(MAX_FILTERS + 1)}), "filters")
    assert_400(await client.post(route, json={"filters": filters(10_000)}), "filters")


async def test_otlp_integers_beyond_int64_reject_only_their_span(
    client: httpx.AsyncClient,
) -> None:
    trace, session_id = uuid.uuid4().hex, str(uuid.uuid4())
    good = span(trace, uuid.uuid4().hex[:16], None, "good", honeyhive__session_id=session_id)
    bad = span(trace, uuid.uuid4().hex[:16], None, "bad", honeyhive__session_id=session_id)
    bad["attributes"].append({"key": "n", "value": {"intValue": "9223372036854775808"}})
    answer = await client.post("/v1/traces", json=request_body(good, bad))
    assert answer.status_code == 200, answer.text
    partial = answer.json()["partialSuccess"]
    assert int(partial["rejectedSpans"]) == 1
    assert "span 1" in partial["errorMessage"] and "64-bit" in partial["errorMessage"]


async def test_otlp_times_beyond_uint64_are_400(client: httpx.AsyncClient) -> None:
    item = span(uuid.uuid4().hex, uuid.uuid4().hex[:16], None, "s", honeyhive__session_id="s")
    item["startTimeUnixNano"] = "9" * 30
    assert_400(await client.post("/v1/traces", json=request_body(item)), "64-bit")


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("wrong wire type at the top", b"\x08\x05"),
        ("wrong wire type in a span", b"\x0a\x06\x12\x04\x12\x02\x28\x07"),
        ("only unknown fields", b"\x78\x01"),
        ("truncated", b"\x0a\x10\x12"),
    ],
)
async def test_malformed_protobuf_is_400(client: httpx.AsyncClient, name: str, raw: bytes) -> None:
    answer = await client.post(
        "/v1/traces", content=raw, headers={"Content-Type": "application/x-protobuf"}
    )
    assert_400(answer)


async def test_truncated_gzip_is_400(client: httpx.AsyncClient) -> None:
    import gzip

    payload = gzip.compress(b'{"resourceSpans": []}')[:12]
    answer = await client.post(
        "/v1/traces",
        content=payload,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert_400(answer, "truncated")
