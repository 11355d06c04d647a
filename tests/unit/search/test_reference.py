"""The pure reference model of search: path resolution, matching, order, paging, count."""

from __future__ import annotations

from typing import Any

import pytest

from app.search.daterange import DateWindow
from app.search.filters import parse_filters
from app.search.reference import matches, reference_search, resolve_path


def ev(event_id: str, start_time: int, **fields: Any) -> dict[str, Any]:
    return {"event_id": event_id, "start_time": start_time, **fields}


EVENTS = [
    ev("a", 10, metadata={"n": 1}),
    ev("c", 20, metadata={"n": 2}),
    ev("b", 20, metadata={"n": "2"}),
    ev("B", 20),
    ev("é", 20, metadata={"n": 3}),
    ev("z", 5, metadata={"n": 2.0}),
]


def ids(found: list[dict[str, Any]]) -> list[str]:
    return [e["event_id"] for e in found]


def test_order_is_start_time_desc_then_event_id_desc_by_code_point() -> None:
    found, count = reference_search(EVENTS, [], None, limit=100, page=1)
    assert ids(found) == ["é", "c", "b", "B", "a", "z"]
    assert count == 6


def test_paging_and_count_before_paging() -> None:
    pages = [reference_search(EVENTS, [], None, limit=4, page=p) for p in (1, 2, 3)]
    assert [ids(found) for found, _ in pages] == [["é", "c", "b", "B"], ["a", "z"], []]
    assert {count for _, count in pages} == {6}


def test_window_is_inclusive_on_start_time() -> None:
    found, count = reference_search(EVENTS, [], DateWindow(10, 20), limit=100, page=1)
    assert ids(found) == ["é", "c", "b", "B", "a"] and count == 5
    found, _ = reference_search(EVENTS, [], DateWindow(None, 10), limit=100, page=1)
    assert ids(found) == ["a", "z"]
    found, _ = reference_search(EVENTS, [], DateWindow(11, None), limit=100, page=1)
    assert ids(found) == ["é", "c", "b", "B"]


def test_filters_are_anded_and_typed() -> None:
    filters = parse_filters(
        [
            {"field": "metadata.n", "operator": "is", "value": "2", "type": "number"},
            {"field": "start_time", "operator": "after", "value": 6},
        ],
        strict=True,
    )
    found, count = reference_search(EVENTS, filters, None, limit=100, page=1)
    assert ids(found) == ["c"] and count == 1
    only_number = parse_filters(
        [{"field": "metadata.n", "operator": "is", "value": 2}], strict=True
    )
    assert ids(reference_search(EVENTS, only_number, None, 100, 1)[0]) == ["c", "z"]


def test_limit_and_page_must_be_positive() -> None:
    with pytest.raises(ValueError):
        reference_search(EVENTS, [], None, limit=0, page=1)
    with pytest.raises(ValueError):
        reference_search(EVENTS, [], None, limit=1, page=0)


def test_resolve_path() -> None:
    doc = {"a": [10, {"k": "v"}], "0": "key-zero", "n": None, "+1": 1}
    assert resolve_path(doc, ["a", "0"]) == 10
    assert resolve_path(doc, ["a", "01"]) == {"k": "v"}
    assert resolve_path(doc, ["a", "1", "k"]) == "v"
    assert resolve_path(doc, ["0"]) == "key-zero"
    assert resolve_path(doc, ["n"]) is None
    assert resolve_path(doc, ["+1"]) == 1
    missing = resolve_path(doc, ["a", "2"])
    assert missing is resolve_path(doc, ["a", "-1"]) is resolve_path(doc, ["a", "+1"])
    assert missing is resolve_path(doc, ["a", "0", "x"]) is resolve_path(None, ["a"])
    assert missing is not None


@pytest.mark.parametrize(
    ("raw", "event", "expected"),
    [
        ({"field": "metadata.x", "operator": "is not", "value": 1}, {}, True),
        (
            {"field": "metadata.x", "operator": "is not", "value": 1},
            {"metadata": {"x": 1.0}},
            False,
        ),
        (
            {"field": "metadata.x", "operator": "not contains", "value": "a"},
            {"metadata": {"x": 5}},
            True,
        ),
        (
            {"field": "metadata.x", "operator": "greater than", "value": 0},
            {"metadata": {"x": True}},
            False,
        ),
        ({"field": "metadata.x", "operator": "is", "value": 1}, {"metadata": {"x": True}}, False),
        ({"field": "metadata.x", "operator": "is", "value": True}, {"metadata": {"x": 1}}, False),
        ({"field": "metadata.x", "operator": "exists"}, {"metadata": {"x": None}}, False),
        ({"field": "metadata.x", "operator": "exists"}, {"metadata": {"x": []}}, True),
        (
            {"field": "metadata.x", "operator": "contains", "value": "SS"},
            {"metadata": {"x": "ß"}},
            False,
        ),
        (
            {"field": "metadata.x", "operator": "contains", "value": "ẞ"},
            {"metadata": {"x": "aßb"}},
            True,
        ),
        (
            {"field": "metadata.x", "operator": "contains", "value": "%"},
            {"metadata": {"x": "a_b"}},
            False,
        ),
        (
            {"field": "children_ids", "operator": "is", "value": "c"},
            {"children_ids": ["b", "c"]},
            True,
        ),
        ({"field": "children_ids", "operator": "exists"}, {"children_ids": [1]}, False),
        ({"field": "children_ids", "operator": "not exists"}, {"children_ids": []}, True),
        ({"field": "error", "operator": "exists"}, {"error": ""}, True),
        ({"field": "error", "operator": "is not", "value": "x"}, {}, True),
        ({"field": "end_time", "operator": "before", "value": 5}, {"end_time": None}, False),
        ({"field": "duration", "operator": "is", "value": 2}, {"duration": 2.0}, True),
    ],
)
def test_matches(raw: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert matches(event, parse_filters([raw], strict=True)[0]) is expected
