"""Reading a trace-browser view (filter rows, window, page) from its URL, and back."""

from __future__ import annotations

from starlette.datastructures import QueryParams

from app.ui.query import parse_view_query


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
