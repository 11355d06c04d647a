"""Day partitions and the retention cutoff (pure rules)."""

from __future__ import annotations

from datetime import date

from app.domain.retention import (
    DAY_MS,
    DayPartition,
    expired_partitions,
    parse_partition_name,
    retention_cutoff,
    utc_day,
    wanted_partitions,
)

NOW = 1_781_524_800_000  # 2026-06-15T12:00:00Z


def test_a_day_partition_covers_one_utc_day() -> None:
    day = DayPartition(date(2026, 6, 15))
    assert day.name == "events_p20260615"
    assert day.low_ms == NOW - 12 * 3_600_000 and day.high_ms == day.low_ms + DAY_MS
    assert utc_day(day.low_ms) == utc_day(day.high_ms - 1) == date(2026, 6, 15)
    assert parse_partition_name(day.name) == day


def test_other_names_are_not_day_partitions() -> None:
    for name in ("events_default", "events_p2026061", "events_p20261301", "event_ids"):
        assert parse_partition_name(name) is None


def test_partitions_wanted_from_today_on() -> None:
    wanted = wanted_partitions(NOW, 2)
    assert [p.name for p in wanted] == [
        "events_p20260615",
        "events_p20260616",
        "events_p20260617",
    ]


def test_only_wholly_expired_days_are_dropped() -> None:
    cutoff = retention_cutoff(NOW, 3)
    assert cutoff == NOW - 3 * DAY_MS
    days = [DayPartition(date(2026, 6, d)) for d in range(10, 16)]
    # The 12th ends at midnight of the 13th, after the cutoff (the 12th at noon): kept.
    assert [p.name for p in expired_partitions(days, cutoff)] == [
        "events_p20260610",
        "events_p20260611",
    ]
    assert retention_cutoff(NOW, None) is None
