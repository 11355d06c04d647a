"""Citus (coordinator + 2 workers, local) against single Postgres, side by side, in one run:
batch ingest (POST /v1/events/batch, 500 events a batch, one project per client) and a
filtered, dated search (p50 of repeated POST /v1/events/search), each through a real
`events-api serve`. Needs Citus (see tests/citus/build_citus.py).

    .venv/bin/python bench/citus_compare.py [--events 40000] [--projects 8] [--searches 40]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db.migrate import upgrade
from bench.server import database, running_server
from tests.citus.cluster import citus_cluster

BATCH = 500


def batch_body(project: int, start: int, now_ms: int) -> dict[str, object]:
    events = [
        {
            "event_type": "model" if i % 3 == 0 else "tool",
            "event_name": f"step-{i % 17}",
            "session_id": f"{project}-{i // 50}",
            "inputs": {"chat_history": [{"role": "user", "content": f"question {i}"}]},
            "outputs": {"content": f"answer {i}"},
            "metadata": {"cost": (i % 100) / 1000, "prompt_tokens": i % 500},
            "start_time": now_ms - (i % 3_600_000),
        }
        for i in range(start, start + BATCH)
    ]
    return {"events": events}


SEARCH = {
    "filters": [
        {"field": "event_type", "operator": "is", "value": "model"},
        {"field": "metadata.cost", "operator": "greater than", "value": 0.05, "type": "number"},
    ],
    "limit": 100,
}


async def measure(url: str, args: argparse.Namespace) -> dict[str, float]:
    now_ms = int(time.time() * 1000)
    window = {
        "start_time": datetime.fromtimestamp((now_ms - 3_600_000) / 1000, UTC).isoformat(),
        "end_time": datetime.fromtimestamp(now_ms / 1000, UTC).isoformat(),
    }
    tokens = [f"bench-{uuid.uuid4().hex}" for _ in range(args.projects)]
    per_project = args.events // args.projects

    async def ingest(token: str, project: int) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as http:
            for start in range(0, per_project, BATCH):
                response = await http.post(
                    "/v1/events/batch", json=batch_body(project, start, now_ms)
                )
                response.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(ingest(t, n) for n, t in enumerate(tokens)))
    ingest_s = time.perf_counter() - started
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        for n in range(args.searches):
            headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
            body = {**SEARCH, "dateRange": window}
            t0 = time.perf_counter()
            response = await http.post("/v1/events/search", json=body, headers=headers)
            latencies.append(time.perf_counter() - t0)
            response.raise_for_status()
            assert response.json()["totalEvents"] > 0
    return {
        "batch ingest (events/s)": per_project * len(tokens) / ingest_s,
        "search p50 (ms)": statistics.median(latencies) * 1000,
    }


async def run_single(args: argparse.Namespace) -> dict[str, float]:
    async with database("postgres") as url:
        await asyncio.to_thread(upgrade, url)
        async with running_server(url, {"EVENTS_PROJECT_PER_TOKEN": "true"}) as server:
            return await measure(server, args)


async def run_citus(url: str, args: argparse.Namespace) -> dict[str, float]:
    async with running_server(url, {"EVENTS_PROJECT_PER_TOKEN": "true"}) as server:
        return await measure(server, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=40_000)
    parser.add_argument("--projects", type=int, default=8)
    parser.add_argument("--searches", type=int, default=40)
    args = parser.parse_args()
    single = asyncio.run(run_single(args))
    with citus_cluster() as cluster:
        url = cluster.coordinator.url
        upgrade(url)
        script = Path(sys.executable).with_name("events-api")
        subprocess.run([str(script), "citus", "distribute", "--database-url", url], check=True)
        citus = asyncio.run(run_citus(url, args))
    print(f"{args.events:,} events in {args.projects} projects; {args.searches} searches")
    print(f"{'figure':<28} {'single PG':>10} {'Citus 2w':>10} {'Citus/PG':>9}")
    for name in single:
        ratio = citus[name] / single[name]
        print(f"{name:<28} {single[name]:>10.1f} {citus[name]:>10.1f} {ratio:>8.2f}x")


if __name__ == "__main__":
    main()
