"""Use cases that write and read events and sessions."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from app.db.engine import Database
from app.domain.defaults import as_outputs, build_event, build_session
from app.domain.merge import plan_update
from app.domain.projects import Project
from app.domain.records import EventRecord
from app.errors import NotFound
from app.repository.events import EventRepository


def now_ms() -> int:
    return int(time.time() * 1000)


class EventService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, project: Project, fields: Mapping[str, Any]) -> str:
        """Store one event; an existing event_id is left as it is (first write wins)."""
        record = build_event(fields, project_id=project.id, now_ms=now_ms())
        async with self.db.transaction(write=True) as conn:
            await EventRepository(conn, self.db.dialect).insert_many([record])
        return record["event_id"]

    async def create_batch(
        self,
        project: Project,
        items: Sequence[Mapping[str, Any]],
        *,
        single_session: bool = False,
        session_fields: Mapping[str, Any] | None = None,
        session_id: str | None = None,
    ) -> tuple[list[str], str | None]:
        """Store events in one transaction and one insert. With ``single_session`` one
        session event is created from ``session_fields`` and every event joins it; a
        given ``session_id`` (session-scoped routes) overrides each event's. Returns the
        event ids in request order and the shared session id, if any."""
        at = now_ms()
        session: EventRecord | None = None
        if single_session:
            session = build_session(session_fields or {}, project_id=project.id, now_ms=at)
            session_id = session["session_id"]
        records = [
            build_event(item, project_id=project.id, now_ms=at, session_id=session_id)
            for item in items
        ]
        async with self.db.transaction(write=True) as conn:
            repo = EventRepository(conn, self.db.dialect)
            if session is not None:
                await repo.upsert_session(session)
            await repo.insert_many(records)
        return [r["event_id"] for r in records], session_id

    async def ingest(
        self,
        project: Project,
        events: Sequence[EventRecord],
        sessions: Sequence[EventRecord] = (),
    ) -> None:
        """Store ready-made records (OTLP spans) in one statement: sessions that do not
        exist yet, then the events; records whose id exists are left as they are."""
        async with self.db.transaction(write=True) as conn:
            await EventRepository(conn, self.db.dialect).insert_many([*sessions, *events])

    async def update(self, project: Project, event_id: str, fields: Mapping[str, Any]) -> None:
        changes = plan_update({**fields, "outputs": as_outputs(fields.get("outputs"))})
        async with self.db.transaction(write=True) as conn:
            found = await EventRepository(conn, self.db.dialect).update(
                project.id, event_id, changes
            )
        if not found:
            raise NotFound(f"Event not found: {event_id}")

    async def get(self, project: Project, event_id: str) -> EventRecord:
        async with self.db.transaction(write=False) as conn:
            record = await EventRepository(conn, self.db.dialect).get(project.id, event_id)
        if record is None:
            raise NotFound(f"Event not found: {event_id}")
        return record

    async def start_session(self, project: Project, fields: Mapping[str, Any]) -> EventRecord:
        """Create a session, or merge metadata/user_properties into the existing one."""
        session = build_session(fields, project_id=project.id, now_ms=now_ms())
        async with self.db.transaction(write=True) as conn:
            return await EventRepository(conn, self.db.dialect).upsert_session(session)
