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


async def get_services(request: Request) -> Services:
    # async: FastAPI runs a plain ``def`` dependency in a worker thread, on every request.
    services: Services = request.app.state.services
    return services


def bearer_token(request: Request) -> str | None:
    return _bearer_of(request.headers.get("authorization"))


def _bearer_of(header: str | None) -> str | None:
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
        _bearer_of(_authorization(scope)), client[0] if client else None
    )
    state[PROJECT_STATE_KEY] = project
    return project


def _authorization(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            text: str = value.decode("latin-1")
            return text
    return None


async def caller(request: Request) -> tuple[Services, Project]:
    """The services and the caller's project (401 per EVENTS_AUTH), for a route that takes
    only the Request: the single-write routes skip FastAPI's dependency resolution, which
    cost about as much CPU per request as everything else such a route does."""
    services: Services = request.app.state.services
    return services, await project_for_scope(request.scope, services)


async def current_project(
    request: Request, services: Annotated[Services, Depends(get_services)]
) -> Project:
    return await project_for_scope(request.scope, services)


ServicesDep = Annotated[Services, Depends(get_services)]
ProjectDep = Annotated[Project, Depends(current_project)]
