"""Search benchmark: loads events into a fresh Postgres database, starts a real server on
it, and prints p50/p95 latency of the searches users send (each with its count, checked
against the generator's formula; a mismatch is printed loudly and the exit status is 1).

    python3 tasks.py bench-search                  # 1,000,000 events, 40 runs a search
    python3 tasks.py bench-search --events 200000 --runs 20
    python3 tasks.py bench-search --keep           # keep the database (name printed)
    python3 tasks.py bench-search --events 10000000 --load-only   # load, keep, print name
    python3 tasks.py bench-search --events 10000000 --database events_bench_xxxx

The data: one project (the server's default) with --events events in sessions of 20, spread
over 30 days (some with equal start times) in day partitions, types session/model/tool/chain,
metadata with numbers (cost, tokens), strings, a run id and a user id, chat-like inputs where
one event in 1,000 has the word "zebra", an error on one event in 100, a feedback rating 1-5;
plus 10% as many events of another project, which no search may see.

The load is a bulk load: every index of events and event_ids is read from the catalog,
dropped, and rebuilt after the rows are in (so it follows whatever the migrations create),
the triggers of events are off while rows go in, and event_ids and the event counters are
then filled from the rows with one INSERT ... SELECT each.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import math
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db.engine import Database
from app.db.migrate import upgrade
from app.domain.projects import project_for_name
from app.domain.retention import DayPartition, utc_day
from app.schemas.search import SearchBody
from app.services.search import SearchService
from app.settings import Settings
from bench.server import POSTGRES_ADMIN_URL, database, running_server

BASE_MS = 1_700_000_000_000
SPAN_MS = 30 * 86_400_000
# The counters' bucket of a start_time, as migration 0006 computes it.
HOUR_OF = (
    "CASE WHEN start_time >= 0 THEN start_time / 3600000 ELSE (start_time + 1) / 3600000 - 1 END"
)

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
        'run_id', 'run-' || (i % 100),
        'user_id', 'u-' || (i % 1000)),
    jsonb_build_object('rating', 1 + i % 5),
    jsonb_build_object('score', (i % 100) / 100.0),
    jsonb_build_object('user_id', 'u-' || (i % 1000)),
    NULL,
    CASE WHEN i % 100 = 13 THEN 'TimeoutError: no answer after ' || (i % 30) || ' s' END,
    $3::bigint + ((i::bigint * $4::bigint) / $5::bigint) / 2 * 2,
    $3::bigint + ((i::bigint * $4::bigint) / $5::bigint) / 2 * 2 + 25 + i % 900,
    (25 + i % 900)::float8
FROM generate_series($6::bigint, $7::bigint) AS i
"""

# A search slower than SLOW_MS is warmed once, and timed at least --min-runs times but no
# longer than about --budget-s (at 10M events an unindexed count takes seconds).
SLOW_MS = 2_000.0
TYPES = ("model", "tool", "chain", "tool", "model", "chain", "tool")  # by i % 7
DAY_MS = 86_400_000
# The one-day window: a day that does not start on a whole hour (the counters count whole
# hours; the two partial hours at its edges are counted from the events).
DAY_START_MS = BASE_MS + 10 * DAY_MS + 1_234_567
DAY_END_MS = DAY_START_MS + DAY_MS - 1


def _filter(field: str, operator: str, value: Any = None, kind: str = "string") -> dict[str, Any]:
    found: dict[str, Any] = {"field": field, "operator": operator, "type": kind}
    if value is not None:
        found["value"] = value
    return found


def session_id(k: int, salt: str = "a") -> str:
    """The id of session k (events 20k .. 20k+19), as LOAD_SQL computes it."""
    return str(uuid.UUID(hashlib.md5(f"{k}{salt}".encode()).hexdigest()))


def start_time(i: int, total: int) -> int:
    return BASE_MS + (i * SPAN_MS) // total // 2 * 2


def event_type(i: int) -> str:
    return "session" if i % 20 == 0 else TYPES[i % 7]


@dataclass(frozen=True)
class Search:
    label: str
    body: dict[str, Any]
    # The generator's formula: does event i (1..total) of our project match?
    matches: Callable[[int, int], bool]
    pages: tuple[int, ...] = (1,)


