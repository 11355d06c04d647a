"""Laying out a session tree for the trace browser: tree order, depth, waterfall bars."""

from __future__ import annotations

from app.domain.session_tree import build_session_tree
from app.domain.trace_view import format_duration, layout_trace


def event(event_id: str, parent: str | None, start: int, **extra: object) -> dict[str, object]:
    return {
        "event_id": event_id,
        "session_id": "s",
        "parent_id": parent,
        "event_type": extra.pop("event_type", "tool"),
        "event_name": event_id,
        "start_time": start,
        "end_time": extra.pop("end_time", None),
        "duration": extra.pop("duration", None),
        "metadata": None,
        **extra,
    }


def test_layout_is_depth_first_with_children_in_start_order() -> None:
    session = event("s", None, 1000, event_type="session")
    events = [
        session,
        event("late-child", "a", 1060, duration=10),
        event("a", "s", 1000, duration=100),
        event("early-child", "a", 1010, end_time=1030),
        event("b", "s", 1100, duration=100),
        event("orphan", "missing", 1150),
    ]
    trace = layout_trace(build_session_tree(session, events))
    rows = [(r.event["event_id"], r.depth, r.parent_id, r.num_children) for r in trace.rows]
    assert rows == [
        ("s", 0, None, 3),
        ("a", 1, "s", 2),
        ("early-child", 2, "a", 0),
        ("late-child", 2, "a", 0),
        ("b", 1, "s", 0),
        ("orphan", 1, "s", 0),
    ]
    assert trace.start_ms == 1000 and trace.span_ms == 200
    by_id = {r.event["event_id"]: r for r in trace.rows}
    assert (by_id["a"].offset_pct, by_id["a"].width_pct) == (0, 50)
    assert (by_id["b"].offset_pct, by_id["b"].width_pct) == (50, 50)
    assert (by_id["early-child"].offset_pct, by_id["early-child"].width_pct) == (5, 10)
    assert by_id["early-child"].duration_ms == 20
    # An instant event still gets a visible bar; the session spans its events.
    assert by_id["orphan"].width_pct > 0 and by_id["s"].duration_ms == 200
    assert trace.ticks[0] == (0, "0 ms") and trace.ticks[-1][0] <= 100


def test_a_deep_chain_does_not_recurse() -> None:
    session = event("s", None, 0, event_type="session")
    chain = [event(f"e{i}", f"e{i - 1}" if i else "s", i) for i in range(1500)]
    trace = layout_trace(build_session_tree(session, [session, *chain]))
    assert trace.rows[-1].depth == 1500


def test_durations_read_well() -> None:
    assert [format_duration(ms) for ms in (0, 0.25, 12, 999, 1500, 125_000, 7_500_000)] == [
        "0 ms",
        "0.2 ms",
        "12 ms",
        "999 ms",
        "1.50 s",
        "2 min 5 s",
        "2 h 5 min",
    ]
