"""Use case: which project a request belongs to (open auth: every caller is the default)."""

from __future__ import annotations

from app.db.engine import Database
from app.domain.projects import Project, project_for_name
from app.repository.projects import ProjectRepository


class ProjectService:
    def __init__(self, db: Database, default_project: str) -> None:
        self.db = db
        self.default_name = default_project
        self._default: Project | None = None

    async def for_token(self, token: str | None) -> Project:
        """The project of a bearer token. Until API keys exist, any token (or none) maps
        to the default project, which is created on first use."""
        del token
        if self._default is None:
            async with self.db.transaction(write=True) as conn:
                repo = ProjectRepository(conn)
                self._default = await repo.ensure(project_for_name(self.default_name))
        return self._default
