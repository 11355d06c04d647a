"""SQL for the api_keys table (found by the unique index on the key's hash)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.dialect import dialect_of, upsert_insert
from app.db.tables import api_keys, projects
from app.domain.api_keys import ApiKeyInfo
from app.domain.projects import Project


@dataclass(frozen=True, slots=True)
class StoredKey:
    """A key found by its hash, with its project."""

    key_hash: str
    revoked_at: int | None
    project: Project


_LISTED = (
    api_keys.c.id,
    api_keys.c.project_id,
    projects.c.name.label("project_name"),
    api_keys.c.label,
    api_keys.c.prefix,
    api_keys.c.created_at,
    api_keys.c.revoked_at,
)


def _info(row: Any) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row.id,
        project_id=row.project_id,
        project_name=row.project_name,
        label=row.label,
        prefix=row.prefix,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class ApiKeyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def insert(self, key: ApiKeyInfo, key_hash: str) -> bool:
        """Store a key; False (and nothing written) when a key with that hash exists."""
        statement = (
            upsert_insert(dialect_of(self.conn), api_keys)
            .values(
                id=key.id,
                project_id=key.project_id,
                label=key.label,
                key_hash=key_hash,
                prefix=key.prefix,
                created_at=key.created_at,
                revoked_at=key.revoked_at,
            )
            .on_conflict_do_nothing(index_elements=["key_hash"])
            .returning(api_keys.c.id)
        )
        return (await self.conn.execute(statement)).first() is not None

    async def find_by_hash(self, key_hash: str) -> StoredKey | None:
        query = (
            sa.select(
                api_keys.c.key_hash,
                api_keys.c.revoked_at,
                projects.c.id,
                projects.c.name,
                projects.c.org_id,
                projects.c.workspace_id,
            )
            .join(projects, projects.c.id == api_keys.c.project_id)
            .where(api_keys.c.key_hash == key_hash)
        )
        row = (await self.conn.execute(query)).first()
        if row is None:
            return None
        project = Project(
            id=row.id, name=row.name, org_id=row.org_id, workspace_id=row.workspace_id
        )
        return StoredKey(key_hash=row.key_hash, revoked_at=row.revoked_at, project=project)

    async def get(self, key_id: str) -> ApiKeyInfo | None:
        query = (
            sa.select(*_LISTED)
            .join(projects, projects.c.id == api_keys.c.project_id)
            .where(api_keys.c.id == key_id)
        )
        row = (await self.conn.execute(query)).first()
        return None if row is None else _info(row)

    async def list_all(self) -> list[ApiKeyInfo]:
        query = (
            sa.select(*_LISTED)
            .join(projects, projects.c.id == api_keys.c.project_id)
            .order_by(api_keys.c.created_at, api_keys.c.id)
        )
        return [_info(row) for row in await self.conn.execute(query)]

    async def revoke(self, key_id: str, at_ms: int) -> bool:
        """Mark a key revoked; False when it does not exist or is revoked already."""
        statement = (
            sa.update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=at_ms)
            .returning(api_keys.c.id)
        )
        return (await self.conn.execute(statement)).first() is not None
