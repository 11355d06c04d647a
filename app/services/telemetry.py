"""What the use cases report to the metrics (a protocol, so that services import no
metrics library); the server plugs in app.observability.metrics.Metrics."""

from __future__ import annotations

from typing import Protocol


class Telemetry(Protocol):
    def events_ingested(self, count: int) -> None: ...

    def rows_deleted(self, reason: str, count: int) -> None: ...

    def partitions_changed(self, *, created: int, dropped: int) -> None: ...

    def write_group(self, size: int) -> None: ...


class NoTelemetry:
    """Reports nothing (scripts and tests that build services alone)."""

    def events_ingested(self, count: int) -> None:
        return None

    def rows_deleted(self, reason: str, count: int) -> None:
        return None

    def partitions_changed(self, *, created: int, dropped: int) -> None:
        return None

    def write_group(self, size: int) -> None:
        return None
