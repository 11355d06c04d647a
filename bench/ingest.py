"""Ingest benchmark: events/s through a real server over loopback, on each backend.

    python3 tasks.py bench-ingest                 # both backends, servers started here
    python3 tasks.py bench-ingest --backend sqlite
    python3 tasks.py bench-ingest --url http://127.0.0.1:8080   # an already running server

Prints events/s for single creates (POST /v1/events, 64 concurrent clients) and for
batches of 500 (POST /v1/events/batch), and, when the OTLP route exists, spans/s for
OTLP JSON and protobuf batches of 512 spans.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import uuid
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.http_load import encode_request, run_load
from bench.otlp_payloads import otlp_json_payload, otlp_protobuf_payload
from bench.server import database, running_server


def event(i: int, session_id: str) -> dict[str, object]:
    return {
        "event_type": "model" if i % 3 == 0 else "tool",
        "event_name": f"step-{i % 17}",
        "session_id": session_id,
        "inputs": {"chat_history": [{"role": "user", "content": f"question {i}"}]},
        "outputs": {"content": f"answer {i}"},
        "metadata": {"cost": (i % 100) / 1000, "prompt_tokens": i % 500, "env": "bench"},
        "start_time": 1_700_000_000_000 + i,
        "end_time": 1_700_000_000_000 + i + 25,
    }


def requests_for(url: str, path: str, bodies: list[bytes], content_type: str) -> list[bytes]:
    host = url.split("//", 1)[1]
    return [encode_request("POST", path, host, body, content_type) for body in bodies]


async def bench_url(url: str, args: argparse.Namespace) -> dict[str, float]:
    session = str(uuid.uuid4())
    figures: dict[str, float] = {}
    json_type = "application/json"

    warm = [orjson.dumps(event(i, session)) for i in range(200)]
    await run_load(url, 8, requests_for(url, "/v1/events", warm, json_type))

    singles = [orjson.dumps(event(i, session)) for i in range(args.singles)]
    seconds = await run_load(url, 64, requests_for(url, "/v1/events", singles, json_type))
    figures["single creates, 64 clients (events/s)"] = len(singles) / seconds

    batches = [
        orjson.dumps({"events": [event(b * 500 + k, session) for k in range(500)]})
        for b in range(args.batches)
    ]
    seconds = await run_load(url, 4, requests_for(url, "/v1/events/batch", batches, json_type))
    figures["batches of 500 (events/s)"] = 500 * len(batches) / seconds

    probe = httpx.post(f"{url}/opentelemetry/v1/traces", content=b"", timeout=10)
    if probe.status_code != 404:
        for label, make, content_type in (
            ("OTLP JSON, 512 spans a batch (spans/s)", otlp_json_payload, json_type),
            (
                "OTLP protobuf, 512 spans a batch (spans/s)",
                otlp_protobuf_payload,
                "application/x-protobuf",
            ),
        ):
            payloads = [make(512, seed=i) for i in range(args.otlp_batches)]
            requests = requests_for(url, "/opentelemetry/v1/traces", payloads, content_type)
            seconds = await run_load(url, 4, requests)
            figures[label] = 512 * len(payloads) / seconds
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--url", help="benchmark this running server instead of starting one")
    parser.add_argument("--singles", type=int, default=5000, help="single creates to send")
    parser.add_argument("--batches", type=int, default=40, help="batches of 500 to send")
    parser.add_argument("--otlp-batches", type=int, default=20, help="OTLP batches of 512")
    args = parser.parse_args()
    print(f"# ingest benchmark, {os.cpu_count()} CPUs, client and server on this machine")
    if args.url:
        for label, value in (await bench_url(args.url, args)).items():
            print(f"{args.url:>10}  {label:<48} {value:10.0f}")
        return
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        async with database(backend) as db_url, running_server(db_url) as url:
            for label, value in (await bench_url(url, args)).items():
                print(f"{backend:>10}  {label:<48} {value:10.0f}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
