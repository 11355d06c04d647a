"""SQL that only test mode runs: deleting a project's events."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.tables import events


class TestModeRepository:
    __test__ = False  # not a pytest test class

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def delete_events(self, project_id: str) -> int:
        """Delete every event of the project; how many were deleted."""
        result = await self.conn.execute(sa.delete(events).where(events.c.project_id == project_id))
        return int(result.rowcount or 0)
