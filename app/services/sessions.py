"""Use cases of the trace browser: pages of sessions with their rollups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from app.db.engine import Database
from app.domain.projects import Project
from app.domain.records import EventRecord
from app.domain.session_tree import build_session_tree
from app.errors import NotFound
from app.repository.sessions import SessionRepository, SessionRollup
from app.search.daterange import DateWindow
from app.search.filters import Filter, parse_filter
from app.search.query import SearchQuery

# What makes an event a session row of the list.
IS_SESSION: Final[Filter] = parse_filter(
    {"field": "event_type", "operator": "is", "value": "session"}, strict=True
)


@dataclass(frozen=True, slots=True)
class SessionSummary:
    session: EventRecord
    rollup: SessionRollup


@dataclass(frozen=True, slots=True)
class SessionPage:
    rows: list[SessionSummary]
    page: int
    per_page: int
    has_next: bool


class SessionListService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def page(
        self,
        project: Project,
        filters: Sequence[Filter],
        window: DateWindow | None,
        *,
        page: int,
        per_page: int,
    ) -> SessionPage:
        """Sessions matching the filters (on the session events), newest first, with the
        event count, error flag, end and metadata sums of each; read from one snapshot.
        One extra row is read to tell whether a next page exists (no count of all)."""
        query = SearchQuery(filters=(IS_SESSION, *filters), window=window)
        async with self.db.transaction(write=False) as conn:
            repo = SessionRepository(conn)
            sessions = await repo.page(
                project.id, query, limit=per_page + 1, offset=(page - 1) * per_page
            )
            shown = sessions[:per_page]
            rollups = {
                r.session_id: r
                for r in await repo.rollups(project.id, [s["session_id"] for s in shown])
            }
        rows = [
            SessionSummary(
                session=s,
                rollup=rollups.get(
                    s["session_id"],
                    SessionRollup(s["session_id"], 0, s["error"] is not None, None, {}),
                ),
            )
            for s in shown
        ]
        return SessionPage(
            rows=rows, page=page, per_page=per_page, has_next=len(sessions) > per_page
        )

    async def outline(self, project: Project, session_id: str) -> dict[str, Any]:
        """The session's event tree with rollups, as GET /v1/sessions/{id} builds it, but
        of narrow rows: ids, type, name, source, error, times, and the rollup numbers of
        metadata (the detail pane reads an event whole when it is selected)."""
        async with self.db.transaction(write=False) as conn:
            found = await SessionRepository(conn).outline(project.id, session_id)
        session = next(
            (e for e in found if e["event_id"] == session_id and e["event_type"] == "session"),
            None,
        )
        if session is None:
            raise NotFound(f"Session not found: {session_id}")
        return build_session_tree(session, found)
