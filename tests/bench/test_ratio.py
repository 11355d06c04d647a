"""bench/ratio.py runs every phase on real parts (uvicorn, Postgres, migrations) and prints
every figure and ratio; the databases it creates are gone afterwards. No timing is asserted."""

from __future__ import annotations

import asyncio
import re
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest

from bench.ratio import PHASES, RATIOS
from tests.backends import POSTGRES_ADMIN_URL, postgres_available, require_postgres

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.e2e]
# Three migrations and nine half-second phases take well under a minute on an idle
# machine; the limit is for a loaded one.
RUN_TIMEOUT_S = 600


async def _databases(prefix: str) -> list[str]:
    dsn = POSTGRES_ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", prefix + "%"
        )
    finally:
        await conn.close()
    return [row["datname"] for row in rows]


async def test_every_phase_and_ratio_is_printed_and_databases_dropped() -> None:
    require_postgres(await postgres_available())
    prefix = f"ratio_test_{uuid.uuid4().hex[:6]}"
    command = [sys.executable, "bench/ratio.py", "--duration", "0.5", "--database-prefix", prefix]
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        raw_out, raw_err = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT_S)
    except TimeoutError:
        process.terminate()  # SIGTERM: the benchmark unwinds and drops its databases
        await process.wait()
        pytest.fail(f"bench/ratio.py ran over {RUN_TIMEOUT_S} s")
    out, err = raw_out.decode(), raw_err.decode()
    assert process.returncode == 0, out + err
    assert re.search(r"share this machine's \d+ cores", out)
    figures = re.findall(r"^(\S.*?)\s+([\d,]+) (req/s|events/s|spans/s|rows/s)", out, re.M)
    assert len(figures) == len(PHASES), out
    assert all(int(value.replace(",", "")) > 0 for _, value, _ in figures), out
    for label, _top, _bottom, target in RATIOS:
        line = re.search(rf"^{re.escape(label)}\s+(\d+\.\d\d)\s+(.*)$", out, re.M)
        assert line is not None, f"no ratio line {label!r} in:\n{out}"
        if target:
            assert line.group(2).endswith(("PASS", "below")), line.group(0)
    created = re.findall(r"^# database (\S+) \(dropped at the end\)$", out, re.M)
    assert len(created) == 3, out  # the server's and the two COPY limits'
    assert all(name.startswith(prefix) for name in created), created
    assert await _databases(prefix) == []
