"""Prometheus metrics of one app: requests, latency, events ingested, rows deleted,
partitions, the database pool. Each app has its own registry (tests build many apps)."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from app.db.engine import Database


@dataclass(slots=True)
class RequestTally:
    """What one request did that is labelled by its route once it is known."""

    ingested: int = 0


CURRENT_REQUEST: ContextVar[RequestTally | None] = ContextVar("events_api_request", default=None)
GROUP_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 1024)
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """Implements app.services.telemetry.Telemetry."""

    def __init__(self, db: Database) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "events_api_requests",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "events_api_request_duration_seconds",
            "HTTP request latency by route template and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.ingested = Counter(
            "events_api_events_ingested",
            "Events accepted for writing, by route (retried ids included).",
            ["route"],
            registry=r,
        )
        self.deleted = Counter(
            "events_api_rows_deleted",
            "Event rows deleted, by reason (api, retention).",
            ["reason"],
            registry=r,
        )
        self.partitions_created = Counter(
            "events_api_partitions_created", "Time partitions created.", registry=r
        )
        self.partitions_dropped = Counter(
            "events_api_partitions_dropped", "Time partitions dropped by retention.", registry=r
        )
        in_use = Gauge("events_api_db_pool_in_use", "Database connections checked out.", registry=r)
        in_use.set_function(db.connections_in_use)
        waiting = Gauge(
            "events_api_db_pool_waiting",
            "Transactions waiting for a database connection (or, on SQLite, the write lock).",
            registry=r,
        )
        waiting.set_function(lambda: db.waiting)
        self.write_groups = Histogram(
            "events_api_group_commit_size",
            "Single writes (creates, updates, session starts) committed per transaction.",
            buckets=GROUP_BUCKETS,
            registry=r,
        )
        self.write_queue = Gauge(
            "events_api_group_commit_pending",
            "Single writes queued for their group commit (EVENTS_GROUP_COMMIT_MAX_PENDING).",
            registry=r,
        )

    def watch_write_queue(self, depth: Callable[[], int]) -> None:
        """Report ``depth()`` as the group commit queue gauge."""
        self.write_queue.set_function(depth)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    # -- Telemetry ---------------------------------------------------------------------

    def events_ingested(self, count: int) -> None:
        tally = CURRENT_REQUEST.get()
        if tally is not None:
            tally.ingested += count
        else:
            self.ingested.labels("none").inc(count)

    def rows_deleted(self, reason: str, count: int) -> None:
        self.deleted.labels(reason).inc(count)

    def partitions_changed(self, *, created: int, dropped: int) -> None:
        self.partitions_created.inc(created)
        self.partitions_dropped.inc(dropped)

    def write_group(self, size: int) -> None:
        self.write_groups.observe(size)
