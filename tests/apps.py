"""In-process apps with chosen settings (auth mode, test mode) on a test database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings


@asynccontextmanager
async def running_app(database_url: str, **settings: Any) -> AsyncIterator[FastAPI]:
    app = create_app(Settings(database_url=database_url, **settings))
    try:
        yield app
    finally:
        await app.state.services.db.dispose()


def client_for(app: FastAPI, token: str | None = None) -> httpx.AsyncClient:
    """A client of ``app`` that sends ``Authorization: Bearer <token>`` (none if None)."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers, timeout=30
    )


async def new_key(app: FastAPI, project: str, label: str | None = None) -> str:
    """A new API key of ``project`` (created through the service, as the CLI does)."""
    _, key = await app.state.services.auth.keys.create(project, label)
    return key
