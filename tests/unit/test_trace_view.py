"""The trace browser's pure parts: tree layout, conversations, and the view's URL."""

from __future__ import annotations

from starlette.datastructures import QueryParams

from app.domain.session_tree import build_session_tree
from app.domain.trace_view import format_duration, layout_trace
from app.ui.present import conversation, fmt_cost, fmt_time, tokens_of
from app.ui.query import parse_view_query


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


def test_durations_and_money_read_well() -> None:
    assert [format_duration(ms) for ms in (0, 0.25, 12, 999, 1500, 125_000, 7_500_000)] == [
        "0 ms",
        "0.2 ms",
        "12 ms",
        "999 ms",
        "1.50 s",
        "2 min 5 s",
        "2 h 5 min",
    ]
    assert fmt_cost(0.00042) == "$0.0004" and fmt_cost(1234.5) == "$1,234.50"
    assert fmt_cost(0) == fmt_cost(None) == fmt_cost(True) == "\u2013"
    assert fmt_time(1_700_000_000_123) == "2023-11-14 22:13:20.123"
    assert tokens_of({"total_tokens": 0, "prompt_tokens": 3, "completion_tokens": 4}) == 7


def test_conversation_from_chat_history_or_messages_with_the_reply() -> None:
    chat = [
        {"role": "system", "content": "be brief"},
        {
            "role": "user",
            "content": [{"type": "text", "text": "hi"}, {"type": "text", "text": "there"}],
        },
    ]
    found = conversation(
        {"inputs": {"chat_history": chat}, "outputs": {"role": "assistant", "content": "hello"}}
    )
    assert found == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi\nthere"},
        {"role": "assistant", "content": "hello"},
    ]
    openai_reply = {"choices": [{"message": {"role": "assistant", "content": "ok"}}]}
    assert conversation({"inputs": {"messages": chat[:1]}, "outputs": openai_reply}) == [
        {"role": "system", "content": "be brief"},
        {"role": "assistant", "content": "ok"},
    ]
    # Not a transcript: no conversation view.
    assert conversation({"inputs": {"messages": ["hi"]}}) is None
    assert conversation({"inputs": {"chat_history": []}}) is None
    assert conversation({"inputs": None}) is None


def test_view_query_round_trips_through_the_url() -> None:
    params = QueryParams(
        "field=metadata.cost&op=greater+than&value=0.5&type=number"
        "&field=&op=is&value=&type="  # an empty row is dropped
        "&field=event_name&op=exists&value=ignored&type="
        "&range=custom&from=2026-01-01T00:00&to=2026-01-02T00:00&page=3"
    )
    view = parse_view_query(params, now_ms=0)
    assert view.errors == []
    assert [(f.field.name, f.operator, f.value) for f in view.filters] == [
        ("metadata.cost", "greater than", 0.5),
        ("event_name", "exists", None),
    ]
    assert view.window is not None and view.window.start_ms == 1_767_225_600_000
    assert view.page == 3
    again = parse_view_query(QueryParams(view.query_string()), now_ms=0)
    assert again.rows == view.rows and again.window == view.window and again.page == 3
    assert "page=4" in view.query_string(page=4)

    relative = parse_view_query(QueryParams("range=1h"), now_ms=10_000_000)
    assert relative.window is not None and relative.window.start_ms == 10_000_000 - 3_600_000
    assert parse_view_query(QueryParams("range=bogus"), now_ms=0).range == "all"
