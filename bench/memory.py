"""Memory benchmark: the server's RSS across a long ingest through the API (issue 10, point 5).

    python3 tasks.py bench-memory                      # 1,000,000 events on Postgres
    python3 tasks.py bench-memory --events 200000 --warm-up 20000

Starts `events-api serve` on a fresh Postgres database, warms it up with ``--warm-up`` events,
reads the server process's RSS (VmRSS of /proc/<pid>/status), then ingests the rest in rounds
that mix the write routes as clients do (mostly batches of 500, and in every round some
single creates, merge updates and OTLP protobuf requests of 512 spans), printing RSS after
each round, and at the end RSS end / RSS after warm-up (target <= 1.2).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.http_load import encode_request, run_timed
from bench.ratio import BATCH_SIZE, OTLP_SPANS, Bodies, OtlpBodies, update_body
from bench.server import database, running_server_process

TARGET = 1.2
ROUNDS = 10
# Per round, besides the batches: single creates, updates and OTLP requests.
SINGLES, UPDATES, OTLP_REQUESTS = 600, 300, 4


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """Resident set size of the process (VmRSS; VmHWM: its peak), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


async def ingest(url: str, bodies: Bodies, otlp: OtlpBodies, events: int, first: int) -> int:
    """Send about ``events`` events (batches, singles, updates, OTLP) starting at request
    index ``first``; returns how many events were created."""
    host = url.split("//", 1)[1]

    def post(path: str, body: bytes, content_type: str = "application/json") -> bytes:
        return encode_request("POST", path, host, body, content_type)

    created = 0
    singles = min(SINGLES, events // 20)
    if singles:
        load = await run_timed(
            url,
            32,
            lambda i: post("/v1/events", bodies.event(first + i, keep=True)),
            3600,
            limit=singles,
        )
        created += load.requests
        ids = bodies.created[-singles:]

        def put(i: int) -> bytes:
            path = f"/v1/events/{ids[i % len(ids)]}"
            return encode_request("PUT", path, host, update_body(i), "application/json")

        if not load.busy:  # else some ids were refused (503) and would answer 404
            await run_timed(url, 32, put, 3600, limit=min(UPDATES, singles))
    otlp_requests = min(OTLP_REQUESTS, (events - created) // (4 * OTLP_SPANS))
    if otlp_requests:
        load = await run_timed(
            url,
            4,
            lambda i: post("/opentelemetry/v1/traces", otlp.request(i), "application/x-protobuf"),
            3600,
            limit=otlp_requests,
        )
        created += load.requests * OTLP_SPANS
    batches = max(0, -(-(events - created) // BATCH_SIZE))  # rounded up
    if batches:
        first_batch = first // BATCH_SIZE + 1
        load = await run_timed(
            url,
            4,
            lambda i: post("/v1/events/batch", bodies.batch(first_batch + i)),
            3600,
            limit=batches,
        )
        created += load.requests * BATCH_SIZE
    bodies.created.clear()
    return created


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="events to ingest in all")
    parser.add_argument("--warm-up", type=int, default=50_000, help="events before the first RSS")
    args = parser.parse_args()
    print(
        f"# bench-memory: server RSS across {args.events:,} events through the API on Postgres; "
        f"load client, server and Postgres share this machine's {os.cpu_count()} cores",
        flush=True,
    )
    bodies, otlp = Bodies(), OtlpBodies()
    async with database("postgres") as db_url, running_server_process(db_url) as server:
        pid = server.process.pid
        print(f"RSS at start                {rss_mib(pid):8.1f} MiB", flush=True)
        began = time.perf_counter()
        done = await ingest(server.url, bodies, otlp, args.warm_up, 0)
        warm = rss_mib(pid)
        print(f"RSS after warm-up {done:>9,} {warm:8.1f} MiB", flush=True)
        share = max(BATCH_SIZE, (args.events - done) // ROUNDS)
        while done < args.events:
            done += await ingest(server.url, bodies, otlp, min(share, args.events - done), done)
            elapsed = time.perf_counter() - began
            print(
                f"RSS after {done:>17,} {rss_mib(pid):8.1f} MiB  ({done / elapsed:,.0f} events/s)",
                flush=True,
            )
        end, peak = rss_mib(pid), rss_mib(pid, "VmHWM")
    ratio = end / warm
    verdict = "PASS" if ratio <= TARGET else "above"
    print(f"RSS peak (VmHWM)            {peak:8.1f} MiB")
    print(f"\nRSS end / after warm-up      {ratio:8.2f}  <= {TARGET}  {verdict}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # unwind: drop the database
    asyncio.run(main())
