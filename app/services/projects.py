"""Use case: the default project, which open auth maps every caller to (created on first use)."""

from __future__ import annotations

from app.db.engine import Database
from app.domain.projects import Project, project_for_name
from app.repository.projects import ProjectRepository


class ProjectService:
    def __init__(self, db: Database, default_project: str) -> None:
        self.db = db
        self.default_name = default_project
        self._default: Project | None = None

    async def default(self) -> Project:
        """The default project (EVENTS_DEFAULT_PROJECT), created on first use."""
        if self._default is None:
            async with self.db.transaction(write=True) as conn:
                repo = ProjectRepository(conn)
                self._default = await repo.ensure(project_for_name(self.default_name))
        return self._default
