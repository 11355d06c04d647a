"""Storing one OTLP export inside an open transaction: the same statements whether the
export commits alone (``EventService.ingest_spans``) or in a group of small writes
(``GroupCommitter.ingest_spans``)."""

from __future__ import annotations

from collections.abc import Sequence

from app.domain.records import EventRecord
from app.otlp.linking import chosen_ids, parents_to_look_up
from app.repository.events import EventRepository


async def store_spans(
    repo: EventRepository,
    project_id: str,
    events: Sequence[EventRecord],
    sessions: Sequence[EventRecord] = (),
) -> None:
    """Insert the sessions that do not exist yet and the mapped spans (an id that exists is
    left as it is), and resolve parent links to spans that chose their own event id in both
    directions: a child whose parent was stored earlier, and children stored before such a
    parent. ``events`` is not modified (a retried transaction starts from it again)."""
    records = list(events)
    lookups = parents_to_look_up(records)
    session_ids = sorted({r["session_id"] for r in records})
    if lookups:
        found = await repo.find_spans(
            project_id, session_ids, sorted({span for _, span in lookups})
        )
        for trace, span, event_id in found:
            for index in lookups.get((trace, span), ()):
                records[index] = {**records[index], "parent_id": event_id}
    await repo.insert_many([*sessions, *records])
    await repo.repoint_parents(project_id, session_ids, chosen_ids(records))
