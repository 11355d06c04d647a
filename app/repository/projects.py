"""SQL for the projects table."""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.tables import projects
from app.domain.projects import Project


class ProjectRepository:
    def __init__(self, conn: AsyncConnection, dialect: str) -> None:
        self.conn = conn
        self.dialect = dialect

    async def get_by_name(self, name: str) -> Project | None:
        row = (await self.conn.execute(sa.select(projects).where(projects.c.name == name))).first()
        if row is None:
            return None
        return Project(id=row.id, name=row.name, org_id=row.org_id, workspace_id=row.workspace_id)

    async def ensure(self, project: Project) -> Project:
        """Create the project if no project has its name; return the stored one."""
        values = {
            "id": project.id,
            "name": project.name,
            "org_id": project.org_id,
            "workspace_id": project.workspace_id,
            "created_at": int(time.time() * 1000),
        }
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        await self.conn.execute(insert(projects).values(values).on_conflict_do_nothing())
        stored = await self.get_by_name(project.name)
        assert stored is not None
        return stored
