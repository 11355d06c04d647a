"""The Citus distribution step: after the migrations, on the coordinator, make `projects`
and `api_keys` reference tables and shard `events` (with its time partitions) and
`event_ids` by project_id, co-located. Idempotent: tables already placed are left alone."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.db.dialect import Dialect
from app.db.engine import Database
from app.repository.citus import DISTRIBUTED_TABLES, REFERENCE_TABLES, CitusRepository


class NotCitus(Exception):
    """The database has no Citus extension (or no worker)."""


@dataclass(slots=True)
class DistributionReport:
    citus_version: str
    workers: int
    placed: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)


async def distribute(db: Database) -> DistributionReport:
    if db.dialect is not Dialect.POSTGRES:
        raise NotCitus("Citus needs a postgresql+asyncpg:// database URL (the coordinator)")
    async with db.transaction(write=True) as conn:
        repo = CitusRepository(conn)
        version = await repo.citus_version()
        if version is None:
            raise NotCitus("the citus extension is not installed in this database")
        report = DistributionReport(citus_version=version, workers=await repo.worker_count())
        if report.workers == 0:
            raise NotCitus("the coordinator has no active worker (citus_add_node)")
        placed = await repo.placed_tables()
        # The event counters are kept by triggers, which Citus does not run on shards:
        # on Citus, counts read the events (docs/search.md).
        await repo.drop_event_counters()
    for table in (*REFERENCE_TABLES, *DISTRIBUTED_TABLES):
        if table in placed:
            report.already.append(table)
            continue
        # One transaction per table: Citus copies the existing rows to the shards.
        async with db.transaction(write=True) as conn:
            repo = CitusRepository(conn)
            if table in REFERENCE_TABLES:
                await repo.make_reference(table)
            else:
                colocate = "none" if table == DISTRIBUTED_TABLES[0] else DISTRIBUTED_TABLES[0]
                await repo.distribute(table, colocate)
        report.placed.append(table)
    return report
