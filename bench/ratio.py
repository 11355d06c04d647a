"""Ratio benchmark: the server's write paths against limits measured in the same run.

    python3 tasks.py bench-ratio                   # every phase, ~10 s each (about 4 min)
    python3 tasks.py bench-ratio --duration 5
    python3 tasks.py bench-ratio --only single     # one phase (and the ratios it completes)
    python3 tasks.py bench-ratio --url http://127.0.0.1:8080   # server phases: a running server

One load client (bench/http_load.py), one event shape (a ~1.5 KB chat-style model event), and:

  ceiling     bench/ceiling.py: FastAPI validating the same body with no database (req/s)
  single      POST /v1/events, one event a request, 32 connections (events/s, p50)
  update      PUT /v1/events/{id}, metadata/outputs merges of events created earlier (req/s)
  batch       POST /v1/events/batch, 500 events a request, 4 connections (events/s)
  otlp        POST /opentelemetry/v1/traces, protobuf, 512 spans a request, 4 connections
  otlp-small  the same with one span a request (as a simple span processor sends), 32
              connections: these exports join the group commit (a reference line)
  copy        raw asyncpg COPY of the batch rows (event_ids and events, one transaction a
              batch, JSON parsing of the same body bytes included) into a second database
              built by the same migrations; the best of 1, 2 and 4 connections (rows/s)
  copy-notext the same COPY into a third such database with its text (trigram) indexes dropped
  copy-otlp   the OTLP requests' rows (protobuf decoded, spans mapped, sessions) by COPY
  raw-insert  raw asyncpg, one event a transaction (event_ids claim + events row in one
              statement), 16 connections (rows/s): a reference line

Then each ratio against the target of issue 10. The load client, the servers and Postgres
share this machine's cores; the figures are only comparable within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db.migrate import upgrade
from app.domain.records import EVENT_FIELDS
from bench.ceiling import ceiling_server
from bench.cpu import CpuProbe
from bench.http_load import TimedLoad, encode_request, run_timed
from bench.otlp_payloads import otlp_protobuf_payload
from bench.server import POSTGRES_ADMIN_URL, _dsn, database, running_server_process
from events_api_launcher import server_command

PHASES = (
    "ceiling",
    "single",
    "update",
    "batch",
    "otlp",
    "otlp-small",
    "copy",
    "copy-notext",
    "copy-otlp",
    "raw-insert",
)
SINGLE_CONNECTIONS = 32
BATCH_SIZE = 500
BATCH_CONNECTIONS = 4
OTLP_SPANS = 512
RAW_CONNECTIONS = 16
JSON_TYPE = "application/json"
PROTOBUF_TYPE = "application/x-protobuf"
COPY_PROJECT = "bench-copy"
JSON_COLUMNS = frozenset(
    {"config", "inputs", "outputs", "metadata", "feedback", "metrics", "user_properties"}
    | {"children_ids"}
)
# Fixed-width placeholders in the pre-encoded event templates.
ID_MARK = b"@@event-id-placeholder-of-36-bytes@@"
START_MARK = b"1111111111111"
END_MARK = b"2222222222222"
TEMPLATES = 256
# The namespace of the server's span event ids (app/otlp/mapping.py), for the same rows.
SPAN_NAMESPACE = uuid.UUID("ace1ea92-9680-4672-b519-ecc1a36bc3f7")

WORDS = tuple(
    " ".join(
        (
            "latency budget retrieval vector index summary invoice customer refund policy",
            "shipping warehouse forecast quarterly revenue onboarding password reset account",
            "billing cycle contract renewal discount region europe asia delivery tracking",
        )
    ).split()
)


# --- event bodies ---------------------------------------------------------------------------


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _template(n: int) -> bytes:
    """A chat-style model event as an LLM SDK sends it (~1.5 KB), with placeholders."""
    rng = random.Random(n)
    session = str(uuid.UUID(int=rng.getrandbits(128)))
    prompt, completion = 200 + rng.randrange(300), 40 + rng.randrange(200)
    event = {
        "event_id": ID_MARK.decode(),
        "session_id": session,
        "parent_id": session,
        "event_type": "model",
        "event_name": "openai.chat.completions.create",
        "source": "bench",
        "config": {
            "provider": "openai",
            "model": rng.choice(["gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet"]),
            "temperature": rng.choice([0.0, 0.2, 0.7]),
            "max_tokens": 512,
            "template": [{"role": "system", "content": "You are a support assistant."}],
        },
        "inputs": {
            "chat_history": [
                {"role": "system", "content": "You are a support assistant. " + _sentence(rng, 6)},
                {"role": "user", "content": _sentence(rng, 22)},
                {"role": "assistant", "content": _sentence(rng, 18)},
                {"role": "user", "content": _sentence(rng, 15)},
            ]
        },
        "outputs": {"role": "assistant", "content": _sentence(rng, 24), "finish_reason": "stop"},
        "metadata": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "cost": round((prompt + 3 * completion) / 1_000_000, 8),
            "user_id": f"u-{rng.randrange(1000)}",
            "env": "bench",
        },
        "metrics": {"latency_ms": rng.randrange(200, 2000)},
        "start_time": int(START_MARK),
        "end_time": int(END_MARK),
        "duration": float(rng.randrange(200, 2000)),
    }
    return orjson.dumps(event)


@dataclass
class Bodies:
    """Event bodies made on demand from pre-encoded templates: a fresh uuid4 event id and
    start/end times near now (today's partition), so that every create is a new event."""

    started_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    templates: list[bytes] = field(default_factory=lambda: [_template(n) for n in range(TEMPLATES)])
    created: list[str] = field(default_factory=list)

    def event(self, i: int, *, keep: bool = False) -> bytes:
        event_id = str(uuid.uuid4())
        if keep:
            self.created.append(event_id)
        start = self.started_ms + i % 3_600_000
        return (
            self.templates[i % TEMPLATES]
            .replace(ID_MARK, event_id.encode())
            .replace(START_MARK, str(start).encode())
            .replace(END_MARK, str(start + 850).encode())
        )

    def batch(self, i: int) -> bytes:
        base = i * BATCH_SIZE
        return b'{"events":[' + b",".join(self.event(base + k) for k in range(BATCH_SIZE)) + b"]}"

    @property
    def single_size(self) -> int:
        return len(self.event(0))


def update_body(i: int) -> bytes:
    """A merge update as a tracer sends it when a call ends: metadata and outputs keys."""
    return orjson.dumps(
        {
            "metadata": {"feedback_score": i % 5, "reviewed": i % 2 == 0, "step": i},
            "outputs": {"usage_checked": True, "attempt": i % 3},
            "metrics": {"quality": (i % 10) / 10},
        }
    )


class OtlpBodies:
    """OTLP protobuf requests of ``spans`` spans (bench/otlp_payloads.py's shape), each with
    a new trace id and session id and start times near now."""

    def __init__(self, spans: int = OTLP_SPANS) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        self.message = ExportTraceServiceRequest.FromString(otlp_protobuf_payload(spans))
        self.spans = self.message.resource_spans[0].scope_spans[0].spans
        now_ns = time.time_ns()
        for n, span in enumerate(self.spans):
            span.start_time_unix_nano = now_ns + n * 1_000_000
            span.end_time_unix_nano = now_ns + n * 1_000_000 + 500_000
        self.session_attr = [
            next(a for a in span.attributes if a.key == "honeyhive.session_id")
            for span in self.spans
        ]

    def request(self, _i: int) -> bytes:
        trace_id = os.urandom(16)
        session = str(uuid.uuid4())
        for span, attribute in zip(self.spans, self.session_attr, strict=True):
            span.trace_id = trace_id
            attribute.value.string_value = session
        return bytes(self.message.SerializeToString())


# --- rows for the raw database limits (parsing inside the timing) ---------------------------


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def event_row(event: dict[str, Any], project_id: str) -> tuple[Any, ...]:
    values = {
        "project_id": project_id,
        "event_name": event.get("event_name") or "unknown",
        "source": event.get("source") or "unknown",
        **event,
    }
    return tuple(_json(values.get(c)) if c in JSON_COLUMNS else values.get(c) for c in EVENT_FIELDS)


def batch_rows(body: bytes) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    events = orjson.loads(body)["events"]
    rows = [event_row(e, COPY_PROJECT) for e in events]
    ids = [(COPY_PROJECT, e["event_id"], e["start_time"]) for e in events]
    return rows, ids


def _any_value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    return None if kind is None else getattr(value, kind)


def otlp_rows(body: bytes) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The events the server stores for an OTLP request: one per span (attributes mapped
    into buckets, lineage in metadata) and a session event per new session id."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    message = ExportTraceServiceRequest.FromString(body)
    rows: list[tuple[Any, ...]] = []
    ids: list[tuple[Any, ...]] = []
    sessions: dict[str, tuple[str, int]] = {}
    for resource in message.resource_spans:
        for scope in resource.scope_spans:
            for span in scope.spans:
                trace, span_id = span.trace_id.hex(), span.span_id.hex()
                event: dict[str, Any] = {"metadata": {}}
                for attribute in span.attributes:
                    key, value = attribute.key, _any_value(attribute.value)
                    if key.startswith("honeyhive_") and "." in key:
                        bucket, _, name = key[len("honeyhive_") :].partition(".")
                        event.setdefault(bucket, {})[name] = value
                    elif key == "honeyhive.session_id":
                        event["session_id"] = value
                    elif key == "honeyhive.source":
                        event["source"] = value
                    elif key == "honeyhive_event_type":
                        event["event_type"] = value
                metadata = event["metadata"]
                metadata["trace_id"], metadata["span_id"] = trace, span_id
                parent = span.parent_span_id.hex()
                if parent:
                    metadata["parent_span_id"] = parent
                    event["parent_id"] = str(uuid.uuid5(SPAN_NAMESPACE, f"{trace}:{parent}"))
                else:
                    event["parent_id"] = event["session_id"]
                event["event_id"] = str(uuid.uuid5(SPAN_NAMESPACE, f"{trace}:{span_id}"))
                event["event_name"] = span.name
                event["start_time"] = span.start_time_unix_nano // 1_000_000
                event["end_time"] = span.end_time_unix_nano // 1_000_000
                event["duration"] = (span.end_time_unix_nano - span.start_time_unix_nano) / 1e6
                rows.append(event_row(event, COPY_PROJECT))
                ids.append((COPY_PROJECT, event["event_id"], event["start_time"]))
                sessions.setdefault(event["session_id"], (event["source"], event["start_time"]))
    for session_id, (source, start) in sessions.items():
        session = {"event_id": session_id, "session_id": session_id, "event_type": "session"}
        rows.append(event_row({**session, "source": source, "start_time": start}, COPY_PROJECT))
        ids.append((COPY_PROJECT, session_id, start))
    return rows, ids


# --- raw database phases --------------------------------------------------------------------


@dataclass
class RowLoad:
    rows: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


async def raw_load(
    dsn: str,
    connections: int,
    make: Callable[[int], bytes],
    write: Callable[[asyncpg.Connection, bytes], Awaitable[int]],
    duration_s: float,
) -> RowLoad:
    """``write`` the bodies ``make(0)``, ``make(1)``, ... over ``connections`` connections
    until ``duration_s`` passed; ``write`` answers how many rows a body counts for."""
    conns = [await asyncpg.connect(dsn) for _ in range(connections)]
    counted = 0
    next_index = 0
    deadline = 0.0

    async def worker(conn: asyncpg.Connection) -> None:
        nonlocal counted, next_index
        while time.perf_counter() < deadline:
            body = make(next_index)
            next_index += 1
            counted += await write(conn, body)

    try:
        started = time.perf_counter()
        deadline = started + duration_s
        await asyncio.gather(*(worker(c) for c in conns))
        return RowLoad(counted, time.perf_counter() - started)
    finally:
        for conn in conns:
            await conn.close()


async def copy_load(
    dsn: str,
    connections: int,
    make: Callable[[int], bytes],
    to_rows: Callable[[bytes], tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]],
    duration_s: float,
    count_last: int = 0,
) -> RowLoad:
    """COPY the rows of each body (both tables, one transaction a body). ``count_last``
    rows of each body (the OTLP sessions) are written but not counted."""

    async def write(conn: asyncpg.Connection, body: bytes) -> int:
        rows, ids = to_rows(body)
        async with conn.transaction():
            await conn.copy_records_to_table(
                "event_ids", records=ids, columns=["project_id", "event_id", "start_time"]
            )
            await conn.copy_records_to_table("events", records=rows, columns=EVENT_FIELDS)
        return len(rows) - count_last

    return await raw_load(dsn, connections, make, write, duration_s)


