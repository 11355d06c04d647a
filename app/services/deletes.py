"""Use cases that delete a project's events: one event, a session, or what a query matches.

Large deletes go in chunks, each in its own short transaction, so that no delete holds
locks on many rows (or, on SQLite, the write lock) for long and ingest goes on meanwhile.
The keys to delete are read from ONE snapshot taken when the delete starts, so events
written while it runs are never deleted, even when they match.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.db.engine import Database
from app.domain.projects import Project
from app.errors import NotFound
from app.repository.deletes import DeleteRepository
from app.search.filters import Filter, parse_field
from app.search.query import SearchQuery
from app.services.telemetry import NoTelemetry, Telemetry

DEFAULT_CHUNK_ROWS = 5000


@dataclass(frozen=True, slots=True)
class DeleteOutcome:
    matched: int
    deleted: int


class DeleteService:
    def __init__(
        self,
        db: Database,
        *,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.db = db
        self.chunk_rows = chunk_rows
        self.telemetry: Telemetry = telemetry or NoTelemetry()

    async def delete_event(self, project: Project, event_id: str) -> int:
        """Delete one event; 404 when the project has no such event."""
        async with self.db.transaction(write=True) as conn:
            repo = DeleteRepository(conn)
            deleted = await repo.delete_keys(project.id, await repo.keys_of(project.id, [event_id]))
        self.telemetry.rows_deleted("api", deleted)
        if not deleted:
            raise NotFound(f"Event not found: {event_id}")
        return deleted

    async def delete_session(self, project: Project, session_id: str) -> int:
        """Delete the session event and every event of the session; 404 when none exists."""
        outcome = await self.delete_matching(
            project, SearchQuery(filters=(session_filter(session_id),))
        )
        if not outcome.deleted:
            raise NotFound(f"Session not found: {session_id}")
        return outcome.deleted

    async def delete_matching(
        self, project: Project, query: SearchQuery, *, dry_run: bool = False
    ) -> DeleteOutcome:
        """Delete the events matching ``query`` in chunks (or only count them)."""
        if dry_run:
            async with self.db.transaction(write=False) as conn:
                matched = await DeleteRepository(conn).count(project.id, query)
            return DeleteOutcome(matched=matched, deleted=0)
        matched = deleted = 0
        async with self.db.transaction(write=False) as reader:
            keys_reader = DeleteRepository(reader)
            after = None
            while True:
                keys = await keys_reader.matching_keys(
                    project.id, query, after=after, limit=self.chunk_rows
                )
                if not keys:
                    break
                matched += len(keys)
                async with self.db.transaction(write=True) as conn:
                    chunk = await DeleteRepository(conn).delete_keys(project.id, keys)
                deleted += chunk
                self.telemetry.rows_deleted("api", chunk)
                if len(keys) < self.chunk_rows:
                    break
                after = keys[-1]
        return DeleteOutcome(matched=matched, deleted=deleted)


def session_filter(session_id: str) -> Filter:
    return Filter(field=parse_field("session_id"), operator="is", type="string", value=session_id)
