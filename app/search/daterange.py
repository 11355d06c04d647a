"""Date-range and timestamp parsing for search/export: bodies in, inclusive Unix-ms windows out."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from app.errors import BadRequest
from app.search.values import json_kind, parse_number_text

# Largest magnitude accepted for a millisecond timestamp: every such integer is exact in a double.
MAX_ABS_MS: Final[int] = 2**53 - 1

# Relative windows: a positive integer and one unit (m = minutes, h, d, w).
RELATIVE_UNITS_MS: Final[dict[str, int]] = {
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
}
_RELATIVE_RE: Final = re.compile(r"([0-9]+)([mhdw])")

# Export shape keys: each bound has several accepted spellings.
_START_KEYS: Final[tuple[str, ...]] = ("$gte", "gte", "start_time")
_END_KEYS: Final[tuple[str, ...]] = ("$lte", "lte", "end_time")
_EXPORT_KEYS: Final[tuple[str, ...]] = (*_START_KEYS, *_END_KEYS, "relative")
# `gte='2024-01-01' lte='2024-02-01'` (a Python repr some generated clients send as a string).
_REPR_PAIR_RE: Final = re.compile(
    r"""\s*(\$?gte|\$?lte|start_time|end_time|relative)\s*=\s*(?:'([^']*)'|"([^"]*)"|([^\s'"]+))"""
)

_DAY_MS: Final[int] = 86_400_000


@dataclass(frozen=True, slots=True)
class DateWindow:
    """An inclusive window on `start_time` in Unix ms; None means unbounded on that side."""

    start_ms: int | None
    end_ms: int | None

    def contains(self, ms: int | float) -> bool:
        if self.start_ms is not None and ms < self.start_ms:
            return False
        return not (self.end_ms is not None and ms > self.end_ms)


def _bad(loc: str, message: str) -> BadRequest:
    return BadRequest(f"{loc}: {message}", details=[{"loc": loc, "message": message}])


def _datetime_to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    # Floor to whole milliseconds (sub-millisecond precision is dropped).
    return delta // timedelta(milliseconds=1)


def _parse_iso_ms(text: str, *, end_of_day: bool) -> int | None:
    """ISO-8601 text to ms, or None if it is not ISO-8601. Naive times are UTC."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        ms = _datetime_to_ms(datetime.combine(day, time(0, 0), tzinfo=UTC))
        return ms + _DAY_MS - 1 if end_of_day else ms
    try:
        return _datetime_to_ms(datetime.fromisoformat(text))
    except (ValueError, OverflowError):
        return None


def _checked_ms(ms: int, loc: str) -> int:
    if abs(ms) > MAX_ABS_MS:
        raise _bad(loc, f"timestamp {ms} ms is out of range (|ms| <= {MAX_ABS_MS})")
    return ms


def _number_to_ms(value: int | float, loc: str) -> int:
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise _bad(loc, f"epoch milliseconds must be a whole number, got {value!r}")
        return _checked_ms(int(value), loc)
    return _checked_ms(value, loc)


def parse_time_ms(value: Any, *, loc: str, end_of_day: bool = False) -> int:
    """Parse one timestamp: an ISO-8601 string (no zone = UTC; a date alone = midnight UTC,
    or the last millisecond of that day when `end_of_day`) or epoch milliseconds given as a
    number or a numeric string. Returns Unix ms; raises BadRequest naming `loc`."""
    if isinstance(value, bool):
        raise _bad(loc, "expected an ISO-8601 string or epoch milliseconds, got a boolean")
    if isinstance(value, int | float):
        return _number_to_ms(value, loc)
    if isinstance(value, str):
        text = value.strip()
        number = parse_number_text(text)
        if number is not None:
            # A numeric string is always epoch ms (so "20240101" is ms, not a basic ISO date).
            return _number_to_ms(number, loc)
        iso = _parse_iso_ms(text, end_of_day=end_of_day)
        if iso is not None:
            return _checked_ms(iso, loc)
        raise _bad(loc, f"{value!r} is neither an ISO-8601 timestamp nor epoch milliseconds")
    raise _bad(loc, f"expected an ISO-8601 string or epoch milliseconds, got {json_kind(value)}")


def parse_relative(text: Any, *, now_ms: int, loc: str = "dateRange.relative") -> DateWindow:
    """`<positive int><m|h|d|w>` (minutes, hours, days, weeks) -> [now - span, now]."""
    if not isinstance(text, str):
        raise _bad(loc, f"expected a string like '7d', got {json_kind(text)}")
    match = _RELATIVE_RE.fullmatch(text)
    if match is None or int(match.group(1)) == 0:
        raise _bad(
            loc,
            f"{text!r} is not a relative range; expected a positive integer followed by one "
            "unit: m (minutes), h (hours), d (days), w (weeks), e.g. '30m', '24h', '7d', '2w'",
        )
    span = int(match.group(1)) * RELATIVE_UNITS_MS[match.group(2)]
    return DateWindow(start_ms=_checked_ms(now_ms - span, loc), end_ms=now_ms)


def _check_order(window: DateWindow, loc: str) -> DateWindow:
    start, end = window.start_ms, window.end_ms
    if start is not None and end is not None and start > end:
        raise _bad(loc, "the start of the date range is after its end")
    return window


def parse_search_date_range(raw: Any, *, loc: str = "dateRange") -> DateWindow | None:
    """The strict search shape `{"start_time": ISO, "end_time": ISO}`: both keys required,
    no other keys, both bounds inclusive. None/absent -> None (no window)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _bad(loc, "expected an object {start_time, end_time}")
    extra = sorted(set(raw) - {"start_time", "end_time"})
    if extra:
        raise _bad(
            loc, f"unknown key(s) {', '.join(map(repr, extra))}; allowed: start_time, end_time"
        )
    missing = [key for key in ("start_time", "end_time") if key not in raw]
    if missing:
        raise _bad(loc, f"missing required key(s): {', '.join(missing)}")
    bounds: list[int] = []
    for key in ("start_time", "end_time"):
        value = raw[key]
        if not isinstance(value, str):
            raise _bad(f"{loc}.{key}", f"expected an ISO-8601 string, got {json_kind(value)}")
        bounds.append(parse_time_ms(value, loc=f"{loc}.{key}", end_of_day=key == "end_time"))
    return _check_order(DateWindow(start_ms=bounds[0], end_ms=bounds[1]), loc)