COLUMN_TYPES = {"start_time": "bigint", "end_time": "bigint", "duration": "float8"}


def _insert_one_sql() -> str:
    columns = ", ".join(EVENT_FIELDS)
    params = ", ".join(
        f"${n}::{'jsonb' if c in JSON_COLUMNS else COLUMN_TYPES.get(c, 'text')}"
        for n, c in enumerate(EVENT_FIELDS, start=1)
    )
    at = {c: n for n, c in enumerate(EVENT_FIELDS, start=1)}
    return (
        "WITH claimed AS (INSERT INTO event_ids (project_id, event_id, start_time) "
        f"VALUES (${at['project_id']}::text, ${at['event_id']}::text, "
        f"${at['start_time']}::bigint) "
        "ON CONFLICT (project_id, event_id) DO NOTHING RETURNING event_id) "
        f"INSERT INTO events ({columns}) SELECT {params} FROM claimed"
    )


async def insert_load(
    dsn: str, connections: int, make: Callable[[int], bytes], duration_s: float
) -> RowLoad:
    """One event a transaction (a single statement: claim the id, insert the row), each
    parsed from its JSON body (asyncpg prepares the statement once a connection)."""
    sql = _insert_one_sql()

    async def write(conn: asyncpg.Connection, body: bytes) -> int:
        await conn.fetch(sql, *event_row(orjson.loads(body), COPY_PROJECT))
        return 1

    return await raw_load(dsn, connections, make, write, duration_s)


