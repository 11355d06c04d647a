"""A real Postgres deadlock: the losing transaction is run again (bounded), and when the
retries are used up the answer is 503 WRITE_CONFLICT with Retry-After, never 500."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from app.api.boundary import failure_response
from app.db.engine import Database
from app.db.retry import retry_conflicts
from tests.apps import running_app


async def _deadlock_pair(db: Database, retries: int) -> tuple[list[object], list[int]]:
    """Two transactions locking rows a, b in opposite orders at the same time."""
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    async with db.transaction(write=True) as conn:
        for event_id in ids:
            await conn.execute(
                sa.text(
                    "INSERT INTO events (project_id, event_id, session_id, event_type, "
                    "event_name, source, start_time) VALUES ('p', :e, 's', 'tool', 'n', 's', 1)"
                ),
                {"e": event_id},
            )
    locked = [asyncio.Event(), asyncio.Event()]
    attempts = [0, 0]

    def writer(index: int) -> object:
        first, second = (ids[0], ids[1]) if index == 0 else (ids[1], ids[0])

        async def attempt() -> None:
            attempts[index] += 1
            async with db.transaction(write=True) as conn:
                update = sa.text(
                    "UPDATE events SET event_name = 'x' WHERE project_id = :p AND event_id = :e"
                )
                await conn.execute(update, {"p": "p", "e": first})
                locked[index].set()
                await locked[1 - index].wait()
                await conn.execute(update, {"p": "p", "e": second})

        return retry_conflicts(attempt, retries=retries)

    outcomes = await asyncio.gather(writer(0), writer(1), return_exceptions=True)  # type: ignore[call-overload]
    return list(outcomes), attempts


async def test_deadlock_is_retried_then_answered_503(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: no deadlocks")
    async with running_app(database_url) as app:
        db = app.state.services.db
        outcomes, attempts = await _deadlock_pair(db, retries=2)
        assert outcomes == [None, None], outcomes
        assert sum(attempts) == 3  # one victim, run again once

        outcomes, attempts = await _deadlock_pair(db, retries=0)
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(failures) == 1 and isinstance(failures[0], sa_exc.DBAPIError)
    answer = failure_response(failures[0], retry_after_s=5)
    assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
    assert b'"errorCode":"WRITE_CONFLICT"' in answer.body
