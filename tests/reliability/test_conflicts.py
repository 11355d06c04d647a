"""Concurrent writes whose ids overlap in different orders (what retrying clients and
parallel exporters do) never deadlock into a 500: every request is answered 200."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from typing import Any

import httpx

from tests.api.test_otlp_route import request_body, span
from tests.reliability.server import ServerProcess


def _event(event_id: str, session_id: str) -> dict[str, Any]:
    return {"event_id": event_id, "session_id": session_id, "event_type": "tool", "inputs": {}}


async def _post_all(
    server: ServerProcess, requests: list[tuple[str, dict[str, Any]]]
) -> tuple[Counter[int], list[str]]:
    """Send all requests at once (one connection each); the statuses, and a description of
    every answer that breaks the rule: anything but 200, or 503 in the envelope with
    Retry-After for a database that refuses connections (the shared test Postgres may be
    full). A WRITE_CONFLICT (a deadlock the lock order did not prevent) breaks it too."""
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
        answers = await asyncio.gather(*(client.post(path, json=body) for path, body in requests))
    statuses = Counter(answer.status_code for answer in answers)
    problems = []
    for answer in answers:
        if answer.status_code == 200:
            continue
        code = answer.json().get("errorCode") if answer.status_code == 503 else None
        if (
            code not in ("SERVICE_UNAVAILABLE", "SERVER_BUSY")
            or "retry-after" not in answer.headers
        ):
            problems.append(f"{answer.status_code}: {answer.text[:300]}")
    return statuses, problems


async def test_overlapping_batches_in_random_order(shared_server: ServerProcess) -> None:
    """20 concurrent batches of 100 ids drawn from a pool of 300, three rounds."""
    rng = random.Random(16)
    session_id = str(uuid.uuid4())
    pool = [str(uuid.uuid4()) for _ in range(300)]
    total: Counter[int] = Counter()
    for _ in range(3):
        requests = [
            ("/v1/events/batch", {"events": [_event(i, session_id) for i in rng.sample(pool, 100)]})
            for _ in range(20)
        ]
        statuses, problems = await _post_all(shared_server, requests)
        total += statuses
        assert not problems and statuses[200] > 0, problems[:3]
    assert sum(total.values()) == 60


async def test_pairs_in_reverse_order(shared_server: ServerProcess) -> None:
    """Batches [a, b] and [b, a] sent together, 100 pairs in waves of 10 pairs."""
    session_id = str(uuid.uuid4())
    sent = 0
    for _ in range(10):
        requests: list[tuple[str, dict[str, Any]]] = []
        for _ in range(10):
            a, b = str(uuid.uuid4()), str(uuid.uuid4())
            requests.append(
                ("/v1/events/batch", {"events": [_event(a, session_id), _event(b, session_id)]})
            )
            requests.append(
                ("/v1/events/batch", {"events": [_event(b, session_id), _event(a, session_id)]})
            )
        statuses, problems = await _post_all(shared_server, requests)
        assert not problems and statuses[200] > 0, problems[:3]
        sent += len(requests)
    assert sent == 200


async def test_otlp_exports_in_reverse_order(shared_server: ServerProcess) -> None:
    """The same 50 spans exported forwards and backwards at once, 10 pairs of exports."""
    rng = random.Random(7)
    for _ in range(10):
        session_id = str(uuid.uuid4())
        trace = uuid.uuid4().hex
        spans = [
            span(
                trace,
                f"{rng.getrandbits(64):016x}",
                None,
                f"s{i}",
                honeyhive__session_id=session_id,
            )
            for i in range(50)
        ]
        requests = [
            ("/opentelemetry/v1/traces", request_body(*spans)),
            ("/opentelemetry/v1/traces", request_body(*reversed(spans))),
        ] * 2
        statuses, problems = await _post_all(shared_server, requests)
        assert not problems and statuses[200] > 0, problems[:3]
    found = {"field": "session_id", "operator": "is", "value": session_id, "type": "string"}
    async with httpx.AsyncClient(base_url=shared_server.url, timeout=30) as client:
        search = await client.post("/v1/events/search", json={"filters": [found]})
    assert search.status_code == 200, search.text
    assert search.json()["count"] == 50  # every span stored once, whichever export won