TEXT_INDEX_SQL = (
    "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
    "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = 'events' "
    "AND (pg_get_indexdef(i.oid) ILIKE '%gin_trgm_ops%' "
    "OR pg_get_indexdef(i.oid) ILIKE '%gist_trgm_ops%' "
    "OR pg_get_indexdef(i.oid) ILIKE '%tsvector%') ORDER BY 1"
)


def _say_created(url: str) -> None:
    print(f"# database {make_url(url).database} (dropped at the end)", flush=True)


@contextlib.asynccontextmanager
async def migrated_database(
    prefix: str, drop_text_indexes: bool = False
) -> AsyncIterator[tuple[str, list[str]]]:
    """A fresh database built by the production migrations, with the coming days'
    partitions (`events-api maintenance run`); yields its asyncpg DSN and the text indexes
    dropped (when asked). Dropped afterwards."""
    async with database("postgres", prefix=prefix) as url:
        _say_created(url)
        await asyncio.to_thread(upgrade, url)
        maintenance = [*server_command(), "maintenance", "run", "--database-url", url]
        done = await asyncio.to_thread(
            subprocess.run, maintenance, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise RuntimeError(f"events-api maintenance run failed:\n{done.stderr}")
        dsn = _dsn(url)
        dropped: list[str] = []
        if drop_text_indexes:
            conn = await asyncpg.connect(dsn)
            try:
                dropped = [r["relname"] for r in await conn.fetch(TEXT_INDEX_SQL)]
                for name in dropped:
                    await conn.execute(f'DROP INDEX "{name}"')
            finally:
                await conn.close()
        yield dsn, dropped


# --- the run --------------------------------------------------------------------------------


@dataclass
class Figure:
    label: str
    value: float
    unit: str
    p50_ms: float | None = None
    busy: int = 0
    server_cpu_ms: float | None = None  # the server process's CPU ms per request
    db_cpu_ms: float | None = None  # its Postgres backends' CPU ms per request


@dataclass
class Run:
    args: argparse.Namespace
    bodies: Bodies
    otlp: OtlpBodies
    figures: dict[str, Figure] = field(default_factory=dict)

    def wants(self, phase: str) -> bool:
        return self.args.only is None or phase in self.args.only

    def record(self, phase: str, figure: Figure) -> None:
        self.figures[phase] = figure
        p50 = "" if figure.p50_ms is None else f"  p50 {figure.p50_ms:8.1f} ms"
        busy = f"  ({figure.busy:,} answered 503 busy, not counted)" if figure.busy else ""
        cpu = ""
        if figure.server_cpu_ms is not None:
            cpu = f"  CPU ms/req: server {figure.server_cpu_ms:.2f}"
            if figure.db_cpu_ms is not None:
                cpu += f", Postgres {figure.db_cpu_ms:.2f}"
        line = f"{figure.label:<66} {figure.value:>10,.0f} {figure.unit}{p50}{cpu}{busy}"
        print(line, flush=True)


def _requests(url: str, method: str, path: str, content_type: str) -> Callable[[bytes], bytes]:
    host = url.split("//", 1)[1]
    return lambda body: encode_request(method, path, host, body, content_type)


async def timed_with_cpu(
    cpu: CpuProbe | None,
    url: str,
    connections: int,
    make: Callable[[int], bytes],
    duration_s: float,
) -> tuple[TimedLoad, tuple[float | None, float | None]]:
    """:func:`run_timed`, and the CPU ms per request (503s included) of the server and of
    its Postgres backends over it when ``cpu`` says what to watch."""
    before = await cpu.sample() if cpu is not None else None
    load = await run_timed(url, connections, make, duration_s)
    if cpu is None or before is None:
        return load, (None, None)
    return load, await cpu.per_request_ms(before, load.requests + load.busy)


async def http_phases(run: Run, url: str, cpu: CpuProbe | None = None) -> None:
    duration, bodies = run.args.duration, run.bodies
    post_event = _requests(url, "POST", "/v1/events", JSON_TYPE)
    if run.wants("single"):
        load, used = await timed_with_cpu(
            cpu, url, SINGLE_CONNECTIONS, lambda i: post_event(bodies.event(i, keep=True)), duration
        )
        label = "POST /v1/events, one event a request, 32 conn"
        run.record("single", _figure(label, load, "events/s", cpu_ms=used))
    if run.wants("update"):
        single = run.figures.get("single")
        if single is None or single.busy:  # not all of them exist: create others first
            bodies.created.clear()
            seed = _requests(url, "POST", "/v1/events/batch", JSON_TYPE)
            await run_timed(url, 1, lambda i: seed(_kept_batch(bodies, i)), 3600, limit=4)
        created = list(bodies.created)
        host = url.split("//", 1)[1]

        def put(i: int) -> bytes:
            path = f"/v1/events/{created[i % len(created)]}"
            return encode_request("PUT", path, host, update_body(i), JSON_TYPE)

        load, used = await timed_with_cpu(cpu, url, SINGLE_CONNECTIONS, put, duration)
        label = "PUT /v1/events/{id}, merge update, 32 conn"
        run.record("update", _figure(label, load, "req/s", cpu_ms=used))
    if run.wants("batch"):
        post_batch = _requests(url, "POST", "/v1/events/batch", JSON_TYPE)
        load = await run_timed(
            url, BATCH_CONNECTIONS, lambda i: post_batch(bodies.batch(i)), duration
        )
        label = "POST /v1/events/batch, 500 events a request, 4 conn"
        run.record("batch", _figure(label, load, "events/s", BATCH_SIZE))
    if run.wants("otlp"):
        post_otlp = _requests(url, "POST", "/opentelemetry/v1/traces", PROTOBUF_TYPE)
        load = await run_timed(
            url, BATCH_CONNECTIONS, lambda i: post_otlp(run.otlp.request(i)), duration
        )
        label = "OTLP protobuf, 512 spans a request, 4 conn"
        run.record("otlp", _figure(label, load, "spans/s", OTLP_SPANS))
    if run.wants("otlp-small"):
        post_otlp = _requests(url, "POST", "/opentelemetry/v1/traces", PROTOBUF_TYPE)
        small = OtlpBodies(spans=1)
        load = await run_timed(
            url, SINGLE_CONNECTIONS, lambda i: post_otlp(small.request(i)), duration
        )
        label = "OTLP protobuf, 1 span a request, 32 conn"
        run.record("otlp-small", _figure(label, load, "spans/s"))


def _kept_batch(bodies: Bodies, i: int) -> bytes:
    events = b",".join(bodies.event(i * BATCH_SIZE + k, keep=True) for k in range(BATCH_SIZE))
    return b'{"events":[' + events + b"]}"


def _figure(
    label: str,
    load: TimedLoad,
    unit: str,
    per_request: int = 1,
    cpu_ms: tuple[float | None, float | None] = (None, None),
) -> Figure:
    return Figure(label, load.per_second * per_request, unit, load.p50_ms(), load.busy, *cpu_ms)


async def prepare_databases(run: Run, stack: contextlib.AsyncExitStack) -> tuple[str, str]:
    """The databases of the raw limits, built before any phase runs:
    one with the production indexes, one without its text indexes. Empty DSNs for those
    that no chosen phase needs."""
    prefix = run.args.database_prefix
    wanted = [
        run.wants("copy") or run.wants("copy-otlp") or run.wants("raw-insert"),
        run.wants("copy-notext"),
    ]
    # One after the other: Alembic's context is process-global, two upgrades at once hang.
    built = [
        await stack.enter_async_context(migrated_database(prefix, drop_text_indexes=notext))
        for notext, wants in zip((False, True), wanted, strict=True)
        if wants
    ]
    found = iter(built)
    dsn = next(found)[0] if wanted[0] else ""
    if wanted[1]:
        dsn_notext, dropped = next(found)
        what = ", ".join(dropped) if dropped else "none found: the same as copy"
        print(f"# text indexes dropped for copy-notext: {what}", flush=True)
    else:
        dsn_notext = ""
    return dsn, dsn_notext


LIMIT_CONNECTIONS = (1, 2, 4)


async def best_copy(
    run: Run,
    dsn: str,
    make: Callable[[int], bytes],
    to_rows: Callable[[bytes], tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]],
    count_last: int = 0,
) -> tuple[float, int]:
    """The COPY limit: the best rows/s over LIMIT_CONNECTIONS concurrent writers (each count
    run for the phase's duration; the per-count figures are printed). Concurrent COPYs into
    one partition contend for its relation extension locks on Postgres 15, so more writers
    can be slower; the limit is what the raw stack does at its best count."""
    best, best_at = 0.0, 0
    for connections in LIMIT_CONNECTIONS:
        load = await copy_load(dsn, connections, make, to_rows, run.args.duration, count_last)
        print(f"#   {connections} conn: {load.per_second:,.0f} a second", flush=True)
        if load.per_second > best:
            best, best_at = load.per_second, connections
    return best, best_at


