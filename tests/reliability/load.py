"""A bounded mixed load (creates, batches, OTLP exports, updates, searches) over keep-alive
connections, recording what the server acknowledged and how every request ended."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.otlp import span_event_id
from tests.api.test_otlp_route import request_body, span

ENVELOPE_KEYS = {"statusCode", "message", "success", "errorCode"}


@dataclass
class LoadResult:
    statuses: Counter[int] = field(default_factory=Counter)
    error_codes: Counter[str] = field(default_factory=Counter)
    transport_errors: list[str] = field(default_factory=list)
    bad_errors: list[str] = field(default_factory=list)  # 5xx without the envelope, or 500
    acknowledged: set[str] = field(default_factory=set)
    first_503_at: float | None = None
    last_ok_at: float | None = None

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + len(self.transport_errors)


class MixedLoad:
    def __init__(self, url: str, workers: int = 8, max_requests: int = 20_000) -> None:
        self.url = url
        self.workers = workers
        self.max_requests = max_requests
        self.result = LoadResult()
        self.session_id = str(uuid.uuid4())
        self._stop = asyncio.Event()
        self._sent = 0

    def stop(self) -> None:
        self._stop.set()

    def _operation(self, n: int) -> tuple[str, str, Any, list[str]]:
        """(method, path, json body, ids a 200 acknowledges)."""
        kind = n % 5
        if kind == 0:
            event_id = str(uuid.uuid4())
            body = {
                "event_id": event_id,
                "session_id": self.session_id,
                "event_type": "tool",
                "inputs": {"n": n},
            }
            return "POST", "/v1/events", body, [event_id]
        if kind == 1:
            ids = [str(uuid.uuid4()) for _ in range(5)]
            events = [
                {"event_id": i, "session_id": self.session_id, "event_type": "chain", "inputs": {}}
                for i in ids
            ]
            return "POST", "/v1/events/batch", {"events": events}, ids
        if kind == 2:
            trace = uuid.uuid4().hex
            spans = [uuid.uuid4().hex[:16] for _ in range(3)]
            body = request_body(
                *(span(trace, s, None, "op", honeyhive__session_id=self.session_id) for s in spans)
            )
            return "POST", "/v1/traces", body, [span_event_id(trace, s) for s in spans]
        if kind == 3 and self.result.acknowledged:
            target = next(iter(self.result.acknowledged))
            return "PUT", f"/v1/events/{target}", {"metadata": {"n": n}}, []
        filters = [{"field": "event_type", "operator": "is", "value": "tool", "type": "string"}]
        return "POST", "/v1/events/search", {"filters": filters, "limit": 5}, []

    async def _worker(self, client: httpx.AsyncClient, index: int) -> None:
        n = index
        while not self._stop.is_set() and self._sent < self.max_requests:
            self._sent += 1
            method, path, body, ids = self._operation(n)
            n += self.workers
            try:
                answer = await client.request(method, path, json=body)
            except httpx.TransportError as exc:
                self.result.transport_errors.append(f"{method} {path}: {exc!r}")
                await asyncio.sleep(0.05)
                continue
            self._record(answer, ids)
            if answer.status_code >= 500:
                await asyncio.sleep(0.02)

    def _record(self, answer: httpx.Response, ids: list[str]) -> None:
        result = self.result
        result.statuses[answer.status_code] += 1
        if answer.status_code == 200:
            result.acknowledged.update(ids)
            result.last_ok_at = time.monotonic()
            return
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict) or not set(body) >= ENVELOPE_KEYS:
            result.bad_errors.append(f"{answer.status_code} without envelope: {answer.text[:200]}")
            return
        result.error_codes[str(body["errorCode"])] += 1
        if answer.status_code == 503 and result.first_503_at is None:
            result.first_503_at = time.monotonic()
        if answer.status_code == 500:
            result.bad_errors.append(f"500: {answer.text[:200]}")

    async def run(self) -> LoadResult:
        limits = httpx.Limits(max_connections=self.workers, max_keepalive_connections=self.workers)
        async with httpx.AsyncClient(base_url=self.url, timeout=60, limits=limits) as client:
            await asyncio.gather(*(self._worker(client, i) for i in range(self.workers)))
        return self.result
