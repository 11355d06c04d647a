"""CPU time of the processes under test, from /proc (Linux): a steadier figure than req/s
on a shared machine, where other jobs take turns on the same cores.

A process's CPU seconds are its ``utime + stime`` (fields 14 and 15 of /proc/PID/stat); a
Postgres database's are those of the backends connected to it (``pg_stat_activity``). A
phase's cost is the difference over the phase, divided by the requests it answered.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) used by ``pid`` so far; None when it cannot be read."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    after_name = text.rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / CLOCK_TICKS


async def backend_pids(admin_dsn: str, database: str) -> list[int]:
    """The Postgres backends connected to ``database`` now."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", database)
    finally:
        await conn.close()
    return [int(row["pid"]) for row in rows]


@dataclass
class CpuSample:
    """CPU seconds of the server process and of its database's backends at one moment."""

    server: float | None
    backends: dict[int, float] = field(default_factory=dict)


@dataclass
class CpuProbe:
    """What to watch: the server's pid and, optionally, its Postgres database (backends
    that connect during a phase count from zero; the walwriter and checkpointer, shared by
    every database, are not counted)."""

    server_pid: int
    admin_dsn: str | None = None
    database: str | None = None

    async def sample(self) -> CpuSample:
        backends: dict[int, float] = {}
        if self.admin_dsn and self.database:
            for pid in await backend_pids(self.admin_dsn, self.database):
                used = process_cpu_s(pid)
                if used is not None:
                    backends[pid] = used
        return CpuSample(process_cpu_s(self.server_pid), backends)

    async def per_request_ms(
        self, before: CpuSample, requests: int
    ) -> tuple[float | None, float | None]:
        """(server, Postgres) CPU milliseconds per request since ``before``; None when not
        known (no request, /proc unreadable, no database watched)."""
        after = await self.sample()
        if requests <= 0:
            return None, None
        server = None
        if before.server is not None and after.server is not None:
            server = 1000 * (after.server - before.server) / requests
        database = None
        if self.database:
            used = sum(cpu - before.backends.get(pid, 0.0) for pid, cpu in after.backends.items())
            database = 1000 * used / requests
        return server, database
