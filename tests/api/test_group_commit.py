"""Group commit through the API: when the queue of single writes is full, the next write is
answered 503 SERVER_BUSY with Retry-After in the error envelope, and the queued writes are
still committed and answered 200.

The app under test has EVENTS_GROUP_COMMIT_MAX_PENDING=2 and one group in flight; the test
holds that group deterministically (its own open transaction has updated the event the
group updates), so that the queue fills up while concurrent requests wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from app.domain.merge import plan_update
from app.main import create_app
from app.repository.events import EventRepository
from app.settings import Settings


@pytest.fixture
async def busy_app(database_url: str) -> AsyncIterator[FastAPI]:
    settings = Settings(
        database_url=database_url, group_commit_max_pending=2, group_commit_max_groups=1
    )
    application = create_app(settings)
    yield application
    await application.state.services.db.dispose()


async def until(condition: Callable[[], bool], timeout_s: float = 30) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():  # noqa: ASYNC110 - polls the committer's state
            await asyncio.sleep(0.005)


async def test_a_full_write_queue_answers_503_with_retry_after(busy_app: FastAPI) -> None:
    services = busy_app.state.services
    writes = services.events.writes
    transport = httpx.ASGITransport(app=busy_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        created = await client.post("/v1/events", json={"event_type": "tool", "inputs": {}})
        assert created.status_code == 200, created.text
        held_id = created.json()["event_id"]
        project = await services.projects.default()

        async with services.db.transaction(write=True) as conn:
            changes = plan_update({"metadata": {"holder": True}})
            assert await EventRepository(conn).update(project.id, held_id, changes)
            held = asyncio.create_task(
                client.put(f"/v1/events/{held_id}", json={"metadata": {"n": 1}})
            )
            await until(lambda: writes.committing == 1)
            queued = [
                asyncio.create_task(
                    client.post("/v1/events", json={"event_type": "tool", "inputs": {"n": n}})
                )
                for n in range(2)
            ]
            await until(lambda: writes.depth == 2)

            refused = await client.post("/v1/events", json={"event_type": "tool", "inputs": {}})
            assert refused.status_code == 503
            assert int(refused.headers["retry-after"]) >= 1
            body = refused.json()
            assert body["statusCode"] == 503 and body["success"] is False
            assert body["errorCode"] == "SERVER_BUSY"
            assert "retry" in body["message"]
            assert not held.done() and not any(task.done() for task in queued)

        assert (await held).status_code == 200
        answers = await asyncio.gather(*queued)
        assert [answer.status_code for answer in answers] == [200, 200]
        for answer in answers:
            event_id = answer.json()["event_id"]
            assert (await client.get(f"/v1/events/{event_id}")).status_code == 200
        stored = (await client.get(f"/v1/events/{held_id}")).json()["event"]
        assert stored["metadata"] == {"holder": True, "n": 1}
