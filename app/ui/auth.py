"""Who is looking: the API key kept in the trace browser's cookie, and the project it maps to."""

from __future__ import annotations

from typing import Final

from fastapi import Request, Response

from app.api.deps import Services
from app.domain.projects import Project
from app.errors import Unauthorized

COOKIE_NAME: Final[str] = "events_ui_key"
COOKIE_PATH: Final[str] = "/ui"
COOKIE_MAX_AGE_S: Final[int] = 7 * 86_400


def key_from_cookie(request: Request) -> str | None:
    return request.cookies.get(COOKIE_NAME) or None


async def project_of_key(services: Services, key: str | None) -> Project | None:
    """The key's project per EVENTS_AUTH (in open mode any key, or none, has one); None
    when keys are required and this one is missing, unknown or revoked."""
    try:
        return await services.auth.authenticate(key)
    except Unauthorized:
        return None


def remember_key(request: Request, response: Response, key: str) -> None:
    """Keep the key in a cookie the page's scripts cannot read and other sites cannot send."""
    response.set_cookie(
        COOKIE_NAME,
        key,
        max_age=COOKIE_MAX_AGE_S,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def forget_key(response: Response) -> None:
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, httponly=True, samesite="strict")


def safe_next(raw: str | None) -> str:
    """Where to go after logging in: a path of the browser, never another site."""
    if raw and raw.startswith("/ui") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/ui"
