"""FastAPI dependencies: the service container and the caller's project."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.types import Scope

from app.db.engine import Database
from app.domain.projects import Project
from app.services.auth import AuthService
from app.services.deletes import DeleteService
from app.services.events import EventService
from app.services.maintenance import MaintenanceService
from app.services.projects import ProjectService
from app.services.search import SearchService
from app.settings import Settings


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a route may use; built once by create_app()."""

    settings: Settings
    db: Database
    events: EventService
    search: SearchService
    projects: ProjectService
    auth: AuthService
    deletes: DeleteService
    maintenance: MaintenanceService


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


# Where the caller's project is kept for the rest of the request (test-mode middlewares
# resolve it before the route does).
PROJECT_STATE_KEY = "events_api_project"


async def project_for_scope(scope: Scope, services: Services) -> Project:
    """The project of the request's bearer token (401 per EVENTS_AUTH), resolved once."""
    state = scope.setdefault("state", {})
    known = state.get(PROJECT_STATE_KEY)
    if isinstance(known, Project):
        return known
    client = scope.get("client")
    project = await services.auth.authenticate(
        bearer_token(Request(scope)), client[0] if client else None
    )
    state[PROJECT_STATE_KEY] = project
    return project


async def current_project(
    request: Request, services: Annotated[Services, Depends(get_services)]
) -> Project:
    return await project_for_scope(request.scope, services)


ServicesDep = Annotated[Services, Depends(get_services)]
ProjectDep = Annotated[Project, Depends(current_project)]
