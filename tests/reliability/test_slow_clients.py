"""Slow clients get 408 and lose their connection; a full worker answers 503 SERVER_BUSY at
once (not "database unavailable"), and recovers when the slots free up."""

from __future__ import annotations

import asyncio
import time

from tests.reliability.conftest import OneConnection, assert_envelope
from tests.reliability.rawhttp import (
    connect,
    elapsed,
    event_body,
    is_closed,
    post_head,
    read_answer,
)
from tests.reliability.server import ServerProcess

# The shared servers run with 2 s header and body deadlines and 32 requests in flight.
DEADLINE_S = 2
IN_FLIGHT = 32


def _stalled_headers(url: str) -> tuple[float, int, bytes, bool]:
    sock = connect(url)
    began = time.monotonic()
    sock.sendall(b"POST /v1/events HTTP/1.1\r\nHost: test\r\nContent-Type: appl")
    answer = read_answer(sock)
    took = elapsed(began)
    closed = is_closed(sock)
    sock.close()
    return took, answer.status, answer.body, closed


async def test_headers_that_stall_get_408_and_close(shared_server: ServerProcess) -> None:
    took, status, body, closed = await asyncio.to_thread(_stalled_headers, shared_server.url)
    assert status == 408 and b'"errorCode":"REQUEST_TIMEOUT"' in body, body
    assert closed
    assert DEADLINE_S - 0.5 <= took < DEADLINE_S + 8, took


def _stalled_body(url: str) -> tuple[float, int, dict[str, str], bytes, bool]:
    body = event_body()
    sock = connect(url)
    began = time.monotonic()
    sock.sendall(post_head("/v1/events", len(body)) + body[:10])
    answer = read_answer(sock)
    took = elapsed(began)
    closed = is_closed(sock)
    sock.close()
    return took, answer.status, answer.headers, answer.body, closed


async def test_body_that_stalls_gets_408_with_connection_close(
    shared_server: ServerProcess,
) -> None:
    took, status, headers, body, closed = await asyncio.to_thread(_stalled_body, shared_server.url)
    assert status == 408 and b'"errorCode":"REQUEST_TIMEOUT"' in body, body
    assert headers.get("connection") == "close" and closed
    assert DEADLINE_S - 0.5 <= took < DEADLINE_S + 8, took


def _fill_and_probe(url: str) -> dict[str, object]:
    body = event_body()
    holders = []
    for _ in range(IN_FLIGHT):
        sock = connect(url)
        sock.sendall(post_head("/v1/events", len(body)) + body[:5])
        holders.append(sock)
    probe = OneConnection(url)
    busy = None
    for _ in range(20):  # until every holder has been admitted
        answer = probe.request("GET", "/v1/events/some-id")
        if answer.status == 503:
            busy = answer
            break
        time.sleep(0.05)
    health = probe.request("GET", "/healthz").status
    holder_statuses = [read_answer(sock).status for sock in holders]
    for sock in holders:
        sock.close()
    after = probe.request("GET", "/v1/events/some-id")
    return {"busy": busy, "health": health, "holders": holder_statuses, "after": after}


async def test_a_full_worker_answers_server_busy_at_once(shared_server: ServerProcess) -> None:
    result = await asyncio.to_thread(_fill_and_probe, shared_server.url)
    busy = result["busy"]
    assert busy is not None, "the worker never reported itself busy"
    body = assert_envelope(busy, 503, "SERVER_BUSY")  # type: ignore[arg-type]
    assert busy.headers["retry-after"] == "1" and "server busy" in body["message"]  # type: ignore[attr-defined]
    assert result["health"] == 200  # probes are not subject to admission
    assert result["holders"] == [408] * IN_FLIGHT
    assert_envelope(result["after"], 404, "NOT_FOUND")  # type: ignore[arg-type]
