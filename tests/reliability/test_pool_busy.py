"""A pool with no free connection is reported as 503 SERVER_BUSY, not as the database being
down (the database answers: /readyz would say 200)."""

from __future__ import annotations

import httpx
import pytest

from tests.apps import client_for, running_app


async def test_exhausted_pool_is_server_busy(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's pool is not sized by the pool settings")
    settings = {"db_pool_size": 1, "db_max_overflow": 0, "db_connect_timeout_s": 0.5}
    async with running_app(database_url, **settings) as app, client_for(app) as client:
        await client.post("/v1/sessions", json={})  # the project exists; its look-up is cached
        async with app.state.services.db.transaction(write=False):
            answer: httpx.Response = await client.get("/v1/events/some-id")
        assert answer.status_code == 503, answer.text
        assert answer.json()["errorCode"] == "SERVER_BUSY"
        assert answer.headers["retry-after"] == "1"
        assert (await client.get("/v1/events/some-id")).status_code == 404