def _repr_string_to_dict(text: str, loc: str) -> dict[str, Any]:
    pos = 0
    result: dict[str, Any] = {}
    while pos < len(text.rstrip()):
        match = _REPR_PAIR_RE.match(text, pos)
        if match is None:
            raise _bad(loc, f"cannot read a date range from the string {text!r}")
        key = match.group(1)
        result[key] = next(g for g in match.groups()[1:] if g is not None)
        pos = match.end()
    return result


def parse_export_date_range(raw: Any, *, now_ms: int, loc: str = "dateRange") -> DateWindow | None:
    """The lenient export shapes: `{"$gte","$lte"}`, `{"gte","lte"}`, `{"start_time","end_time"}`
    (bounds ISO-8601 or epoch ms, either may be missing) or `{"relative": "7d"}`. A string in
    the Python-repr form `gte='…' lte='…'` is read too. Unknown keys are rejected."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = _repr_string_to_dict(raw, loc)
    if not isinstance(raw, dict):
        raise _bad(loc, "expected an object such as {$gte, $lte}, {gte, lte} or {relative}")
    extra = sorted(set(raw) - set(_EXPORT_KEYS))
    if extra:
        raise _bad(
            loc, f"unknown key(s) {', '.join(map(repr, extra))}; allowed: {', '.join(_EXPORT_KEYS)}"
        )
    if "relative" in raw:
        others = sorted(k for k in raw if k != "relative")
        if others:
            raise _bad(loc, f"'relative' cannot be combined with {', '.join(others)}")
        return parse_relative(raw["relative"], now_ms=now_ms, loc=f"{loc}.relative")
    start_keys = [k for k in _START_KEYS if k in raw]
    end_keys = [k for k in _END_KEYS if k in raw]
    for keys in (start_keys, end_keys):
        if len(keys) > 1:
            raise _bad(loc, f"conflicting bounds {', '.join(keys)}; give only one of them")
    start = None
    end = None
    if start_keys and raw[start_keys[0]] is not None:
        start = parse_time_ms(raw[start_keys[0]], loc=f"{loc}.{start_keys[0]}")
    if end_keys and raw[end_keys[0]] is not None:
        end = parse_time_ms(raw[end_keys[0]], loc=f"{loc}.{end_keys[0]}", end_of_day=True)
    return _check_order(DateWindow(start_ms=start, end_ms=end), loc)