async def database_phases(run: Run, dsn: str, dsn_notext: str) -> None:
    """The raw limits: COPY and one-insert transactions into fresh migrated databases."""
    duration, bodies = run.args.duration, run.bodies
    if run.wants("copy"):
        value, conns = await best_copy(run, dsn, bodies.batch, batch_rows)
        label = f"raw COPY of the batch rows, production indexes, best at {conns} conn"
        run.record("copy", Figure(label, value, "rows/s"))
    if run.wants("copy-notext"):
        value, conns = await best_copy(run, dsn_notext, bodies.batch, batch_rows)
        label = f"raw COPY of the batch rows, without the text indexes, best at {conns} conn"
        run.record("copy-notext", Figure(label, value, "rows/s"))
    if run.wants("copy-otlp"):
        value, conns = await best_copy(run, dsn, run.otlp.request, otlp_rows, count_last=1)
        label = f"raw COPY of the OTLP requests' rows, production indexes, best at {conns} conn"
        run.record("copy-otlp", Figure(label, value, "spans/s"))
    if run.wants("raw-insert"):
        load = await insert_load(dsn, RAW_CONNECTIONS, bodies.event, duration)
        label = "raw asyncpg, one event a transaction, 16 conn"
        run.record("raw-insert", Figure(label, load.per_second, "rows/s"))


