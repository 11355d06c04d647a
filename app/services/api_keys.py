"""Use cases of API keys: create (shown once), list, revoke, find, bootstrap."""

from __future__ import annotations

import enum

from app.clock import now_ms
from app.db.engine import Database
from app.domain.api_keys import (
    ApiKeyInfo,
    display_prefix,
    hash_api_key,
    new_api_key,
    new_key_id,
)
from app.domain.projects import project_for_name
from app.errors import BadRequest
from app.repository.api_keys import ApiKeyRepository, StoredKey
from app.repository.projects import ProjectRepository
from app.services.auth_limits import TtlCache

MAX_NAME_LENGTH = 256


class RevokeOutcome(enum.Enum):
    REVOKED = "revoked"
    ALREADY_REVOKED = "already revoked"
    UNKNOWN = "unknown"


def _check_text(value: str | None, what: str) -> None:
    if value is None:
        return
    if not value.strip():
        raise BadRequest(f"{what} must not be empty")
    if len(value) > MAX_NAME_LENGTH:
        raise BadRequest(f"{what} is longer than {MAX_NAME_LENGTH} characters")
    if "\x00" in value:
        raise BadRequest(f"{what} must not contain the NUL character")


class ApiKeyService:
    def __init__(self, db: Database, *, cache_ttl_s: float = 0.0) -> None:
        self.db = db
        # Look-ups by key hash, found or not. A change made by this process clears it; one
        # made elsewhere (the CLI, another worker) is seen within cache_ttl_s.
        self._found: TtlCache[StoredKey | None] = TtlCache(cache_ttl_s)

    async def create(self, project_name: str, label: str | None = None) -> tuple[ApiKeyInfo, str]:
        """A new random key for the project (created if needed). The key itself is returned
        once, here; only its hash is stored."""
        key = new_api_key()
        info, _ = await self._store(key, project_name, label)
        return info, key

    async def ensure(self, key: str, project_name: str, label: str | None = None) -> bool:
        """Store a given key unless a key with its hash exists (a revoked one stays revoked).
        True when this call created it."""
        _, created = await self._store(key, project_name, label)
        return created

    async def _store(
        self, key: str, project_name: str, label: str | None
    ) -> tuple[ApiKeyInfo, bool]:
        _check_text(project_name, "project name")
        _check_text(label, "label")
        self._found.clear()
        async with self.db.transaction(write=True) as conn:
            project = await ProjectRepository(conn).ensure(project_for_name(project_name))
            info = ApiKeyInfo(
                id=new_key_id(),
                project_id=project.id,
                project_name=project.name,
                label=label,
                prefix=display_prefix(key),
                created_at=now_ms(),
                revoked_at=None,
            )
            created = await ApiKeyRepository(conn).insert(info, hash_api_key(key))
        return info, created

    async def list(self) -> list[ApiKeyInfo]:
        async with self.db.transaction(write=False) as conn:
            return await ApiKeyRepository(conn).list_all()

    async def revoke(self, key_id: str) -> RevokeOutcome:
        self._found.clear()
        async with self.db.transaction(write=True) as conn:
            repo = ApiKeyRepository(conn)
            if await repo.revoke(key_id, now_ms()):
                return RevokeOutcome.REVOKED
            existing = await repo.get(key_id)
        return RevokeOutcome.UNKNOWN if existing is None else RevokeOutcome.ALREADY_REVOKED

    async def find(self, key: str) -> StoredKey | None:
        """The stored key with this key's hash (through the unique index), or None."""
        key_hash = hash_api_key(key)
        cached, stored = self._found.get(key_hash)
        if cached:
            return stored
        async with self.db.transaction(write=False) as conn:
            stored = await ApiKeyRepository(conn).find_by_hash(key_hash)
        self._found.put(key_hash, stored)
        return stored
