"""The rule that decides which searches the event counters count, and the split of a date
window into whole hours (counters) and partial edges (events): pure, checked by simulation."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from app.search.counting import HOUR_MS, CountPlan, count_plan
from app.search.daterange import DateWindow
from app.search.filters import parse_filters
from app.search.query import SearchQuery

TYPES = ("model", "tool", "chain", "session")


def _query(filters: list[dict[str, object]], window: DateWindow | None = None) -> SearchQuery:
    return SearchQuery(filters=tuple(parse_filters(filters, strict=True)), window=window)


def _type_is(value: str) -> dict[str, object]:
    return {"field": "event_type", "operator": "is", "value": value, "type": "string"}


def test_no_filter_and_no_window_is_the_whole_project_from_the_counters() -> None:
    assert count_plan(_query([])) == CountPlan(None, (None, None), ())


def test_event_type_is_counts_that_type() -> None:
    plan = count_plan(_query([_type_is("model")]))
    assert plan == CountPlan("model", (None, None), ())


def test_the_same_event_type_twice_is_still_countable_two_types_are_not() -> None:
    assert count_plan(_query([_type_is("tool"), _type_is("tool")])) is not None
    assert count_plan(_query([_type_is("tool"), _type_is("model")])) is None


def test_other_filters_are_counted_from_the_events() -> None:
    others: list[dict[str, object]] = [
        {"field": "event_type", "operator": "is not", "value": "model"},
        {"field": "event_type", "operator": "contains", "value": "mod"},
        {"field": "event_name", "operator": "is", "value": "model"},
        {"field": "metadata.event_type", "operator": "is", "value": "model"},
        {"field": "error", "operator": "exists"},
        {"field": "start_time", "operator": "greater than", "value": 5, "type": "number"},
    ]
    for other in others:
        assert count_plan(_query([other])) is None, other
        assert count_plan(_query([_type_is("model"), other])) is None, other


def test_a_window_on_whole_hours_has_no_edges() -> None:
    window = DateWindow(10 * HOUR_MS, 34 * HOUR_MS - 1)
    assert count_plan(_query([], window)) == CountPlan(None, (10, 33), ())


def test_a_window_inside_one_hour_is_counted_from_the_events_alone() -> None:
    window = DateWindow(10 * HOUR_MS + 5, 10 * HOUR_MS + 99)
    plan = count_plan(_query([_type_is("tool")], window))
    assert plan == CountPlan("tool", None, ((window.start_ms, window.end_ms),))


def test_open_sides_have_no_edge() -> None:
    plan = count_plan(_query([], DateWindow(None, 5 * HOUR_MS + 7)))
    assert plan == CountPlan(None, (None, 4), ((5 * HOUR_MS, 5 * HOUR_MS + 7),))
    plan = count_plan(_query([], DateWindow(-HOUR_MS - 1, None)))
    assert plan == CountPlan(None, (-1, None), ((-HOUR_MS - 1, -HOUR_MS - 1),))


def _simulate(plan: CountPlan, rows: list[tuple[str, int]]) -> int:
    """What the repository computes: counters (per type and hour) over the plan's hours, plus
    the rows of the edges."""
    counters = Counter((kind, start // HOUR_MS) for kind, start in rows)
    total = 0
    if plan.hours is not None:
        first, last = plan.hours
        for (kind, hour), n in counters.items():
            if plan.event_type is not None and kind != plan.event_type:
                continue
            if (first is None or hour >= first) and (last is None or hour <= last):
                total += n
    for low, high in plan.edges:
        total += sum(
            1
            for kind, start in rows
            if (plan.event_type is None or kind == plan.event_type)
            and (low is None or start >= low)
            and (high is None or start <= high)
        )
    return total


times = st.integers(min_value=-3 * HOUR_MS, max_value=6 * HOUR_MS)


@settings(max_examples=400, deadline=None)
@given(
    rows=st.lists(st.tuples(st.sampled_from(TYPES), times), max_size=60),
    start=st.one_of(st.none(), times),
    end=st.one_of(st.none(), times),
    event_type=st.one_of(st.none(), st.sampled_from(TYPES)),
    near_hour=st.booleans(),
)
def test_hours_and_edges_count_exactly_the_window(
    rows: list[tuple[str, int]],
    start: int | None,
    end: int | None,
    event_type: str | None,
    near_hour: bool,
) -> None:
    if near_hour:  # bounds on and next to hour boundaries are the interesting ones
        start = None if start is None else start // HOUR_MS * HOUR_MS
        end = None if end is None else end // HOUR_MS * HOUR_MS - 1
    if start is not None and end is not None and start > end:
        start, end = end, start
    window = None if start is None and end is None else DateWindow(start, end)
    filters = [] if event_type is None else [_type_is(event_type)]
    plan = count_plan(_query(filters, window))
    assert plan is not None
    expected = sum(
        1
        for kind, at in rows
        if (event_type is None or kind == event_type) and (window is None or window.contains(at))
    )
    assert _simulate(plan, rows) == expected
    # The edges are partial hours: never more than two, each inside one hour.
    assert len(plan.edges) <= 2
    if plan.hours is not None:
        for low, high in plan.edges:
            assert low is not None and high is not None
            assert low // HOUR_MS == high // HOUR_MS
