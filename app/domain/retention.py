"""Pure rules of retention and of the daily time partitions of events (Postgres)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

DAY_MS: Final[int] = 86_400_000
PARTITION_PREFIX: Final[str] = "events_p"
_NAME: Final = re.compile(r"events_p(\d{4})(\d{2})(\d{2})")


@dataclass(frozen=True, slots=True, order=True)
class DayPartition:
    """The partition of events whose start_time lies in [low_ms, high_ms): one UTC day."""

    day: date

    @property
    def name(self) -> str:
        return f"{PARTITION_PREFIX}{self.day:%Y%m%d}"

    @property
    def low_ms(self) -> int:
        midnight = datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)
        return int(midnight.timestamp()) * 1000

    @property
    def high_ms(self) -> int:
        return self.low_ms + DAY_MS


def utc_day(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).date()


def parse_partition_name(name: str) -> DayPartition | None:
    """The day partition a table name denotes, or None (the default partition, others)."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    try:
        return DayPartition(date(int(match[1]), int(match[2]), int(match[3])))
    except ValueError:
        return None


def wanted_partitions(now_ms: int, days_ahead: int) -> list[DayPartition]:
    """Today's partition and the next ``days_ahead`` days'."""
    today = utc_day(now_ms)
    return [DayPartition(today + timedelta(days=n)) for n in range(days_ahead + 1)]


def retention_cutoff(now_ms: int, retention_days: int | None) -> int | None:
    """Events whose start_time is below this are expired (None: keep forever)."""
    return None if retention_days is None else now_ms - retention_days * DAY_MS


def expired_partitions(partitions: list[DayPartition], cutoff_ms: int) -> list[DayPartition]:
    """The partitions whose every event is expired: they are dropped whole."""
    return sorted(p for p in partitions if p.high_ms <= cutoff_ms)
