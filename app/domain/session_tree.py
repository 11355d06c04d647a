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
    for node in nodes.values():
        parent = nodes.get(node["parent_id"] or "")
        if parent is None or _is_ancestor(node, parent, nodes):
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


def _is_ancestor(
    node: Mapping[str, Any], candidate: Mapping[str, Any], nodes: Mapping[str, Mapping[str, Any]]
) -> bool:
    """True when attaching `node` under `candidate` would close a cycle."""
    seen: set[str] = set()
    current: Mapping[str, Any] | None = candidate
    while current is not None and current["event_id"] not in seen:
        if current["event_id"] == node["event_id"]:
            return True
        seen.add(current["event_id"])
        current = nodes.get(current["parent_id"] or "")
    return False