def searches(total: int) -> list[Search]:
    session = total // 40  # a session in the middle of the data
    return [
        Search(
            "top-level column: event_type is model",
            {"filters": [_filter("event_type", "is", "model")]},
            lambda i, n: event_type(i) == "model",
            (1, 6),
        ),
        Search(
            "numeric metadata: metadata.cost > 0.99",
            {"filters": [_filter("metadata.cost", "greater than", "0.99", "number")]},
            lambda i, n: (i * 7919) % 10000 > 9900,
            (1, 6),
        ),
        Search(
            "rare contains: inputs.query contains zebra",
            {"filters": [_filter("inputs.query", "contains", "zebra")]},
            lambda i, n: i % 1000 == 7,
            (1, 6),
        ),
        Search(
            "session view: session_id is <one session>",
            {"filters": [_filter("session_id", "is", session_id(session))]},
            lambda i, n: i // 20 == session,
        ),
        Search(
            'metadata key, no own index: user_id is "u-42"',
            {"filters": [_filter("metadata.user_id", "is", "u-42")]},
            lambda i, n: i % 1000 == 42,
        ),
        Search(
            "event_name contains step-17",
            {"filters": [_filter("event_name", "contains", "step-17")]},
            lambda i, n: i % 50 == 17,
        ),
        Search(
            "error exists",
            {"filters": [_filter("error", "exists")]},
            lambda i, n: i % 100 == 13,
        ),
        Search(
            "feedback.rating greater than 4",
            {"filters": [_filter("feedback.rating", "greater than", 4, "number")]},
            lambda i, n: 1 + i % 5 > 4,
        ),
        Search(
            "one-day dateRange + event_type is tool",
            {
                "filters": [_filter("event_type", "is", "tool")],
                "dateRange": {"start_time": str(DAY_START_MS), "end_time": str(DAY_END_MS)},
            },
            lambda i, n: event_type(i) == "tool" and DAY_START_MS <= start_time(i, n) <= DAY_END_MS,
        ),
        Search(
            "3 ANDed: type tool, env prod, rating > 3",
            {
                "filters": [
                    _filter("event_type", "is", "tool"),
                    _filter("metadata.env", "is", "prod"),
                    _filter("feedback.rating", "greater than", 3, "number"),
                ]
            },
            lambda i, n: event_type(i) == "tool" and i % 3 == 0 and 1 + i % 5 > 3,
        ),
        Search(
            "unselective: no filter (page 10)",
            {"filters": []},
            lambda i, n: True,
            (10,),
        ),
    ]


def expected_counts(found: list[Search], total: int) -> list[int]:
    """Each search's count computed from the generator's formula (one pass over 1..total)."""
    counts = [0] * len(found)
    for i in range(1, total + 1):
        for index, search in enumerate(found):
            if search.matches(i, total):
                counts[index] += 1
    return counts


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _indexes(conn: asyncpg.Connection, table: str) -> list[tuple[str, str, str | None]]:
    """(name, CREATE statement, constraint name) of each index of ``table``, as the
    migrations made them (whatever set that is)."""
    rows = await conn.fetch(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid), con.conname, "
        "pg_get_constraintdef(con.oid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid "
        "WHERE i.indrelid = $1::regclass",
        table,
    )
    found: list[tuple[str, str, str | None]] = []
    for name, definition, constraint, constraint_def in rows:
        if constraint is not None:
            found.append(
                (
                    name,
                    f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {constraint_def}",
                    constraint,
                )
            )
        else:
            found.append((name, definition.replace(" ON ONLY ", " ON ", 1), None))
    return found


async def _drop_indexes(conn: asyncpg.Connection, table: str) -> list[tuple[str, str, str | None]]:
    found = await _indexes(conn, table)
    for name, _, constraint in found:
        if constraint is not None:
            await conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
        else:
            await conn.execute(f"DROP INDEX {name}")
    print(f"  dropped the {len(found)} indexes of {table} for the load", flush=True)
    return found


async def _recreate_indexes(
    conn: asyncpg.Connection, found: list[tuple[str, str, str | None]]
) -> None:
    for name, statement, _ in found:
        started = time.perf_counter()
        await conn.execute(statement)
        print(f"  rebuilt {name} in {time.perf_counter() - started:.0f} s", flush=True)


