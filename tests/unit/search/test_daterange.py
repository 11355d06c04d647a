"""Date ranges of search and export, and timestamp parsing (pure, `now` injected)."""

from __future__ import annotations

from typing import Any

import pytest

from app.errors import BadRequest
from app.search.daterange import (
    DateWindow,
    parse_export_date_range,
    parse_relative,
    parse_search_date_range,
    parse_time_ms,
)
from app.search.values import parse_number_text

JAN1 = 1_704_067_200_000  # 2024-01-01T00:00:00Z
FEB1 = 1_706_745_600_000  # 2024-02-01T00:00:00Z
DAY = 86_400_000
NOW = 1_710_000_000_000


def _details(error: BadRequest) -> list[dict[str, Any]]:
    assert error.details is not None
    return error.details


def bad(call: Any, *args: Any, **kwargs: Any) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        call(*args, **kwargs)
    assert caught.value.status_code == 400 and _details(caught.value)
    return caught.value


# --- search shape -----------------------------------------------------------------------------


def test_search_shape_inclusive_bounds() -> None:
    window = parse_search_date_range(
        {"start_time": "2024-01-01T00:00:00Z", "end_time": "2024-02-01T00:00:00Z"}
    )
    assert window == DateWindow(start_ms=JAN1, end_ms=FEB1)
    assert window.contains(JAN1) and window.contains(FEB1)
    assert not window.contains(JAN1 - 1) and not window.contains(FEB1 + 1)


def test_search_shape_date_only_end_is_the_end_of_that_day() -> None:
    window = parse_search_date_range({"start_time": "2024-01-01", "end_time": "2024-01-31"})
    assert window == DateWindow(start_ms=JAN1, end_ms=FEB1 - 1)


def test_search_shape_naive_is_utc_and_offsets_apply() -> None:
    window = parse_search_date_range(
        {"start_time": "2024-01-01T00:00:00", "end_time": "2024-02-01T01:00:00+01:00"}
    )
    assert window == DateWindow(start_ms=JAN1, end_ms=FEB1)


def test_search_shape_absent_means_no_window() -> None:
    assert parse_search_date_range(None) is None


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"start_time": "2024-01-01"}, "missing required key(s): end_time"),
        ({"end_time": "2024-01-01"}, "start_time"),
        ({}, "start_time, end_time"),
        (
            {"start_time": "2024-01-01", "end_time": "2024-01-02", "relative": "7d"},
            "unknown key(s) 'relative'",
        ),
        ({"$gte": "2024-01-01", "$lte": "2024-01-02"}, "unknown key(s)"),
        ({"start_time": JAN1, "end_time": FEB1}, "expected an ISO-8601 string"),
        ({"start_time": "yesterday", "end_time": "2024-01-02"}, "neither an ISO-8601"),
        ({"start_time": "2024-02-01", "end_time": "2024-01-01"}, "after its end"),
        ("2024-01-01", "expected an object"),
        ([], "expected an object"),
    ],
)
def test_search_shape_is_strict(raw: Any, fragment: str) -> None:
    error = bad(parse_search_date_range, raw)
    assert fragment in error.message
    assert _details(error) is not None and _details(error)[0]["loc"].startswith("dateRange")


# --- export shapes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"$gte": "2024-01-01T00:00:00Z", "$lte": "2024-02-01T00:00:00Z"}, (JAN1, FEB1)),
        ({"gte": "2024-01-01T00:00:00Z", "lte": "2024-02-01T00:00:00Z"}, (JAN1, FEB1)),
        ({"start_time": "2024-01-01T00:00:00Z", "end_time": "2024-02-01T00:00:00Z"}, (JAN1, FEB1)),
        ({"$gte": JAN1, "$lte": FEB1}, (JAN1, FEB1)),
        ({"$gte": float(JAN1), "$lte": str(FEB1)}, (JAN1, FEB1)),
        ({"$gte": "2024-01-01", "$lte": "2024-01-31"}, (JAN1, FEB1 - 1)),
        ({"gte": "2024-01-01"}, (JAN1, None)),
        ({"lte": "2024-01-31"}, (None, FEB1 - 1)),
        ({"$gte": None, "$lte": FEB1}, (None, FEB1)),
        ({}, (None, None)),
        ({"relative": "30m"}, (NOW - 30 * 60_000, NOW)),
        ({"relative": "24h"}, (NOW - DAY, NOW)),
        ({"relative": "7d"}, (NOW - 7 * DAY, NOW)),
        ({"relative": "2w"}, (NOW - 14 * DAY, NOW)),
        ("gte='2024-01-01' lte='2024-01-31'", (JAN1, FEB1 - 1)),
        ("$gte='2024-01-01T00:00:00Z'", (JAN1, None)),
        ("relative='7d'", (NOW - 7 * DAY, NOW)),
    ],
)
def test_export_shapes(raw: Any, expected: tuple[int | None, int | None]) -> None:
    window = parse_export_date_range(raw, now_ms=NOW)
    assert window == DateWindow(start_ms=expected[0], end_ms=expected[1])