# (label, numerator phase, denominator phase or a fixed limit, target)
RATIOS: tuple[tuple[str, str, str | float, float], ...] = (
    ("single create / HTTP ceiling", "single", "ceiling", 0.6),
    ("merge update / HTTP ceiling", "update", "ceiling", 0.5),
    ("batch of 500 / COPY (production indexes)", "batch", "copy", 0.8),
    ("COPY (production indexes) / COPY without text indexes", "copy", "copy-notext", 0.8),
    ("OTLP protobuf spans/s / 12,000 (100 x Phoenix's 118)", "otlp", 12_000.0, 1.0),
    ("OTLP protobuf / COPY of the same rows", "otlp", "copy-otlp", 0.8),
    ("single create / raw one-insert transactions (reference)", "single", "raw-insert", 0.0),
    ("OTLP of 1 span a request / single create (reference)", "otlp-small", "single", 0.0),
)


def print_ratios(run: Run) -> None:
    print(f"\n{'ratio':<58} {'value':>7}  {'target':>7}")
    for label, top, bottom, target in RATIOS:
        numerator = run.figures.get(top)
        denominator = (
            bottom if isinstance(bottom, float) else getattr(run.figures.get(bottom), "value", None)
        )
        if numerator is None or not denominator:
            print(f"{label:<58} {'n/a':>7}  (phase not run)")
            continue
        value = numerator.value / denominator
        if target:
            verdict = "PASS" if value >= target else "below"
            print(f"{label:<58} {value:7.2f}  >= {target:<4} {verdict}")
        else:
            print(f"{label:<58} {value:7.2f}  (no target)")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds a phase")
    parser.add_argument(
        "--only", action="append", choices=PHASES, help="run only this phase (repeatable)"
    )
    parser.add_argument("--url", help="run the server phases against this running server")
    parser.add_argument(
        "--database-prefix",
        default="events_bench",
        help="name prefix of the databases created (and dropped) by the run",
    )
    args = parser.parse_args()
    run = Run(args, Bodies(), OtlpBodies())
    cores = os.cpu_count()
    print(
        f"# bench-ratio: the load client, the servers and Postgres share this machine's "
        f"{cores} cores (other jobs may run on them too); compare figures within this run only"
    )
    print(
        f"# event body {run.bodies.single_size:,} bytes (chat-style model event), batch "
        f"{len(run.bodies.batch(0)):,} bytes, OTLP request {len(run.otlp.request(0)):,} bytes; "
        f"{args.duration:g} s a phase\n",
        flush=True,
    )
    async with contextlib.AsyncExitStack() as stack:
        dsn, dsn_notext = await prepare_databases(run, stack)
        await http_and_database_phases(run, dsn, dsn_notext)
    print_ratios(run)


