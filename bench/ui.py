"""Trace browser benchmark: how fast the server renders the UI's pages on Postgres.

    python3 tasks.py bench-ui                      # 2,000-event session among 200,000 events
    python3 tasks.py bench-ui --events 1000000     # ... among 1,000,000 stored events
    python3 tasks.py bench-ui --runs 40 --keep

Loads --events background events (the search benchmark's data: sessions of 20 over 30
days) into a fresh Postgres database, starts a real server on it, sends one session of
2,000 events through the batch API (100 chains, each with models, steps and tools: four
levels deep, chat transcripts in the models' inputs), then times GET requests over
loopback, printing p50/p95 of the client's wall time and, for the session page, the
p50 of the server's own time (its Server-Timing header: read, layout, render). The
session page is compared with its 300 ms limit and with the JSON API's read of the same
session tree (GET /v1/sessions/{id}) measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db.migrate import upgrade
from bench.search import load, percentile
from bench.server import database, running_server

SESSION_EVENTS = 2_000
LIMIT_MS = 300.0
CHAT = [
    {"role": "system", "content": "You are a careful assistant. Answer in one paragraph."},
    {"role": "user", "content": "Summarise the findings of step {i} for the weekly report."},
]


def session_events(session_id: str, start_ms: int) -> list[dict[str, Any]]:
    """100 groups of 20: a chain with 3 model calls and 4 steps of 3 tools each."""
    events: list[dict[str, Any]] = []
    at = start_ms

    def add(kind: str, name: str, parent: str, duration: float, **extra: Any) -> str:
        nonlocal at
        event_id = str(uuid.uuid4())
        at += 3
        events.append(
            {
                "event_id": event_id,
                "session_id": session_id,
                "parent_id": parent,
                "event_type": kind,
                "event_name": name,
                "source": "bench-ui",
                "inputs": extra.pop("inputs", {"step": len(events)}),
                "outputs": {"content": f"result of {name}"},
                "start_time": at,
                "duration": duration,
                **extra,
            }
        )
        return event_id

    for group in range(SESSION_EVENTS // 20):
        chain = add("chain", f"plan_{group}", session_id, 180.0)
        for call in range(3):
            add(
                "model",
                f"llm_{call}",
                chain,
                40.0 + call,
                inputs={
                    "chat_history": [{**m, "content": m["content"].format(i=group)} for m in CHAT]
                },
                config={"model": "gpt-4o-mini", "temperature": 0.2},
                metadata={"cost": 0.0004, "total_tokens": 120 + call},
            )
        for step in range(4):
            parent = add("chain", f"step_{step}", chain, 30.0)
            for tool in range(3):
                error = "timeout after 5 s" if (group + step + tool) % 97 == 0 else None
                add("tool", f"tool_{tool}", parent, 5.0 + tool, error=error)
    return events


async def seed_session(client: httpx.AsyncClient) -> str:
    session_id = str(uuid.uuid4())
    start = int(time.time() * 1000) - 60_000
    started = await client.post(
        "/v1/sessions",
        json={"session_id": session_id, "session_name": "bench-2000", "start_time": start},
    )
    started.raise_for_status()
    events = session_events(session_id, start)
    for first in range(0, len(events), 500):
        sent = await client.post(
            f"/v1/sessions/{session_id}/events/batch", json={"events": events[first : first + 500]}
        )
        sent.raise_for_status()
    return session_id


def server_ms(response: httpx.Response) -> float | None:
    """The server's own time from its `Server-Timing: app;dur=X` header, if it sends one."""
    header = response.headers.get("server-timing", "")
    for part in header.split(";"):
        if part.startswith("dur="):
            return float(part[4:])
    return None


async def timed(client: httpx.AsyncClient, path: str, runs: int) -> dict[str, float]:
    timings: list[float] = []
    inside: list[float] = []
    size = 0
    for attempt in range(runs + 3):
        started = time.perf_counter()
        response = await client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        size = len(response.content)
        if attempt >= 3:  # the first three warm the caches
            timings.append(elapsed)
            server = server_ms(response)
            if server is not None:
                inside.append(server)
    return {
        "p50": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "server_p50": statistics.median(inside) if inside else float("nan"),
        "kib": size / 1024,
    }


async def measure(url: str, runs: int) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        session_id = await seed_session(client)
        found = await client.post(
            "/v1/events/search",
            json={
                "filters": [
                    {"field": "session_id", "operator": "is", "value": session_id},
                    {"field": "event_type", "operator": "is", "value": "model"},
                ],
                "limit": 1,
            },
        )
        model_id = found.json()["events"][0]["event_id"]
        pages = [
            ("session page, 2,001 events (tree + waterfall)", f"/ui/sessions/{session_id}"),
            ("  its live refresh (fragment)", f"/ui/sessions/{session_id}?fragment=1"),
            ("  JSON API: GET /v1/sessions/{id}, same tree", f"/v1/sessions/{session_id}"),
            ("event detail pane", f"/ui/events/{model_id}/detail"),
            ("sessions list, page 1 (25, rollups)", "/ui/sessions"),
            ("sessions list, page 40", "/ui/sessions?page=40"),
            (
                "sessions list, filter source is bench-ui",
                "/ui/sessions?field=source&op=is&value=bench-ui",
            ),
            (
                "search: event_type is model, page 1",
                "/ui/search?field=event_type&op=is&value=model",
            ),
        ]
        print(f"{'page':<50} {'p50 ms':>8} {'p95 ms':>8} {'server':>8} {'KiB':>7}")
        results: dict[str, dict[str, float]] = {}
        for label, path in pages:
            r = results[path] = await timed(client, path, runs)
            print(
                f"{label:<50} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['server_p50']:>8.1f} "
                f"{r['kib']:>7.0f}",
                flush=True,
            )
        page = results[f"/ui/sessions/{session_id}"]
        api = results[f"/v1/sessions/{session_id}"]["p50"]
        print(
            f"\nsession page of 2,001 events: server p50 {page['server_p50']:.1f} ms = "
            f"{page['server_p50'] / LIMIT_MS:.2f} x the {LIMIT_MS:.0f} ms limit "
            f"(wall p50 {page['p50']:.1f} ms = {page['p50'] / api:.2f} x the JSON API's read "
            f"of the same tree, {api:.1f} ms)"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000, help="background events")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each page")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    async with database("postgres", keep=args.keep) as db_url:
        print(f"# UI benchmark on {make_url(db_url).database}: {args.events:,} background events")
        await asyncio.to_thread(upgrade, db_url)
        await load(db_url, args.events)
        async with running_server(db_url) as url:
            await measure(url, args.runs)


if __name__ == "__main__":
    asyncio.run(main())
