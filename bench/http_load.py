"""A lean HTTP/1.1 keep-alive load client for benchmarks (asyncio streams, no pool).

httpx spends more CPU per request than the server under test does at 64 concurrent
connections, which would measure the client; this sends pre-encoded requests instead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from urllib.parse import urlsplit


def encode_request(method: str, path: str, host: str, body: bytes, content_type: str) -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("server closed the connection")
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


async def run_load(
    url: str,
    connections: int,
    requests: list[bytes],
    *,
    check: Callable[[int, bytes], None] | None = None,
) -> float:
    """Send every pre-encoded request over ``connections`` keep-alive connections;
    returns the seconds taken. Any answer other than 200 raises."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    queue = list(reversed(requests))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while queue:
                writer.write(queue.pop())
                status, body = await _read_response(reader)
                if status != 200:
                    raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
                if check is not None:
                    check(status, body)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    return time.perf_counter() - started


class TimedLoad:
    """What :func:`run_timed` measured: answered requests, seconds, each request's latency."""

    def __init__(
        self, requests: int, seconds: float, latencies: list[float], busy: int = 0
    ) -> None:
        self.requests = requests
        self.seconds = seconds
        self.latencies = latencies
        self.busy = busy

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def p50_ms(self) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[len(ordered) // 2] if ordered else float("nan")


async def run_timed(
    url: str,
    connections: int,
    make: Callable[[int], bytes],
    duration_s: float,
    *,
    limit: int | None = None,
) -> TimedLoad:
    """Send ``make(0)``, ``make(1)``, ... (pre-encoded requests, made on demand) over
    ``connections`` keep-alive connections until ``duration_s`` has passed (or ``limit``
    requests were sent); requests in flight at the deadline are awaited and counted. A 503
    (the server refusing load) is counted in ``busy`` and not as an answered request; any
    other answer than 200 raises."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    next_index = 0
    latencies: list[float] = []
    busy = 0
    deadline = 0.0

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal next_index, busy
        try:
            while time.perf_counter() < deadline and (limit is None or next_index < limit):
                request = make(next_index)
                next_index += 1
                began = time.perf_counter()
                writer.write(request)
                status, body = await _read_response(reader)
                if status == 503:
                    busy += 1
                    continue
                if status != 200:
                    raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
                latencies.append(time.perf_counter() - began)
        finally:
            writer.close()

    opened = [await asyncio.open_connection(host, port) for _ in range(connections)]
    started = time.perf_counter()
    deadline = started + duration_s
    await asyncio.gather(*(connection(reader, writer) for reader, writer in opened))
    return TimedLoad(len(latencies), time.perf_counter() - started, latencies, busy)
