"""The maintenance use case: daily partitions created ahead (Postgres) and retention
(EVENTS_RETENTION_DAYS). Run by the server every EVENTS_MAINTENANCE_INTERVAL_S and by
`events-api maintenance run`; the clock is passed in, so tests choose the time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from app.db.engine import Database
from app.db.outage import is_database_outage
from app.db.problems import SCHEMA_NOT_MIGRATED, is_schema_missing
from app.domain.retention import expired_partitions, retention_cutoff, wanted_partitions
from app.repository.maintenance import MaintenanceRepository
from app.services.telemetry import NoTelemetry, Telemetry
from app.settings import Settings

log = logging.getLogger("app.maintenance")


@dataclass(slots=True)
class MaintenanceReport:
    skipped: bool = False
    partitions_created: list[str] = field(default_factory=list)
    partitions_dropped: list[str] = field(default_factory=list)
    cutoff_ms: int | None = None
    ids_deleted: int = 0
    rows_deleted: int = 0
    counter_rows_compacted: int = 0


class MaintenanceService:
    def __init__(
        self,
        db: Database,
        *,
        retention_days: int | None,
        days_ahead: int,
        chunk_rows: int,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.db = db
        self.retention_days = retention_days
        self.days_ahead = days_ahead
        self.chunk_rows = chunk_rows
        self.telemetry: Telemetry = telemetry or NoTelemetry()

    @classmethod
    def from_settings(
        cls, db: Database, settings: Settings, telemetry: Telemetry | None = None
    ) -> MaintenanceService:
        return cls(
            db,
            retention_days=settings.retention_days,
            days_ahead=settings.partition_days_ahead,
            chunk_rows=settings.delete_chunk_rows,
            telemetry=telemetry,
        )

    async def run(self, now_ms: int) -> MaintenanceReport:
        report = MaintenanceReport(cutoff_ms=retention_cutoff(now_ms, self.retention_days))
        async with self.db.transaction(write=False) as lock_conn:
            lock = MaintenanceRepository(lock_conn)
            partitioned = lock.partitioned
            if not await lock.try_lock():
                log.info("maintenance: skipped, another process is running it")
                report.skipped = True
                return report
            if partitioned:
                await self._create_partitions(now_ms, report)
            if report.cutoff_ms is not None:
                await self._expire(report.cutoff_ms, report, partitioned=partitioned)
            if partitioned:
                await self._compact_counters(report)
        self.telemetry.partitions_changed(
            created=len(report.partitions_created), dropped=len(report.partitions_dropped)
        )
        self.telemetry.rows_deleted("retention", report.rows_deleted)
        log.info(
            "maintenance: partitions created %s, dropped %s; retention cutoff %s: "
            "%d event ids and %d event rows deleted",
            report.partitions_created or "none",
            report.partitions_dropped or "none",
            report.cutoff_ms if report.cutoff_ms is not None else "none (keep forever)",
            report.ids_deleted,
            report.rows_deleted,
        )
        return report

    async def _create_partitions(self, now_ms: int, report: MaintenanceReport) -> None:
        async with self.db.transaction(write=True) as conn:
            existing = set(await MaintenanceRepository(conn).day_partitions())
        for partition in wanted_partitions(now_ms, self.days_ahead):
            if partition in existing:
                continue
            async with self.db.transaction(write=True) as conn:
                await MaintenanceRepository(conn).create_partition(partition)
            report.partitions_created.append(partition.name)

    async def _expire(
        self, cutoff_ms: int, report: MaintenanceReport, *, partitioned: bool
    ) -> None:
        """Ids first (a retried create of an expired id must not be skipped because its
        id row outlived the event), then whole partitions, then the remaining rows (the
        default partition, the partition the cutoff falls in; all of SQLite) in chunks."""
        async with self.db.transaction(write=False) as conn:
            projects = await MaintenanceRepository(conn).project_ids()
        if partitioned:
            for project_id in projects:
                report.ids_deleted += await self._chunks("ids", project_id, cutoff_ms)
            async with self.db.transaction(write=True) as conn:
                partitions = await MaintenanceRepository(conn).day_partitions()
            for partition in expired_partitions(partitions, cutoff_ms):
                async with self.db.transaction(write=True) as conn:
                    await MaintenanceRepository(conn).drop_partition(partition)
                report.partitions_dropped.append(partition.name)
        for project_id in projects:
            report.rows_deleted += await self._chunks("events", project_id, cutoff_ms)

    async def _compact_counters(self, report: MaintenanceReport) -> None:
        """Postgres: one short transaction per project folds its counter deltas."""
        async with self.db.transaction(write=False) as conn:
            projects = await MaintenanceRepository(conn).project_ids()
        for project_id in projects:
            async with self.db.transaction(write=True) as conn:
                report.counter_rows_compacted += await MaintenanceRepository(conn).compact_counters(
                    project_id
                )

    async def _chunks(self, what: Literal["ids", "events"], project_id: str, cutoff: int) -> int:
        """Delete the project's expired ids or events, oldest first, one short transaction
        per chunk; each chunk starts at the newest start_time the previous one deleted."""
        total, from_ms = 0, -(2**62)
        while True:
            async with self.db.transaction(write=True) as conn:
                repo = MaintenanceRepository(conn)
                if what == "ids":
                    done, from_ms = await repo.delete_expired_ids(
                        project_id, cutoff, self.chunk_rows, from_ms
                    )
                else:
                    done, from_ms = await repo.delete_expired_events(
                        project_id, cutoff, self.chunk_rows, from_ms
                    )
            total += done
            if from_ms >= cutoff:
                return total


# How soon maintenance tries again after finding the database unavailable.
OUTAGE_RETRY_S = 60.0


async def maintenance_loop(
    service: MaintenanceService, interval_s: float, clock: Callable[[], int]
) -> None:
    """Run maintenance now and then every ``interval_s`` seconds until cancelled. A database
    that is unavailable or not migrated yet is one log line and a retry within a minute; any
    other failure is logged with its traceback and tried again at the next interval."""
    while True:
        wait_s = interval_s
        try:
            await service.run(clock())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if is_database_outage(exc):
                wait_s = min(interval_s, OUTAGE_RETRY_S)
                log.warning(
                    "maintenance: the database is unavailable (%s); trying again in %.0f s",
                    type(exc).__name__,
                    wait_s,
                )
            elif is_schema_missing(exc):
                wait_s = min(interval_s, OUTAGE_RETRY_S)
                log.warning("maintenance: %s; trying again in %.0f s", SCHEMA_NOT_MIGRATED, wait_s)
            else:
                log.exception("maintenance: run failed; trying again in %.0f s", wait_s)
        await asyncio.sleep(wait_s)
