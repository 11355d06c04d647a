"""The event counters of Postgres (migration 0006) stay exact: after single, batch, session
and OTLP writes, deletes by id, session and filter, retention (partition drops and chunked
deletes), compaction, and concurrent writers, every (project, event type, hour) bucket sums
to the events it holds, and the counts of many random searches (whole project, event type,
windows on and off the hour) equal count(*) over the table."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from app.domain.projects import project_for_name
from app.domain.retention import DAY_MS
from app.repository.event_counts import EventCountRepository
from app.repository.events import EventRepository
from app.search.counting import HOUR_MS, count_plan
from app.search.daterange import DateWindow
from app.search.filters import parse_filters
from app.search.query import SearchQuery
from tests.apps import client_for, running_app

NOW = 1_781_524_800_000  # 2026-06-15T12:00:00Z
TYPES = ("model", "tool", "chain")
PROJECT = project_for_name("default").id


def body(start_time: int, event_type: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type or random.choice(TYPES),
        "event_name": "step",
        "inputs": {},
        "start_time": start_time,
        **extra,
    }


def times(rng: random.Random, n: int) -> list[int]:
    """Start times over six days around NOW, many on and next to hour boundaries."""
    found: list[int] = []
    for _ in range(n):
        hour = NOW // HOUR_MS * HOUR_MS + rng.randint(-72, 72) * HOUR_MS
        found.append(hour + rng.choice((0, 1, -1, rng.randint(0, HOUR_MS - 1))))
    return found


async def check_exact(app: FastAPI, rng: random.Random, windows: int = 60) -> int:
    """Every bucket's counter sum equals its events; random searches count the same from
    the counters as from the table. Returns the project's event count."""
    db = app.state.services.db
    async with db.transaction(write=False) as conn:
        assert await EventCountRepository(conn).present()
        mismatched = await conn.execute(
            sa.text(
                "WITH c AS (SELECT project_id, event_type, hour, sum(n) AS n FROM event_counts "
                "GROUP BY 1, 2, 3 HAVING sum(n) <> 0), "
                "e AS (SELECT project_id, event_type, "
                "floor(start_time / 3600000.0)::bigint AS hour, count(*) AS n "
                "FROM events WHERE project_id = :p GROUP BY 1, 2, 3) "
                "SELECT * FROM c FULL JOIN e USING (project_id, event_type, hour) "
                "WHERE (c.project_id = :p OR e.project_id = :p) "
                "AND c.n IS DISTINCT FROM e.n"
            ),
            {"p": PROJECT},
        )
        assert mismatched.all() == []
        repo = EventRepository(conn)
        total = int(
            (
                await conn.execute(
                    sa.text("SELECT count(*) FROM events WHERE project_id = :p"), {"p": PROJECT}
                )
            ).scalar_one()
        )
        shapes = 0
        for _ in range(windows):
            low, high = sorted(times(rng, 2))
            start = rng.choice((None, low))
            end = rng.choice((None, high))
            window = None if start is None and end is None else DateWindow(start, end)
            event_type = rng.choice((None, *TYPES, "session", "nothing"))
            filters = (
                []
                if event_type is None
                else [{"field": "event_type", "operator": "is", "value": event_type}]
            )
            query = SearchQuery(filters=tuple(parse_filters(filters, strict=True)), window=window)
            assert count_plan(query) is not None
            from_table = int(
                (await conn.execute(repo.count_query(PROJECT, query, repo.dialect))).scalar_one()
            )
            assert await repo.count(PROJECT, query) == from_table, (event_type, window)
            shapes += 1
        assert shapes == windows
    return total


async def post(client: httpx.AsyncClient, path: str, json: Any) -> Any:
    response = await client.post(path, json=json)
    assert response.status_code == 200, response.text
    return response.json()


def otlp_body(n: int) -> dict[str, Any]:
    trace = uuid.uuid4().hex
    session_id = str(uuid.uuid4())
    spans = [
        {
            "traceId": trace,
            "spanId": uuid.uuid4().hex[:16],
            "name": f"span-{i}",
            "kind": "SPAN_KIND_INTERNAL",
            "startTimeUnixNano": str((NOW + i * 1_234_567) * 1_000_000),
            "endTimeUnixNano": str((NOW + i * 1_234_567 + 5) * 1_000_000),
            "attributes": [{"key": "honeyhive.session_id", "value": {"stringValue": session_id}}],
        }
        for i in range(n)
    ]
    return {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"spans": spans}]}]}


