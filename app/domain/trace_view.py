"""A session tree laid out for display: rows in tree order with depth and waterfall position."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

# A bar is never drawn narrower than this share of the timeline (so instant events show).
MIN_BAR_PCT: Final[float] = 0.4
# About this many labelled ticks on the time axis.
TICK_COUNT: Final[int] = 5
_NICE_STEPS_MS: Final[tuple[float, ...]] = (*(m * 10**e for e in range(-1, 7) for m in (1, 2, 5)),)


@dataclass(frozen=True, slots=True)
class TraceRow:
    # The tree node itself (its `children` included; rows are what a view walks).
    event: Mapping[str, Any]
    depth: int
    parent_id: str | None
    num_children: int
    offset_pct: float
    width_pct: float
    duration_ms: float


@dataclass(frozen=True, slots=True)
class Trace:
    rows: list[TraceRow]
    start_ms: int
    span_ms: float
    ticks: list[tuple[float, str]]


def event_end_ms(event: Mapping[str, Any]) -> float:
    """When an event ended: start_time + duration (the duration shown beside its bar),
    else end_time, else its start."""
    if event.get("duration") is not None:
        return float(event["start_time"]) + float(event["duration"])
    if event.get("end_time") is not None:
        return float(event["end_time"])
    return float(event["start_time"])


def format_duration(ms: float) -> str:
    """A short human duration: 850 ms, 1.25 s, 3 min 5 s, 2 h 4 min."""
    if ms < 1000:
        return f"{ms:.0f} ms" if ms >= 10 or ms == int(ms) else f"{ms:.1f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f} s"
    if ms < 3_600_000:
        return f"{int(ms // 60_000)} min {int(ms % 60_000 // 1000)} s"
    return f"{int(ms // 3_600_000)} h {int(ms % 3_600_000 // 60_000)} min"


def _ticks(span_ms: float) -> list[tuple[float, str]]:
    step = next((s for s in _NICE_STEPS_MS if span_ms / s <= TICK_COUNT), _NICE_STEPS_MS[-1])
    ticks: list[tuple[float, str]] = []
    at = 0.0
    while at <= span_ms + 1e-9 and len(ticks) <= TICK_COUNT * 3:
        ticks.append((100 * at / span_ms, format_duration(at)))
        at += step
    return ticks


def layout_trace(tree: Mapping[str, Any]) -> Trace:
    """Rows of a session tree (as `build_session_tree` returns it) in depth-first order,
    children in their stored order, each with its bar's offset and width in percent of
    the time from the earliest start to the latest end."""
    flat: list[tuple[Mapping[str, Any], int, str | None]] = []
    stack: list[tuple[Mapping[str, Any], int, str | None]] = [(tree, 0, None)]
    while stack:
        node, depth, parent = stack.pop()
        flat.append((node, depth, parent))
        for child in reversed(node.get("children") or ()):
            stack.append((child, depth + 1, node["event_id"]))
    start = min(int(node["start_time"]) for node, _, _ in flat)
    end = max(event_end_ms(node) for node, _, _ in flat)
    span = max(end - start, 1.0)
    rows: list[TraceRow] = []
    for node, depth, parent in flat:
        node_start = float(node["start_time"])
        duration = max(event_end_ms(node) - node_start, 0.0)
        if depth == 0 and node.get("duration") is None:
            duration = end - node_start  # a session without a duration spans its events
        offset = 100 * (node_start - start) / span
        width = max(100 * duration / span, MIN_BAR_PCT)
        rows.append(
            TraceRow(
                event=node,
                depth=depth,
                parent_id=parent,
                num_children=len(node.get("children") or ()),
                offset_pct=round(min(offset, 100 - MIN_BAR_PCT), 3),
                width_pct=round(min(width, 100 - min(offset, 100 - MIN_BAR_PCT)), 3),
                duration_ms=duration,
            )
        )
    return Trace(rows=rows, start_ms=start, span_ms=span, ticks=_ticks(span))
