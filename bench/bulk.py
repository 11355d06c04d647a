"""Bulk ingest against its limit, in ONE run on Postgres: batches of 500 through
`POST /v1/events/batch` and OTLP protobuf exports of 512 spans, each next to a raw asyncpg
COPY of the same rows into a second database built by the same migrations.

    .venv/bin/python bench/bulk.py                  # 40 batches, 20 OTLP exports
    .venv/bin/python bench/bulk.py --batches 80 --otlp-batches 40

The COPY limit parses the rows from JSON inside its timing (as the server must), then copies
them into `events` and `event_ids` in one transaction per request-sized chunk, over as many
connections as the HTTP load uses. Load client, server and Postgres share this machine's
cores: the figures are ratios first.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.domain.defaults import build_event
from app.domain.records import EVENT_FIELDS
from app.otlp import decode_export_request, map_spans
from bench.http_load import encode_request, run_load
from bench.otlp_payloads import otlp_protobuf_payload
from bench.server import _dsn, database, running_server

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "bench-copy"
CONNECTIONS = 4
JSON_COLUMNS = frozenset(
    {"config", "inputs", "outputs", "metadata", "feedback", "metrics", "user_properties"}
) | {"children_ids"}


def chat_event(i: int, session_id: str, now_ms: int) -> dict[str, Any]:
    """A chat-style event of about 1.5 KB, as the SDK's tracer sends them."""
    turns = [
        {"role": "system", "content": "You are a helpful assistant for a travel agency. " * 10},
        {"role": "user", "content": f"Question {i}: which trains leave Zurich for Milan today?"},
        {"role": "assistant", "content": "There are several direct EuroCity trains. " * 8},
        {"role": "user", "content": f"And the cheapest one after {i % 24}:00, please?"},
    ]
    start = now_ms - 3_600_000 + i
    return {
        "event_type": "model" if i % 3 == 0 else "tool",
        "event_name": f"step-{i % 17}",
        "session_id": session_id,
        "inputs": {"chat_history": turns},
        "outputs": {"role": "assistant", "content": f"The cheapest is EC {i % 50} at 14:{i % 60}."},
        "config": {"model": "gpt-4o-mini", "temperature": 0.2, "provider": "openai"},
        "metadata": {"cost": (i % 100) / 1000, "prompt_tokens": i % 500, "env": "bench"},
        "metrics": {"latency_ms": 25 + i % 300},
        "start_time": start,
        "end_time": start + 25,
    }


def _copy_rows(records: Sequence[dict[str, Any]]) -> tuple[list[tuple[Any, ...]], list[Any]]:
    rows = [
        tuple(
            (None if r[c] is None else orjson.dumps(r[c]).decode()) if c in JSON_COLUMNS else r[c]
            for c in EVENT_FIELDS
        )
        for r in records
    ]
    ids = [(r["project_id"], r["event_id"], r["start_time"]) for r in records]
    return rows, ids


async def copy_seconds(dsn: str, documents: list[bytes]) -> float:
    """Seconds to parse each JSON document of records and COPY them into `events` and
    `event_ids`, one transaction per document, over CONNECTIONS connections."""
    queue = list(reversed(documents))
    connections = [await asyncpg.connect(dsn) for _ in range(CONNECTIONS)]

    async def worker(conn: asyncpg.Connection) -> None:
        while queue:
            records = orjson.loads(queue.pop())
            rows, ids = _copy_rows(records)
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "event_ids", records=ids, columns=["project_id", "event_id", "start_time"]
                )
                await conn.copy_records_to_table("events", records=rows, columns=list(EVENT_FIELDS))

    try:
        started = time.perf_counter()
        await asyncio.gather(*(worker(conn) for conn in connections))
        return time.perf_counter() - started
    finally:
        for conn in connections:
            await conn.close()


