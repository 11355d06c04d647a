"""Use cases of test mode: reset a project, wait for its events; the in-memory state
(captured requests, armed faults) that the test-mode middlewares share with the routes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Final

from app.db.engine import Database
from app.domain.projects import Project
from app.errors import RequestTimeout
from app.search.query import SearchQuery
from app.services.search import SearchService
from app.testmode.captures import CaptureBuffer
from app.testmode.faults import FaultRegistry
from app.testmode.repository import TestModeRepository

# How often GET /_test/wait counts the matching events.
POLL_INTERVAL_S: Final[float] = 0.05


@dataclass(frozen=True, slots=True)
class ResetResult:
    events: int
    requests: int
    faults: int


class TestModeService:
    __test__ = False  # not a pytest test class

    def __init__(self, db: Database, search: SearchService, capture_limit: int) -> None:
        self.db = db
        self.search = search
        self.captures = CaptureBuffer(capture_limit)
        self.faults = FaultRegistry()

    async def reset(self, project: Project) -> ResetResult:
        """Delete the project's events, captured requests and armed faults."""
        async with self.db.transaction(write=True) as conn:
            deleted = await TestModeRepository(conn).delete_events(project.id)
        return ResetResult(
            events=deleted,
            requests=self.captures.clear(project.id),
            faults=self.faults.clear(project.id),
        )

    async def wait(
        self,
        project: Project,
        query: SearchQuery,
        *,
        count: int,
        timeout_s: float,
        gone: Callable[[], Awaitable[bool]] | None = None,
    ) -> tuple[int, list[dict[str, Any]]]:
        """As soon as at least ``count`` events match: how many match and the newest
        ``query.limit`` of them, oldest first. RequestTimeout (408) with the count seen
        when ``timeout_s`` passes first (or the client went away)."""
        deadline = time.monotonic() + timeout_s
        while True:
            seen = await self.search.count(project, query)
            if seen >= count:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (gone is not None and await gone()):
                raise RequestTimeout(
                    f"timed out after {timeout_s:g} s: {seen} of {count} matching event(s) stored",
                    extra={"count": seen},
                )
            await asyncio.sleep(min(POLL_INTERVAL_S, remaining))
        page, total = await self.search.search(project, replace(query, page=1))
        page.reverse()
        return total, page
