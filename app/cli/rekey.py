"""Giving a set of events new ids, consistently: what `create-batch --new-ids` sends.

Every event_id and session_id in the set gets a new UUID; each reference to one of them
(`event_id`, `session_id`, `parent_id`, `children_ids`) is rewritten with the same new id,
so a copy keeps its trees and sessions (and a session event keeps event_id == session_id).
A `parent_id` or child id that names an event outside the set is left as it is. An `inputs`
of null (how a session started without inputs is exported) is sent as {}, because creating
an event requires an object there."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any


def with_new_ids(
    events: Sequence[dict[str, Any]], new_id: Callable[[], str] = lambda: str(uuid.uuid4())
) -> list[dict[str, Any]]:
    mapping: dict[str, str] = {}
    for event in events:
        for key in ("event_id", "session_id"):
            old = event.get(key)
            if isinstance(old, str) and old not in mapping:
                mapping[old] = new_id()

    def renamed(value: Any) -> Any:
        return mapping.get(value, value) if isinstance(value, str) else value

    copies = []
    for event in events:
        copy = dict(event)
        for key in ("event_id", "session_id", "parent_id"):
            if key in copy:
                copy[key] = renamed(copy[key])
        if "inputs" in copy and copy["inputs"] is None:
            copy["inputs"] = {}
        if isinstance(copy.get("children_ids"), list):
            copy["children_ids"] = [renamed(child) for child in copy["children_ids"]]
        copies.append(copy)
    return copies