async def http_and_database_phases(run: Run, dsn: str, dsn_notext: str) -> None:
    args = run.args
    if run.wants("ceiling"):
        async with ceiling_server() as (ceiling_url, pid):
            post = _requests(ceiling_url, "POST", "/v1/events", JSON_TYPE)
            await run_timed(
                ceiling_url, 8, lambda i: post(run.bodies.event(i)), min(1.0, args.duration)
            )
            load, used = await timed_with_cpu(
                CpuProbe(pid),
                ceiling_url,
                SINGLE_CONNECTIONS,
                lambda i: post(run.bodies.event(i)),
                args.duration,
            )
            label = "HTTP ceiling: FastAPI validating V1Event, no database, 32 conn"
            run.record("ceiling", _figure(label, load, "req/s", cpu_ms=used))
    server_phases = {"single", "update", "batch", "otlp", "otlp-small"}
    if args.only is None or server_phases & set(args.only):
        if args.url:
            await http_phases(run, args.url.rstrip("/"))
        else:
            server_db = database("postgres", prefix=args.database_prefix)
            async with server_db as db_url, running_server_process(db_url) as server:
                _say_created(db_url)
                url = server.url
                warm = _requests(url, "POST", "/v1/events", JSON_TYPE)
                await run_timed(
                    url, 8, lambda i: warm(run.bodies.event(i)), min(1.0, args.duration)
                )
                probe = CpuProbe(
                    server.process.pid, _dsn(POSTGRES_ADMIN_URL), make_url(db_url).database
                )
                await http_phases(run, url, probe)
    await database_phases(run, dsn, dsn_notext)


if __name__ == "__main__":
    # SIGTERM (a timeout, a CI cancel) unwinds like Ctrl-C, so the databases are dropped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    asyncio.run(main())
