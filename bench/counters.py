"""What the event counters' triggers (migration 0006) cost writers, measured in one run:
the repository's own inserts (one event per transaction, and batches of 500) into a fresh
migrated Postgres database, with the triggers on and off in alternating rounds, and the
ratio of the two. Client and server share this machine's cores.

    .venv/bin/python bench/counters.py
    .venv/bin/python bench/counters.py --singles 2000 --batches 40 --rounds 4
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

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db.engine import Database
from app.db.migrate import upgrade
from app.domain.projects import project_for_name
from app.domain.records import EventRecord
from app.repository.events import EventRepository
from app.settings import Settings
from bench.server import database

PROJECT = project_for_name("default").id
NOW = 1_781_524_800_000


def record(i: int) -> EventRecord:
    event: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "project_id": PROJECT,
        "session_id": str(uuid.uuid4()),
        "parent_id": None,
        "event_type": ("model", "tool", "chain")[i % 3],
        "event_name": f"step-{i % 50}",
        "source": "bench",
        "config": {"model": "gpt-4o"},
        "inputs": {"chat_history": [{"role": "user", "content": f"question {i}" * 20}]},
        "outputs": {"content": f"answer {i}" * 20},
        "metadata": {"cost": 0.001 * (i % 100), "prompt_tokens": i % 2000},
        "feedback": {},
        "metrics": {},
        "user_properties": {},
        "children_ids": [],
        "error": None,
        "start_time": NOW + i * 7,
        "end_time": NOW + i * 7 + 100,
        "duration": 100.0,
    }
    return event  # type: ignore[return-value]


async def singles(db: Database, n: int, base: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        async with db.transaction(write=True) as conn:
            await EventRepository(conn).insert_many([record(base + i)])
    return n / (time.perf_counter() - started)


async def batches(db: Database, n: int, base: int) -> float:
    started = time.perf_counter()
    for b in range(n):
        rows = [record(base + b * 500 + i) for i in range(500)]
        async with db.transaction(write=True) as conn:
            await EventRepository(conn).insert_many(rows)
    return n * 500 / (time.perf_counter() - started)


async def set_triggers(db: Database, on: bool) -> None:
    async with db.transaction(write=True) as conn:
        verb = "ENABLE" if on else "DISABLE"
        await conn.execute(sa.text(f"ALTER TABLE events {verb} TRIGGER USER"))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--singles", type=int, default=1000, help="single inserts a round")
    parser.add_argument("--batches", type=int, default=20, help="batches of 500 a round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    async with database("postgres") as url:
        await asyncio.to_thread(upgrade, url)
        db = Database(Settings(database_url=url, db_pool_size=2))
        try:
            figures: dict[tuple[str, bool], list[float]] = {}
            base = 0
            for _ in range(args.rounds):
                for on in (True, False):
                    await set_triggers(db, on)
                    rate = await singles(db, args.singles, base)
                    figures.setdefault(("single", on), []).append(rate)
                    base += args.singles
                    rate = await batches(db, args.batches, base)
                    figures.setdefault(("batch", on), []).append(rate)
                    base += args.batches * 500
            await set_triggers(db, True)
        finally:
            await db.dispose()
    print("# event counters: writes with the triggers on / off (alternating rounds, one run)")
    print("# client and server share this machine's cores")
    print(f"{'path':<34} {'on (rows/s)':>12} {'off (rows/s)':>13} {'ratio':>6}")
    for path, label in (("single", "one event per transaction"), ("batch", "batches of 500")):
        with_triggers = statistics.median(figures[(path, True)])
        without = statistics.median(figures[(path, False)])
        ratio = with_triggers / without
        print(f"{label:<34} {with_triggers:>12,.0f} {without:>13,.0f} {ratio:>6.2f}")


if __name__ == "__main__":
    asyncio.run(main())
