"""SQL for the projects table."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.clock import now_ms
from app.db.dialect import dialect_of, upsert_insert
from app.db.tables import projects
from app.domain.projects import Project


class ProjectRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

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
            "created_at": now_ms(),
        }
        insert = upsert_insert(dialect_of(self.conn), projects)
        await self.conn.execute(insert.values(values).on_conflict_do_nothing())
        stored = await self.get_by_name(project.name)
        assert stored is not None
        return stored
