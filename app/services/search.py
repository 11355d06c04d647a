"""Use cases that read events back: search and export pages, session trees."""

from __future__ import annotations

from typing import Any

from app.db.engine import Database
from app.domain.event_schema import schema_fields
from app.domain.projects import Project
from app.domain.records import EVENT_FIELDS, JSON_BUCKETS
from app.domain.session_tree import build_session_tree
from app.errors import NotFound
from app.repository.events import EventRepository
from app.search.query import SearchQuery


class SearchService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def search(
        self, project: Project, query: SearchQuery
    ) -> tuple[list[dict[str, Any]], int]:
        """One page (ordered start_time DESC, event_id DESC) and the count of all matches,
        read from one snapshot."""
        columns = query.projections or EVENT_FIELDS
        async with self.db.transaction(write=False) as conn:
            repo = EventRepository(conn)
            page = await repo.search(
                project.id,
                query,
                limit=query.limit,
                offset=query.offset,
                columns=columns,
            )
            total = len(page) + query.offset
            if len(page) == query.limit or (not page and query.offset):
                total = await repo.count(project.id, query)
        return page, total

    async def schema(
        self, project: Project, query: SearchQuery, sample: int
    ) -> list[dict[str, str]]:
        """Fields of the ``sample`` newest matching events (legacy schema route)."""
        async with self.db.transaction(write=False) as conn:
            rows = await EventRepository(conn).search(
                project.id,
                query,
                limit=sample,
                offset=0,
                columns=("event_type", *JSON_BUCKETS),
            )
        return schema_fields(rows)

    async def count(self, project: Project, query: SearchQuery) -> int:
        async with self.db.transaction(write=False) as conn:
            return await EventRepository(conn).count(project.id, query)

    async def session_tree(self, project: Project, session_id: str) -> dict[str, Any]:
        async with self.db.transaction(write=False) as conn:
            found = await EventRepository(conn).session_events(project.id, session_id)
        session = next(
            (e for e in found if e["event_id"] == session_id and e["event_type"] == "session"),
            None,
        )
        if session is None:
            raise NotFound(f"Session not found: {session_id}")
        return build_session_tree(session, found)