async def test_counters_stay_exact_through_writes_deletes_and_retention(
    fresh_postgres_url: str,
) -> None:
    rng = random.Random(20261202)
    async with running_app(fresh_postgres_url, retention_days=2, delete_chunk_rows=7) as app:
        maintenance = app.state.services.maintenance
        # Day partitions from four days ago on: older events land in the default partition.
        await maintenance.run(NOW - 4 * DAY_MS)
        async with client_for(app) as client:
            for start in times(rng, 15):  # single creates
                await post(client, "/v1/events", body(start))
            await post(client, "/v1/events/batch", {"events": [body(t) for t in times(rng, 300)]})
            # A retried batch and a retried single create change nothing.
            again = [body(t) for t in times(rng, 40)]
            await post(client, "/v1/events/batch", {"events": again})
            await post(client, "/v1/events/batch", {"events": again})
            await post(client, "/v1/events", again[0])
            session = await post(client, "/v1/sessions", {"session_name": "s"})
            await post(
                client,
                f"/v1/sessions/{session['session_id']}/events/batch",
                {"events": [body(t) for t in times(rng, 20)]},
            )
            accepted = await post(client, "/opentelemetry/v1/traces", otlp_body(25))
            assert not accepted.get("partialSuccess"), accepted
            # Updates never change a counted column.
            await client.put(
                "/v1/events", json={"event_id": again[1]["event_id"], "metadata": {"x": 1}}
            )
            first = await check_exact(app, rng)
            assert first >= 15 + 300 + 40 + 1 + 20 + 25

            # Deletes: by id, a session, a filter.
            deleted = await client.delete(f"/v1/events/{again[2]['event_id']}")
            assert deleted.status_code == 200
            assert (await client.delete(f"/v1/sessions/{session['session_id']}")).status_code == 200
            gone = await post(
                client,
                "/v1/events/delete",
                {
                    "filters": [{"field": "event_type", "operator": "is", "value": "chain"}],
                    "dateRange": {
                        "start_time": str(NOW - HOUR_MS),
                        "end_time": str(NOW + 5 * HOUR_MS),
                    },
                },
            )
            assert gone["deleted"] > 0
            second = await check_exact(app, rng)
            assert second == first - 1 - 21 - gone["deleted"]

            # Retention at NOW: whole days go with their partition (no trigger fires), the
            # rest in chunks; then compaction folds the deltas.
            report = await maintenance.run(NOW)
            assert report.partitions_dropped and report.rows_deleted > 0
            assert report.counter_rows_compacted > 0
            third = await check_exact(app, rng)
            assert 0 < third < second
        async with app.state.services.db.transaction(write=False) as conn:
            per_bucket = await conn.execute(
                sa.text(
                    "SELECT count(*) FROM event_counts WHERE project_id = :p "
                    "GROUP BY event_type, hour HAVING count(*) > 1"
                ),
                {"p": PROJECT},
            )
            assert per_bucket.all() == []  # compacted: one row per bucket


async def test_counters_stay_exact_under_concurrent_writers_and_compaction(
    fresh_postgres_url: str,
) -> None:
    rng = random.Random(7)
    async with running_app(fresh_postgres_url, db_pool_size=6) as app:
        maintenance = app.state.services.maintenance
        await maintenance.run(NOW)
        async with client_for(app) as client:
            shared = [body(t) for t in times(rng, 60)]  # written by several writers at once

            async def writer(seed: int) -> None:
                local = random.Random(seed)
                for round_ in range(6):
                    events = [body(t) for t in times(local, 25)]
                    events += local.sample(shared, 10)
                    await post(client, "/v1/events/batch", {"events": events})
                    if round_ % 2:
                        victim = local.choice(events)["event_id"]
                        await client.delete(f"/v1/events/{victim}")

            async def compactor() -> None:
                for _ in range(4):
                    await maintenance.run(NOW)
                    await asyncio.sleep(0)

            await asyncio.gather(*(writer(seed) for seed in range(5)), compactor())
            total = await check_exact(app, rng, windows=80)
            assert total > 5 * 6 * 20
