"""Building a session's event tree from parent links, with rollups on the root."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

# Numeric metadata keys summed over the session's events onto the root.
ROLLUP_METADATA_KEYS: Final[tuple[str, ...]] = (
    "cost",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
)


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def build_session_tree(
    session: Mapping[str, Any], events: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """The session event with every other event of the session nested under `children`
    (by `parent_id`; an event whose parent is not in the session hangs off the root),
    children ordered by start_time then event_id. The root gets `num_events`,
    `num_model_events` and the sums of ROLLUP_METADATA_KEYS over its events."""
    root: dict[str, Any] = {**session, "children": []}
    nodes: dict[str, dict[str, Any]] = {}
    ordered = sorted(
        (e for e in events if e["event_id"] != session["event_id"]),
        key=lambda e: (e["start_time"], e["event_id"]),
    )
    for event in ordered:
        nodes[event["event_id"]] = {**event, "children": []}
    cyclic = _on_cycles(nodes)
    for node in nodes.values():
        parent = nodes.get(node["parent_id"] or "")
        if parent is None or node["event_id"] in cyclic:
            root["children"].append(node)
        else:
            parent["children"].append(node)
    totals: dict[str, float | int] = {key: 0 for key in ROLLUP_METADATA_KEYS}
    for node in nodes.values():
        metadata = node.get("metadata") or {}
        for key in ROLLUP_METADATA_KEYS:
            value = _number(metadata.get(key))
            if value is not None:
                totals[key] += value
    root["num_events"] = len(nodes)
    root["num_model_events"] = sum(1 for n in nodes.values() if n["event_type"] == "model")
    root.update(totals)
    return root


def _on_cycles(nodes: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Ids of the events whose parent chain leads back to themselves: attached under their
    parent they would never be reached from the root. Each event is walked once (O(n))."""
    walking, done = 1, 2
    state: dict[str, int] = {}
    cyclic: set[str] = set()
    for start in nodes:
        path: list[str] = []
        current = start
        while current in nodes and current not in state:
            state[current] = walking
            path.append(current)
            current = nodes[current]["parent_id"] or ""
        if state.get(current) == walking:
            cyclic.update(path[path.index(current) :])
        for event_id in path:
            state[event_id] = done
    return cyclic
