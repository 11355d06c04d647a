"""Two versions of the server side by side, the single-write loads of bench-ratio alternated
between them (and the HTTP ceiling) in short bursts: a before/after comparison that other
jobs on a shared machine disturb about equally on both sides.

    .venv/bin/python -m bench.interleaved --before /tmp/before [--rounds 10] [--burst 2]

``--before`` is a directory holding another version's ``app/`` (and its ``migrations/`` and
``alembic.ini``), e.g. ``git archive <commit> app migrations alembic.ini | tar -x -C DIR``;
its server runs with that directory on ``PYTHONPATH``, the "after" server with this tree.
Each round runs, for the ceiling, ``POST /v1/events`` (32 connections); for each server,
``POST /v1/events`` then ``PUT /v1/events/{id}`` merges of the events it created; the two
servers' order alternates between rounds. Printed: the median per second and the median CPU
ms per request of the server process and of its Postgres backends (bench/cpu.py), and the
spread of the server's CPU figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ceiling import ceiling_server
from bench.cpu import CpuProbe
from bench.http_load import encode_request, run_timed
from bench.ratio import (
    JSON_TYPE,
    SINGLE_CONNECTIONS,
    Bodies,
    _requests,
    timed_with_cpu,
    update_body,
)
from bench.server import POSTGRES_ADMIN_URL, _dsn, database, running_server_process

# One burst's figures: requests per second, server CPU ms per request, Postgres's.
Burst = tuple[float, float | None, float | None]


class Server:
    def __init__(self, url: str, probe: CpuProbe) -> None:
        self.url = url
        self.probe = probe
        self.bodies = Bodies()

    async def creates(self, seconds: float) -> Burst:
        post = _requests(self.url, "POST", "/v1/events", JSON_TYPE)
        load, (server, db) = await timed_with_cpu(
            self.probe,
            self.url,
            SINGLE_CONNECTIONS,
            lambda i: post(self.bodies.event(i, keep=True)),
            seconds,
        )
        return load.per_second, server, db

    async def updates(self, seconds: float) -> Burst:
        created = list(self.bodies.created)
        host = self.url.split("//", 1)[1]

        def put(i: int) -> bytes:
            path = f"/v1/events/{created[(i * 7919) % len(created)]}"
            return encode_request("PUT", path, host, update_body(i), JSON_TYPE)

        load, (server, db) = await timed_with_cpu(
            self.probe, self.url, SINGLE_CONNECTIONS, put, seconds
        )
        return load.per_second, server, db


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def report(name: str, bursts: list[Burst]) -> str:
    rate = statistics.median(b[0] for b in bursts)
    server, db = _median([b[1] for b in bursts]), _median([b[2] for b in bursts])
    line = f"{name:<18} {rate:>9,.0f}/s"
    if server is not None:
        spread = [b[1] for b in bursts if b[1] is not None]
        line += f"  server CPU {server:.3f} ms/req ({min(spread):.3f}-{max(spread):.3f})"
    if db is not None:
        line += f"  Postgres {db:.3f} ms/req"
    return line + f"  n={len(bursts)}"


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--before", required=True, help="directory with the other app/")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--burst", type=float, default=2.0, help="seconds a load burst")
    args = parser.parse_args()
    if not (Path(args.before) / "app").is_dir():
        parser.error(f"{args.before} holds no app/ directory")
    bursts: dict[str, list[Burst]] = {}
    async with contextlib.AsyncExitStack() as stack:
        servers: dict[str, Server] = {}
        for name, env in (("before", {"PYTHONPATH": args.before}), ("after", {})):
            db_url = await stack.enter_async_context(
                database("postgres", prefix="events_interleaved")
            )
            running = await stack.enter_async_context(running_server_process(db_url, env))
            probe = CpuProbe(
                running.process.pid, _dsn(POSTGRES_ADMIN_URL), make_url(db_url).database
            )
            servers[name] = Server(running.url, probe)
        ceiling_url, ceiling_pid = await stack.enter_async_context(ceiling_server())
        ceiling_bodies = Bodies()
        ceiling_post = _requests(ceiling_url, "POST", "/v1/events", JSON_TYPE)
        await run_timed(ceiling_url, 8, lambda i: ceiling_post(ceiling_bodies.event(i)), 1.0)
        for server in servers.values():
            await server.creates(1.0)  # warm-up (its figures are not kept)
        for round_ in range(args.rounds):
            load, (cpu, _) = await timed_with_cpu(
                CpuProbe(ceiling_pid),
                ceiling_url,
                SINGLE_CONNECTIONS,
                lambda i: ceiling_post(ceiling_bodies.event(i)),
                args.burst,
            )
            bursts.setdefault("ceiling", []).append((load.per_second, cpu, None))
            order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
            for name in order:
                bursts.setdefault(f"{name} single", []).append(
                    await servers[name].creates(args.burst)
                )
                bursts.setdefault(f"{name} update", []).append(
                    await servers[name].updates(args.burst)
                )
            print(f"# round {round_ + 1} of {args.rounds} done", flush=True)
    for name in ("ceiling", "before single", "after single", "before update", "after update"):
        print(report(name, bursts[name]))


if __name__ == "__main__":
    asyncio.run(main())
