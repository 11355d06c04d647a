"""The database being down answers 503 with Retry-After, never 500."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from app.settings import Settings


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=["postgres", "sqlite"])
async def down_client(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    if request.param == "postgres":
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/none"
    else:
        # The database "file" is a directory: SQLite cannot open it.
        url = f"sqlite+aiosqlite:///{tmp_path}"
    application = create_app(Settings(database_url=url, db_connect_timeout_s=2))
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await application.state.services.db.dispose()


async def test_database_down_is_503_with_retry_after(down_client: httpx.AsyncClient) -> None:
    assert (await down_client.get("/healthz")).status_code == 200
    for response in (
        await down_client.get("/readyz"),
        await down_client.post("/v1/events", json={"event_type": "tool", "inputs": {}}),
        await down_client.get("/v1/events/any"),
        await down_client.put("/v1/events/any", json={"metadata": {"a": 1}}),
    ):
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        body = response.json()
        assert body["errorCode"] == "SERVICE_UNAVAILABLE" and body["success"] is False