async def load(url: str, count: int) -> None:
    """Bulk load: day partitions for the data's days, every index of events and event_ids
    dropped (read from the catalog, so whatever the migrations made) and rebuilt after the
    rows are in, the user triggers of events off during the load, then event_ids and the
    counters filled from the rows with one INSERT ... SELECT each."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("SET maintenance_work_mem = '1GB'")
        await conn.execute("SET synchronous_commit = off")
        ours = project_for_name("default").id
        other = project_for_name("someone-else").id
        first_day = utc_day(BASE_MS)
        last_day = utc_day(BASE_MS + SPAN_MS)
        day = first_day
        while day <= last_day:
            partition = DayPartition(day)
            await conn.execute(
                f"CREATE TABLE IF NOT EXISTS {partition.name} PARTITION OF events "
                f"FOR VALUES FROM ({partition.low_ms}) TO ({partition.high_ms})"
            )
            day += timedelta(days=1)
        print(f"  created day partitions {first_day} .. {last_day}", flush=True)
        event_indexes = await _drop_indexes(conn, "events")
        id_indexes = await _drop_indexes(conn, "event_ids")
        await conn.execute("ALTER TABLE events DISABLE TRIGGER USER")
        print("  triggers of events disabled for the load (counters are filled after)", flush=True)
        chunk = 500_000
        started = time.perf_counter()
        for project, total, salt in ((ours, count, "a"), (other, max(count // 10, 1), "b")):
            for first in range(1, total + 1, chunk):
                last = min(first + chunk - 1, total)
                await conn.execute(LOAD_SQL, project, salt, BASE_MS, SPAN_MS, total, first, last)
                elapsed = time.perf_counter() - started
                print(
                    f"  loaded {last:>10,} / {total:,} ({project[:8]}) {elapsed:.0f} s", flush=True
                )
        await conn.execute("ALTER TABLE events ENABLE TRIGGER USER")
        stamp = time.perf_counter()
        await conn.execute(
            "INSERT INTO event_ids (project_id, event_id, start_time) "
            "SELECT project_id, event_id, start_time FROM events"
        )
        print(f"  filled event_ids in {time.perf_counter() - stamp:.0f} s", flush=True)
        if await conn.fetchval("SELECT to_regclass('event_counts') IS NOT NULL"):
            stamp = time.perf_counter()
            await conn.execute(
                "INSERT INTO event_counts (project_id, event_type, hour, n) "
                f"SELECT project_id, event_type, {HOUR_OF}, count(*) FROM events "
                "GROUP BY 1, 2, 3"
            )
            print(f"  filled event_counts in {time.perf_counter() - stamp:.0f} s", flush=True)
        await _recreate_indexes(conn, event_indexes)
        await _recreate_indexes(conn, id_indexes)
        print(f"  load took {time.perf_counter() - started:.0f} s; VACUUM ANALYZE ...", flush=True)
        stamp = time.perf_counter()
        await conn.execute("VACUUM ANALYZE events")
        await conn.execute("VACUUM ANALYZE event_ids")
        print(f"  VACUUM ANALYZE took {time.perf_counter() - stamp:.0f} s", flush=True)
    finally:
        await conn.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def service_p50(service: SearchService, body: dict[str, Any], runs: int) -> float:
    """p50 of the same search called in this process (the service: one transaction with the
    page's two statements and the count), without HTTP and without the server process."""
    project = project_for_name("default")
    query = SearchBody.model_validate(body).to_query()
    timings: list[float] = []
    try:
        await service.search(project, query)  # warm
        for _ in range(runs):
            started = time.perf_counter()
            await service.search(project, query)
            timings.append((time.perf_counter() - started) * 1000)
    except Exception:  # e.g. the statement timeout: no figure
        return math.nan
    return statistics.median(timings)


async def measure(
    db_url: str,
    url: str,
    runs: int,
    limit: int,
    total: int,
    min_runs: int = 5,
    budget_ms: float = 45_000.0,
) -> bool:
    """Time each search; False when some count differs from the generator's formula."""
    found = searches(total)
    expected = expected_counts(found, total)
    ok = True
    print(
        f"{'search':<48} {'page':>4} {'count':>9} {'p50 ms':>8} {'p95 ms':>8} {'runs':>4} "
        f"{'db p50 ms':>9}  "
        "(targets: p50 < 25 ms, p95 < 100 ms at 1M; p50 < 50, p95 < 150 at 10M)"
    )
    service = SearchService(Database(Settings(database_url=db_url, db_pool_size=1)))
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        floor: list[float] = []
        for attempt in range(runs + 3):
            started = time.perf_counter()
            (await client.get("/healthz")).raise_for_status()
            if attempt >= 3:
                floor.append((time.perf_counter() - started) * 1000)
        print(
            f"{'floor: GET /healthz (no database)':<48} {'':>4} {'':>9} "
            f"{statistics.median(floor):>8.1f} {percentile(floor, 0.95):>8.1f} {len(floor):>4}",
            flush=True,
        )
        for search, want in zip(found, expected, strict=True):
            for page in search.pages:
                request = {**search.body, "limit": limit, "page": page}
                timings: list[float] = []
                count = -1
                warm_up = 3  # the first three warm the caches (one when a search is slow)
                spent = 0.0
                attempt = 0
                while len(timings) < runs:
                    started = time.perf_counter()
                    response = await client.post("/v1/events/search", json=request)
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:  # e.g. the server's statement timeout
                        break
                    count = response.json()["count"]
                    attempt += 1
                    if attempt == 1 and elapsed > SLOW_MS:
                        warm_up = 1
                    if attempt > warm_up:
                        timings.append(elapsed)
                        spent += elapsed
                    if len(timings) >= min_runs and spent > budget_ms:
                        break
                if response.status_code != 200:
                    code = response.json().get("error", {}).get("code", "")
                    print(
                        f"{search.label:<48} {page:>4} answered {response.status_code} {code} "
                        f"after {elapsed / 1000:.1f} s (the server's statement timeout is "
                        "EVENTS_STATEMENT_TIMEOUT_S)",
                        flush=True,
                    )
                    continue
                p50, p95 = statistics.median(timings), percentile(timings, 0.95)
                in_process = await service_p50(service, request, len(timings))
                line = (
                    f"{search.label:<48} {page:>4} {count:>9} {p50:>8.1f} {p95:>8.1f}"
                    f" {len(timings):>4} {in_process:>9.1f}"
                )
                if count != want:
                    ok = False
                    line += f"   !!! COUNT MISMATCH: the generator says {want}"
                print(line, flush=True)
    await service.db.dispose()
    return ok


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40, help="timed runs of each search")
    parser.add_argument("--limit", type=int, default=100, help="page size of each search")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--load-only", action="store_true", help="load a new database, keep it, measure nothing"
    )
    parser.add_argument(
        "--database",
        help="measure an existing database loaded by --load-only with the same --events "
        "(it is migrated to the current head first and kept)",
    )
    parser.add_argument("--min-runs", type=int, default=5, help="timed runs of a slow search")
    parser.add_argument(
        "--budget-s", type=float, default=45.0, help="time a slow search is timed for, about"
    )
    args = parser.parse_args()
    timing = (args.runs, args.limit, args.events, args.min_runs, args.budget_s * 1000)
    ok = True
    if args.database:
        db_url = make_url(POSTGRES_ADMIN_URL).set(database=args.database).render_as_string(False)
        print(f"# search benchmark on {args.database}: {args.events:,} events (loaded before)")
        await asyncio.to_thread(upgrade, db_url)
        async with running_server(db_url) as url:
            ok = await measure(db_url, url, *timing)
    else:
        async with database("postgres", keep=args.keep or args.load_only) as db_url:
            print(f"# search benchmark on {make_url(db_url).database}: {args.events:,} events")
            await asyncio.to_thread(upgrade, db_url)
            await load(db_url, args.events)
            if args.load_only:
                print(f"# loaded and kept {make_url(db_url).database}", flush=True)
                return
            async with running_server(db_url) as url:
                ok = await measure(db_url, url, *timing)
    if not ok:
        print("!!! some counts differ from the generator's formula (see above)")
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
