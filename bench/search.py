"""Search benchmark: loads 1,000,000 events into a fresh Postgres database, starts a real
server on it, and prints p50/p95 latency of a fixed set of searches (each with its count).

    python3 tasks.py bench-search                  # 1,000,000 events, 40 runs a search
    python3 tasks.py bench-search --events 200000 --runs 20
    python3 tasks.py bench-search --keep           # keep the database (name printed)

The data: one project (the server's default) with --events events in sessions of 20, spread
over 30 days (some with equal start times), types session/model/tool/chain, metadata with
numbers (cost, tokens), strings and a run id, chat-like inputs where one event in 1,000 has
the word "zebra"; plus 10% as many events of another project, which no search may see.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db.migrate import upgrade
from app.domain.projects import project_for_name
from app.repository.text_index import TEXT_INDEXES
from bench.server import database, running_server

BASE_MS = 1_700_000_000_000
SPAN_MS = 30 * 86_400_000

LOAD_SQL = """
INSERT INTO events (project_id, event_id, session_id, parent_id, event_type, event_name, source,
    config, inputs, outputs, metadata, feedback, metrics, user_properties, children_ids, error,
    start_time, end_time, duration)
SELECT $1,
    CASE WHEN i % 20 = 0 THEN md5((i / 20)::text || $2)::uuid::text
         ELSE md5(i::text || $2 || 'e')::uuid::text END,
    md5((i / 20)::text || $2)::uuid::text,
    CASE WHEN i % 20 = 0 THEN NULL ELSE md5((i / 20)::text || $2)::uuid::text END,
    CASE WHEN i % 20 = 0 THEN 'session'
         ELSE (ARRAY['model', 'tool', 'chain', 'tool', 'model', 'chain', 'tool'])[1 + i % 7] END,
    'step-' || (i % 50),
    'bench',
    jsonb_build_object('model', 'gpt-' || (i % 7), 'temperature', (i % 10) / 10.0),
    jsonb_build_object(
        'query', 'question number ' || i
            || CASE WHEN i % 1000 = 7 THEN ' about a zebra' ELSE '' END,
        'chat_history', jsonb_build_array(
            jsonb_build_object('role', 'user', 'content', 'hello there ' || (i % 97)))),
    jsonb_build_object('content', 'answer ' || i),
    jsonb_build_object(
        'cost', ((i * 7919) % 10000) / 10000.0,
        'prompt_tokens', (i * 31) % 2000,
        'completion_tokens', (i * 17) % 500,
        'env', CASE WHEN i % 3 = 0 THEN 'prod' ELSE 'dev' END,
        'run_id', 'run-' || (i % 100)),
    jsonb_build_object('rating', 1 + i % 5),
    jsonb_build_object('score', (i % 100) / 100.0),
    jsonb_build_object('user_id', 'u-' || (i % 1000)),
    NULL,
    NULL,
    $3::bigint + ((i::bigint * $4::bigint) / $5::bigint) / 2 * 2,
    $3::bigint + ((i::bigint * $4::bigint) / $5::bigint) / 2 * 2 + 25 + i % 900,
    (25 + i % 900)::float8
FROM generate_series($6::bigint, $7::bigint) AS i
"""

SEARCHES: list[tuple[str, dict[str, Any]]] = [
    (
        "top-level column: event_type is model",
        {
            "filters": [
                {"field": "event_type", "operator": "is", "value": "model", "type": "string"}
            ]
        },
    ),
    (
        "numeric metadata: metadata.cost > 0.99",
        {
            "filters": [
                {
                    "field": "metadata.cost",
                    "operator": "greater than",
                    "value": "0.99",
                    "type": "number",
                }
            ]
        },
    ),
    (
        "rare contains: inputs.query contains zebra",
        {
            "filters": [
                {
                    "field": "inputs.query",
                    "operator": "contains",
                    "value": "zebra",
                    "type": "string",
                }
            ]
        },
    ),
]


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def load(url: str, count: int) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        ours = project_for_name("default").id
        other = project_for_name("someone-else").id
        chunk = 100_000
        started = time.perf_counter()
        # One bulk build after the load is much faster than growing the trigram index row by
        # row; the searches then run on the same indexes as the migrations create.
        print("  dropping the text index for the load; it is built again after", flush=True)
        for name in TEXT_INDEXES:
            await conn.execute(f"DROP INDEX IF EXISTS {name}")
        for project, total, salt in ((ours, count, "a"), (other, max(count // 10, 1), "b")):
            for first in range(1, total + 1, chunk):
                last = min(first + chunk - 1, total)
                await conn.execute(LOAD_SQL, project, salt, BASE_MS, SPAN_MS, total, first, last)
                print(f"  loaded {last:>9,} / {total:,} ({project[:8]})", end="\r", flush=True)
        print(f"\n  load took {time.perf_counter() - started:.0f} s; text index ...", flush=True)
        await conn.execute("SET maintenance_work_mem = '256MB'")
        for name, definition in TEXT_INDEXES.items():
            await conn.execute(f"CREATE INDEX {name} ON events {definition}")
        print(f"  loaded and indexed in {time.perf_counter() - started:.0f} s; VACUUM ANALYZE")
        await conn.execute("VACUUM ANALYZE events")
    finally:
        await conn.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(url: str, runs: int, limit: int) -> None:
    print(f"{'search':<46} {'page':>4} {'count':>8} {'p50 ms':>8} {'p95 ms':>8}")
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        for label, body in SEARCHES:
            for page in (1, 6):
                request = {**body, "limit": limit, "page": page}
                timings: list[float] = []
                count = -1
                for attempt in range(runs + 3):
                    started = time.perf_counter()
                    response = await client.post("/v1/events/search", json=request)
                    elapsed = (time.perf_counter() - started) * 1000
                    response.raise_for_status()
                    count = response.json()["count"]
                    if attempt >= 3:  # the first three warm the caches
                        timings.append(elapsed)
                p50, p95 = statistics.median(timings), percentile(timings, 0.95)
                print(f"{label:<46} {page:>4} {count:>8} {p50:>8.1f} {p95:>8.1f}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40, help="timed runs of each search")
    parser.add_argument("--limit", type=int, default=100, help="page size of each search")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    async with database("postgres", keep=args.keep) as db_url:
        print(f"# search benchmark on {make_url(db_url).database}: {args.events:,} events")
        await asyncio.to_thread(upgrade, db_url)
        await load(db_url, args.events)
        async with running_server(db_url) as url:
            await measure(url, args.runs, args.limit)


if __name__ == "__main__":
    asyncio.run(main())
