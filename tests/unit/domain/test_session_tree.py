"""app/domain/session_tree.py: nesting a session's events and the rollups on its root."""

from __future__ import annotations

from typing import Any

from app.domain.session_tree import build_session_tree


def event(event_id: str, parent: str | None, start: int, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "parent_id": parent,
        "start_time": start,
        "event_type": extra.pop("event_type", "chain"),
        "metadata": extra.pop("metadata", None),
        **extra,
    }


SESSION = event("s", None, 0, event_type="session")


def ids(node: dict[str, Any]) -> list[Any]:
    return [[child["event_id"], ids(child)] for child in node["children"]]


def test_children_nest_by_parent_in_start_order() -> None:
    events = [
        SESSION,
        event("b", "s", 20),
        event("a", "s", 10),
        event("a2", "a", 12),
        event("a1", "a", 11),
        event("tie-y", "s", 30),
        event("tie-x", "s", 30),
    ]
    tree = build_session_tree(SESSION, events)
    assert ids(tree) == [
        ["a", [["a1", []], ["a2", []]]],
        ["b", []],
        ["tie-x", []],
        ["tie-y", []],
    ]


def test_orphans_and_cycles_hang_off_the_root() -> None:
    events = [SESSION, event("o", "missing", 1), event("x", "y", 2), event("y", "x", 3)]
    tree = build_session_tree(SESSION, events)
    # Both members of a cycle are shown at the top: nothing is lost or nested forever.
    assert ids(tree) == [["o", []], ["x", []], ["y", []]]


def test_rollups_sum_numeric_metadata_and_count_events() -> None:
    events = [
        SESSION,
        event("m1", "s", 1, event_type="model", metadata={"cost": 0.5, "total_tokens": 10}),
        event("m2", "s", 2, event_type="model", metadata={"cost": 0.25, "prompt_tokens": True}),
        event("t", "s", 3, event_type="tool", metadata={"cost": "free"}),
    ]
    tree = build_session_tree(SESSION, events)
    assert tree["num_events"] == 3
    assert tree["num_model_events"] == 2
    assert tree["cost"] == 0.75
    assert tree["total_tokens"] == 10
    assert tree["prompt_tokens"] == 0  # booleans are not numbers
    assert tree["completion_tokens"] == 0


def test_a_self_parent_and_a_chain_into_a_cycle() -> None:
    events = [SESSION, event("self", "self", 1), event("x", "y", 2), event("y", "x", 3)]
    events.append(event("tail", "x", 4))  # points into the cycle, is not on it
    tree = build_session_tree(SESSION, events)
    assert ids(tree) == [["self", []], ["x", [["tail", []]]], ["y", []]]


def test_a_deep_chain_nests_fully() -> None:
    chain = [SESSION] + [event(f"e{i}", f"e{i - 1}" if i else "s", i) for i in range(3000)]
    tree = build_session_tree(SESSION, chain)
    depth, node = 0, tree
    while node["children"]:
        (node,) = node["children"]
        depth += 1
    assert depth == 3000