def migrate(database_url: str) -> None:
    cli = str(ROOT / ".venv" / "bin" / "events-api")
    for command in (["migrate"], ["maintenance", "run"]):
        subprocess.run(
            [cli, *command, "--database-url", database_url],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--batches", type=int, default=40, help="batches of 500 to send")
    parser.add_argument("--otlp-batches", type=int, default=20, help="OTLP exports of 512")
    parser.add_argument("--rounds", type=int, default=4, help="COPY/HTTP alternations")
    args = parser.parse_args()
    now_ms = int(time.time() * 1000)
    session = str(uuid.uuid4())
    batch_bodies = [
        [chat_event(b * 500 + k, session, now_ms) for k in range(500)]
        for b in range(args.batches + 2)
    ]
    otlp_bodies = [otlp_protobuf_payload(512, seed=i) for i in range(args.otlp_batches + 2)]
    # The rows the server stores for the same bodies, as JSON documents for the COPY limit.
    batch_rows = [
        orjson.dumps([build_event(e, project_id=PROJECT, now_ms=now_ms) for e in body])
        for body in batch_bodies[2:]
    ]
    otlp_rows = []
    for body in otlp_bodies[2:]:
        mapped = map_spans(
            decode_export_request(body, "application/x-protobuf"),
            project_id=PROJECT,
            header_source=None,
        )
        otlp_rows.append(orjson.dumps([*mapped.sessions, *mapped.events]))
    print(
        f"# bulk ingest on Postgres, {os.cpu_count()} CPUs shared by the load client, the "
        f"server and Postgres; {CONNECTIONS} connections; event body "
        f"{len(orjson.dumps(batch_bodies[0][0]))} bytes; COPY and HTTP alternate in "
        f"{args.rounds} rounds"
    )
    seconds = dict.fromkeys(("copy batch", "http batch", "copy otlp", "http otlp"), 0.0)
    json_bodies = [orjson.dumps({"events": body}) for body in batch_bodies]
    pb = "application/x-protobuf"
    async with (
        database("postgres") as copy_url,
        database("postgres") as db_url,
        running_server(db_url) as url,
    ):
        await asyncio.to_thread(migrate, copy_url)
        dsn = _dsn(copy_url)
        host = url.split("//", 1)[1]

        def requests(path: str, bodies: list[bytes], content_type: str) -> list[bytes]:
            return [encode_request("POST", path, host, b, content_type) for b in bodies]

        batch_requests = requests("/v1/events/batch", json_bodies, "application/json")
        otlp_requests = requests("/opentelemetry/v1/traces", otlp_bodies, pb)
        # Warm-up: the first requests of each kind (not in the COPY documents).
        await run_load(url, CONNECTIONS, batch_requests[:2])
        await run_load(url, CONNECTIONS, otlp_requests[:2])
        for part in range(args.rounds):
            b = slice(
                2 + part * args.batches // args.rounds, 2 + (part + 1) * args.batches // args.rounds
            )
            o = slice(
                2 + part * args.otlp_batches // args.rounds,
                2 + (part + 1) * args.otlp_batches // args.rounds,
            )
            seconds["copy batch"] += await copy_seconds(dsn, batch_rows[b.start - 2 : b.stop - 2])
            seconds["http batch"] += await run_load(url, CONNECTIONS, batch_requests[b])
            seconds["copy otlp"] += await copy_seconds(dsn, otlp_rows[o.start - 2 : o.stop - 2])
            seconds["http otlp"] += await run_load(url, CONNECTIONS, otlp_requests[o])
    events, spans = 500 * args.batches, 512 * args.otlp_batches
    figures = {
        "COPY, rows of the batches": events / seconds["copy batch"],
        "POST /v1/events/batch, 500 a request": events / seconds["http batch"],
        "COPY, rows of the OTLP exports": spans / seconds["copy otlp"],
        "OTLP protobuf, 512 spans a request": spans / seconds["http otlp"],
    }
    for label, value in figures.items():
        print(f"{label:<44} {value:10.0f} rows/s")
    batch = figures["POST /v1/events/batch, 500 a request"]
    otlp = figures["OTLP protobuf, 512 spans a request"]
    print(f"{'batch / COPY':<44} {batch / figures['COPY, rows of the batches']:10.2f}")
    print(f"{'OTLP / COPY':<44} {otlp / figures['COPY, rows of the OTLP exports']:10.2f}")


if __name__ == "__main__":
    asyncio.run(main())
