"""FastAPI dependencies: the service container and the caller's project."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from app.db.engine import Database
from app.domain.projects import Project
from app.services.events import EventService
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


async def current_project(
    request: Request, services: Annotated[Services, Depends(get_services)]
) -> Project:
    return await services.projects.for_token(bearer_token(request))


ServicesDep = Annotated[Services, Depends(get_services)]
ProjectDep = Annotated[Project, Depends(current_project)]
