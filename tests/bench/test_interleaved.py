"""bench/interleaved.py starts two real servers (one from another app/ tree, here a copy of
this one) and the ceiling, alternates the loads between them and prints every median; its
databases are gone afterwards. No timing is asserted."""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from pathlib import Path

import asyncpg
import pytest

from tests.backends import POSTGRES_ADMIN_URL, postgres_available, require_postgres

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.e2e]
RUN_TIMEOUT_S = 600


async def _leftover_databases() -> list[str]:
    dsn = POSTGRES_ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE 'events_interleaved_%'"
        )
    finally:
        await conn.close()
    return [row["datname"] for row in rows]


async def test_both_servers_and_the_ceiling_are_measured(tmp_path: Path) -> None:
    require_postgres(await postgres_available())
    before = tmp_path / "before"
    for part in ("app", "migrations"):
        shutil.copytree(ROOT / part, before / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "alembic.ini", before / "alembic.ini")
    command = [sys.executable, "-m", "bench.interleaved", "--before", str(before)]
    process = await asyncio.create_subprocess_exec(
        *command,
        "--rounds",
        "1",
        "--burst",
        "0.3",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        raw_out, raw_err = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT_S)
    except TimeoutError:
        process.terminate()
        await process.wait()
        pytest.fail(f"bench/interleaved.py ran over {RUN_TIMEOUT_S} s")
    out = raw_out.decode()
    assert process.returncode == 0, out + raw_err.decode()
    names = ("ceiling", "before single", "after single", "before update", "after update")
    for name in names:
        line = re.search(rf"^{name}\s+([\d,]+)/s  server CPU (\d+\.\d+) ms/req", out, re.M)
        assert line is not None, f"no line {name!r} in:\n{out}"
        assert int(line.group(1).replace(",", "")) > 0, line.group(0)
        if name != "ceiling":
            assert re.search(rf"^{name}\s.*Postgres \d+\.\d+ ms/req", out, re.M), out
    assert await _leftover_databases() == []
