"""Key look-ups are cached for a bounded time (revocation still bites within it), and a
client that keeps failing authentication gets 429 with Retry-After without a look-up."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event

from app.services.api_keys import ApiKeyService
from app.services.auth_limits import FailureLimiter, TtlCache
from tests.apps import new_key, running_app


@contextmanager
def key_lookups(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements that read the api_keys table while the block runs."""
    seen: list[str] = []
    engine = app.state.services.db.engine.sync_engine

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "api_keys" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def client(app: FastAPI, token: str, address: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


async def test_cached_key_and_revocation_within_the_bound(database_url: str) -> None:
    async with running_app(database_url, auth="keys", auth_cache_ttl_s=1.0) as app:
        key = await new_key(app, f"cache_{uuid.uuid4().hex[:8]}")
        async with client(app, key) as http:
            with key_lookups(app) as lookups:
                for _ in range(10):
                    assert (await http.post("/v1/sessions", json={})).status_code == 200
            assert len(lookups) == 1, lookups

            # Revoked by another process (the CLI): a service of its own on the same database.
            other = ApiKeyService(app.state.services.db)
            [info] = [k for k in await other.list() if k.prefix == key[:10]]
            assert (await other.revoke(info.id)).value == "revoked"
            refused_after = None
            for step in range(40):
                answer = await http.post("/v1/sessions", json={})
                if answer.status_code == 401:
                    refused_after = step * 0.1
                    break
                await asyncio.sleep(0.1)
            assert refused_after is not None and refused_after <= 1.5
            assert answer.json()["message"] == "API key has been revoked"


async def test_repeated_failures_get_429_without_a_lookup(database_url: str) -> None:
    settings = {"auth": "keys", "auth_failure_limit": 3, "auth_failure_window_s": 60}
    async with running_app(database_url, **settings) as app:
        good = await new_key(app, f"limit_{uuid.uuid4().hex[:8]}")
        async with client(app, "hh_wrong_" + uuid.uuid4().hex, "10.1.1.1") as bad:
            for _ in range(3):
                assert (await bad.get("/v1/events/x")).status_code == 401
            with key_lookups(app) as lookups:
                limited = await bad.get("/v1/events/x")
            assert limited.status_code == 429, limited.text
            assert limited.json()["errorCode"] == "TOO_MANY_REQUESTS"
            assert 1 <= int(limited.headers["retry-after"]) <= 60
            assert lookups == []
        async with client(app, good, "10.1.1.1") as same_client:
            assert (await same_client.post("/v1/sessions", json={})).status_code == 429
        async with client(app, good, "10.1.1.2") as other_client:
            assert (await other_client.post("/v1/sessions", json={})).status_code == 200


def test_failure_window_slides() -> None:
    now = [0.0]
    limiter = FailureLimiter(limit=2, window_s=10, clock=lambda: now[0])
    limiter.record("a")
    now[0] = 4
    limiter.record("a")
    assert limiter.retry_after("a") == 6 and limiter.retry_after("b") is None
    now[0] = 10.5
    assert limiter.retry_after("a") is None  # the first failure left the window


def test_ttl_cache_expires_and_zero_disables() -> None:
    now = [0.0]
    cache: TtlCache[int] = TtlCache(5, clock=lambda: now[0])
    cache.put("k", 1)
    assert cache.get("k") == (True, 1)
    now[0] = 5
    assert cache.get("k") == (False, None)
    off: TtlCache[int] = TtlCache(0)
    off.put("k", 1)
    assert off.get("k") == (False, None)
