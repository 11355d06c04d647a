"""Use cases that write and read events and sessions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, NamedTuple

from app.clock import now_ms
from app.db.engine import Database
from app.db.retry import retry_conflicts
from app.domain.defaults import as_outputs, build_event, build_session
from app.domain.merge import plan_update
from app.domain.projects import Project
from app.domain.records import EventRecord
from app.errors import NotFound
from app.repository.events import EventRepository
from app.services.group_commit import GroupCommitter
from app.services.span_store import store_spans
from app.services.telemetry import NoTelemetry, Telemetry

# The largest OTLP export (spans plus new session events) that joins the group commit: an
# exporter sending a span or a few at a time (a simple span processor, a quiet service)
# then shares commits like single writes do; larger exports are batches of their own.
GROUPED_SPANS_MAX: Final[int] = 32


class BatchOutcome(NamedTuple):
    """What a batch did: the event ids in request order, the shared session id (if any),
    and how many events were new; the others had an event_id that existed already (or
    repeated one earlier in the batch) and were left as they were (first write wins)."""

    event_ids: list[str]
    session_id: str | None
    created: int

    @property
    def already_existed(self) -> int:
        return len(self.event_ids) - self.created


class EventService:
    """Single writes (create, update, session start) and small OTLP exports go through the
    process's group committer (app/services/group_commit.py); batches and larger OTLP
    exports are one transaction of their own."""

    def __init__(
        self,
        db: Database,
        telemetry: Telemetry | None = None,
        *,
        conflict_retries: int = 4,
        writes: GroupCommitter | None = None,
    ) -> None:
        self.db = db
        self.telemetry: Telemetry = telemetry or NoTelemetry()
        self.conflict_retries = conflict_retries
        self.writes = writes or GroupCommitter(
            db, conflict_retries=conflict_retries, telemetry=self.telemetry
        )

    async def create(self, project: Project, fields: Mapping[str, Any]) -> str:
        """Store one event; an existing event_id is left as it is (first write wins)."""
        record = build_event(fields, project_id=project.id, now_ms=now_ms())
        await self.writes.create(record)
        self.telemetry.events_ingested(1)
        return record["event_id"]

    async def create_batch(
        self,
        project: Project,
        items: Sequence[Mapping[str, Any]],
        *,
        single_session: bool = False,
        session_fields: Mapping[str, Any] | None = None,
        session_id: str | None = None,
    ) -> BatchOutcome:
        """Store events in one transaction and one insert. With ``single_session`` one
        session event is created from ``session_fields`` and every event joins it; a
        given ``session_id`` (session-scoped routes) overrides each event's."""
        at = now_ms()
        session: EventRecord | None = None
        if single_session:
            session = build_session(session_fields or {}, project_id=project.id, now_ms=at)
            session_id = session["session_id"]
        records = [
            build_event(item, project_id=project.id, now_ms=at, session_id=session_id)
            for item in items
        ]

        async def write() -> int:
            async with self.db.transaction(write=True) as conn:
                repo = EventRepository(conn)
                if session is not None:
                    await repo.upsert_session(session)
                return await repo.insert_many(records)

        created = await retry_conflicts(write, retries=self.conflict_retries)
        self.telemetry.events_ingested(len(records) + (session is not None))
        return BatchOutcome([r["event_id"] for r in records], session_id, created)

    async def ingest_spans(
        self,
        project: Project,
        events: Sequence[EventRecord],
        sessions: Sequence[EventRecord] = (),
    ) -> None:
        """Store mapped OTLP spans (app/services/span_store.py). An export of at most
        GROUPED_SPANS_MAX rows joins the group commit with the other small writes; a larger
        one is a transaction of its own (it is a batch already)."""
        if len(events) + len(sessions) <= GROUPED_SPANS_MAX:
            await self.writes.ingest_spans(project.id, events, sessions)
        else:

            async def write() -> None:
                async with self.db.transaction(write=True) as conn:
                    await store_spans(EventRepository(conn), project.id, events, sessions)

            await retry_conflicts(write, retries=self.conflict_retries)
        self.telemetry.events_ingested(len(events) + len(sessions))

    async def update(self, project: Project, event_id: str, fields: Mapping[str, Any]) -> None:
        changes = plan_update({**fields, "outputs": as_outputs(fields.get("outputs"))})
        if not await self.writes.update(project.id, event_id, changes):
            raise NotFound(f"Event not found: {event_id}")

    async def get(self, project: Project, event_id: str) -> EventRecord:
        async with self.db.transaction(write=False) as conn:
            record = await EventRepository(conn).get(project.id, event_id)
        if record is None:
            raise NotFound(f"Event not found: {event_id}")
        return record

    async def get_session(self, project: Project, session_id: str) -> EventRecord:
        """The session event ``session_id``; NotFound when absent or not a session."""
        async with self.db.transaction(write=False) as conn:
            record = await EventRepository(conn).get(project.id, session_id)
        if record is None or record["event_type"] != "session":
            raise NotFound(f"Session not found: {session_id}")
        return record

    async def start_session(self, project: Project, fields: Mapping[str, Any]) -> EventRecord:
        """Create a session, or merge metadata/user_properties into the existing one."""
        session = build_session(fields, project_id=project.id, now_ms=now_ms())
        return await self.writes.start_session(session)