def test_export_absent_means_no_window() -> None:
    assert parse_export_date_range(None, now_ms=NOW) is None


@pytest.mark.parametrize(
    "relative", ["7D", " 7d", "7d ", "0d", "1.5h", "7M", "7", "d", "-7d", "7dd", "7 d", "", 7]
)
def test_bad_relative_ranges(relative: Any) -> None:
    error = bad(parse_export_date_range, {"relative": relative}, now_ms=NOW)
    assert _details(error) is not None and _details(error)[0]["loc"] == "dateRange.relative"


def test_relative_is_now_minus_span_to_now() -> None:
    assert parse_relative("1m", now_ms=NOW) == DateWindow(start_ms=NOW - 60_000, end_ms=NOW)
    assert parse_relative("007d", now_ms=NOW) == DateWindow(start_ms=NOW - 7 * DAY, end_ms=NOW)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"$gt": "2024-01-01"}, "unknown key(s) '$gt'"),
        ({"$gte": "2024-01-01", "gte": "2024-01-01"}, "conflicting bounds"),
        ({"lte": "2024-01-01", "end_time": "2024-01-01"}, "conflicting bounds"),
        ({"relative": "7d", "$lte": "2024-01-01"}, "cannot be combined"),
        ({"$gte": "2024-02-01", "$lte": "2024-01-01"}, "after its end"),
        ({"$gte": "soon"}, "neither an ISO-8601"),
        ({"$gte": True}, "boolean"),
        ({"$gte": 1.5}, "whole number"),
        ("from yesterday", "cannot read a date range"),
        (5, "expected an object"),
    ],
)
def test_bad_export_ranges(raw: Any, fragment: str) -> None:
    error = bad(parse_export_date_range, raw, now_ms=NOW)
    assert fragment in error.message


# --- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-01T00:00:00Z", JAN1),
        ("2024-01-01T00:00:00.999999Z", JAN1 + 999),
        ("2023-12-31T23:59:59.9995Z", JAN1 - 1),
        ("2024-01-01 00:00", JAN1),
        ("2024-01-01", JAN1),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59.999Z", -1),
        (JAN1, JAN1),
        (float(JAN1), JAN1),
        (str(JAN1), JAN1),
        ("20240101", 20_240_101),  # digits are always epoch ms
        (f" {JAN1} ", JAN1),
        ("1.7e12", 1_700_000_000_000),
    ],
)
def test_parse_time_ms(value: Any, expected: int) -> None:
    assert parse_time_ms(value, loc="t") == expected


def test_end_of_day_applies_to_date_only_values() -> None:
    assert parse_time_ms("2024-01-01", loc="t", end_of_day=True) == JAN1 + DAY - 1
    assert parse_time_ms("2024-01-01T00:00:00Z", loc="t", end_of_day=True) == JAN1


@pytest.mark.parametrize(
    "value", [True, None, [], "2024-13-01", "nan", float("inf"), 2**60, "1e400", 0.5]
)
def test_bad_timestamps(value: Any) -> None:
    error = bad(parse_time_ms, value, loc="where")
    assert _details(error) == [{"loc": "where", "message": _details(error)[0]["message"]}]
    assert error.message.startswith("where: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", 5),
        ("-0.5", -0.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("+2", 2),
        ("abc", None),
        ("0x1", None),
        ("nan", None),
        ("1_000", None),
        ("9" * 65, None),
        ("", None),
    ],
)
def test_parse_number_text(text: str, expected: float | None) -> None:
    assert parse_number_text(text) == expected
