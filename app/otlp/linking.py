"""Parent links of spans whose parent carries a chosen event id (`honeyhive_event_id`).

A child names its parent by the parent's span id; the mapping turns that into the parent's
derived event id, which is wrong when the parent chose its own id and is not in the same
batch. These pure functions say which links to look up before inserting a batch, and which
stored links to repoint after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.domain.records import EventRecord
from app.otlp.mapping import span_event_id

SpanKey = tuple[str, str]  # (trace id, span id), lowercase hex


def _span_ids(record: EventRecord) -> tuple[str, str, str | None] | None:
    metadata: dict[str, Any] = record["metadata"] or {}
    trace, span, parent = (
        metadata.get("trace_id"),
        metadata.get("span_id"),
        metadata.get("parent_span_id"),
    )
    if not isinstance(trace, str) or not isinstance(span, str):
        return None
    return trace, span, parent if isinstance(parent, str) else None


def parents_to_look_up(records: Sequence[EventRecord]) -> dict[SpanKey, list[int]]:
    """Children (by index) whose parent span is not in this batch, by parent span."""
    in_batch = {r["event_id"] for r in records}
    wanted: dict[SpanKey, list[int]] = {}
    for index, record in enumerate(records):
        ids = _span_ids(record)
        if ids is None:
            continue
        trace, _, parent_span = ids
        if parent_span is None:
            continue
        derived = span_event_id(trace, parent_span)
        if record["parent_id"] == derived and derived not in in_batch:
            wanted.setdefault((trace, parent_span), []).append(index)
    return wanted


def chosen_ids(records: Sequence[EventRecord]) -> list[tuple[str, str]]:
    """``(derived id, chosen id)`` of spans that chose their own event id: children stored
    earlier point at the derived id and must be repointed."""
    pairs: list[tuple[str, str]] = []
    for record in records:
        ids = _span_ids(record)
        if ids is None:
            continue
        derived = span_event_id(ids[0], ids[1])
        if record["event_id"] != derived:
            pairs.append((derived, record["event_id"]))
    return pairs
