"""Use case: which project a bearer token belongs to, per EVENTS_AUTH (open or keys)."""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from app.db.engine import Database
from app.domain.api_keys import hash_api_key, hashes_match, project_name_for_token
from app.domain.projects import Project, project_for_name
from app.errors import TooManyRequests, Unauthorized
from app.repository.projects import ProjectRepository
from app.services.api_keys import ApiKeyService
from app.services.auth_limits import FailureLimiter
from app.services.projects import ProjectService
from app.settings import Settings

logger = logging.getLogger("app.auth")

CHALLENGE: Final[str] = 'Bearer realm="events-api"'
INVALID_TOKEN_CHALLENGE: Final[str] = 'Bearer realm="events-api", error="invalid_token"'  # noqa: S105
# Projects of project-per-token remembered in memory (token hash -> project).
TOKEN_CACHE_SIZE: Final[int] = 10_000
BOOTSTRAP_LABEL: Final[str] = "bootstrap (EVENTS_BOOTSTRAP_API_KEY)"


class AuthService:
    def __init__(
        self, db: Database, settings: Settings, projects: ProjectService, keys: ApiKeyService
    ) -> None:
        self.db = db
        self.settings = settings
        self.projects = projects
        self.keys = keys
        self._token_projects: dict[str, Project] = {}
        self._bootstrapped = settings.bootstrap_api_key is None
        self._bootstrap_lock = asyncio.Lock()
        self.failures = FailureLimiter(settings.auth_failure_limit, settings.auth_failure_window_s)

    async def authenticate(self, token: str | None, client: str | None = None) -> Project:
        """The caller's project; Unauthorized (401) when keys are required and the token is
        missing, unknown or revoked; TooManyRequests (429) when ``client`` (an address) has
        failed too often lately."""
        if self.settings.auth == "keys":
            wait = self.failures.retry_after(client)
            if wait is not None:
                raise TooManyRequests(
                    "too many failed authentications from this client; retry later",
                    headers={"Retry-After": str(wait)},
                )
            try:
                return await self._project_of_key(token)
            except Unauthorized:
                if token is not None:
                    self.failures.record(client)
                raise
        if token is None or not self.settings.project_per_token:
            return await self.projects.default()
        return await self._project_of_token(token)

    async def _project_of_token(self, token: str) -> Project:
        name = project_name_for_token(token)
        cached = self._token_projects.get(name)
        if cached is not None:
            return cached
        async with self.db.transaction(write=True) as conn:
            project = await ProjectRepository(conn).ensure(project_for_name(name))
        if len(self._token_projects) >= TOKEN_CACHE_SIZE:
            self._token_projects.clear()
        self._token_projects[name] = project
        return project

    async def _project_of_key(self, token: str | None) -> Project:
        if token is None:
            raise Unauthorized(
                "missing API key: send the header 'Authorization: Bearer <key>'",
                headers={"WWW-Authenticate": CHALLENGE},
            )
        await self._bootstrap()
        presented = hash_api_key(token)
        stored = await self.keys.find(token)
        if stored is None or not hashes_match(stored.key_hash, presented):
            raise Unauthorized(
                "invalid API key", headers={"WWW-Authenticate": INVALID_TOKEN_CHALLENGE}
            )
        if stored.revoked_at is not None:
            raise Unauthorized(
                "API key has been revoked", headers={"WWW-Authenticate": INVALID_TOKEN_CHALLENGE}
            )
        return stored.project

    async def _bootstrap(self) -> None:
        """Create EVENTS_BOOTSTRAP_API_KEY once, on the first authenticated request (so a
        database that is down at start-up delays it instead of stopping the server)."""
        if self._bootstrapped:
            return
        async with self._bootstrap_lock:
            if self._bootstrapped:
                return
            secret = self.settings.bootstrap_api_key
            assert secret is not None
            project = self.settings.bootstrap_project or self.settings.default_project
            created = await self.keys.ensure(secret.get_secret_value(), project, BOOTSTRAP_LABEL)
            if created:
                logger.info("created the bootstrap API key for project %r", project)
            self._bootstrapped = True
