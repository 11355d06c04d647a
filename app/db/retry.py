"""Retrying a write transaction that lost a deadlock, a serialization race or a race with a
partition being created, and naming the database failures that are answered 503 (conflict,
statement timeout, pool exhausted)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterator
from typing import Final, Literal, TypeVar

from sqlalchemy import exc as sa_exc

logger = logging.getLogger("app.db")

T = TypeVar("T")

# SQLSTATEs of a transaction that lost a race and may simply be run again.
CONFLICT_SQLSTATES: Final[frozenset[str]] = frozenset({"40P01", "40001"})
# SQLSTATE of a statement cancelled by statement_timeout.
QUERY_CANCELED: Final[str] = "57014"
# A check violation that names a partition constraint: a row was routed with the partition
# map of before a concurrent CREATE ... PARTITION OF (maintenance creating a day), and the
# default partition's constraint, which now excludes that day, refused it. Run again, the
# write is routed to the new partition.
CHECK_VIOLATION: Final[str] = "23514"
PARTITION_CONSTRAINT: Final[str] = "violates partition constraint"

Failure = Literal["conflict", "query_timeout", "pool_exhausted"]


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and everything it wraps (SQLAlchemy's ``orig``, causes, contexts)."""
    seen: set[int] = set()
    stack: list[BaseException] = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for linked in (getattr(current, "orig", None), current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                stack.append(linked)


def _sqlstate(error: BaseException) -> str | None:
    for attribute in ("sqlstate", "pgcode"):
        value = getattr(error, attribute, None)
        if isinstance(value, str):
            return value
    return None


def classify(error: BaseException) -> Failure | None:
    """What kind of temporary database failure ``error`` is, or None."""
    for current in _chain(error):
        state = _sqlstate(current)
        if state in CONFLICT_SQLSTATES:
            return "conflict"
        if state == CHECK_VIOLATION and PARTITION_CONSTRAINT in str(current):
            return "conflict"
        if state == QUERY_CANCELED:
            return "query_timeout"
        if isinstance(current, sa_exc.TimeoutError):  # QueuePool limit reached
            return "pool_exhausted"
    return None


async def retry_conflicts(
    operation: Callable[[], Awaitable[T]], *, retries: int, base_delay_s: float = 0.005
) -> T:
    """Run ``operation`` (one whole transaction); when it fails with a deadlock or a
    serialization failure, run it again up to ``retries`` more times with a short jittered
    back-off. The last failure is re-raised (and answered 503 by the error boundary)."""
    attempt = 0
    while True:
        try:
            return await operation()
        except sa_exc.DBAPIError as exc:
            if classify(exc) != "conflict" or attempt >= retries:
                raise
            attempt += 1
            delay = base_delay_s * (2**attempt) * (0.5 + random.random())
            logger.info("write conflict (%s); retry %d of %d", _short(exc), attempt, retries)
            await asyncio.sleep(delay)


def _short(error: BaseException) -> str:
    text = str(getattr(error, "orig", error)).splitlines()
    return text[0] if text else type(error).__name__
