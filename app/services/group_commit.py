"""Group commit: the single writes of one server process (one event created, one event
updated, one session started, one small OTLP export) that are waiting at the same time
share ONE transaction.

How a group forms ("natural batching"): a write is queued and its request waits. When
fewer than ``max_groups`` groups are being committed, a runner starts at once (no timer)
and takes every queued write (up to ``max_group``) as its group; writes that arrive while
the groups commit form the next ones. Under light load a group is one write and nothing
waits for a timer; under load, groups grow to what arrived during a commit. Several groups
in flight (Postgres; SQLite has one writer, so one group) let a write wait for about one
commit instead of the rest of the current one plus its own: Postgres flushes the WAL of
concurrent commits together. An optional window (``window_s``) makes a runner wait that
long before each group that is not full yet.

A group is one transaction: the creates of a project as one multi-row insert
(``EventRepository.insert_many``: ON CONFLICT DO NOTHING, the first write of an id wins,
ids in sorted order), then the session starts one statement each, then the updates of a
project (``EventRepository.update_many``: the updates of one event combined in arrival
order, then one statement for all the events on Postgres, one per event on SQLite), every
statement in (project, event id) order so that concurrent groups lock rows in one order;
then the small OTLP exports of a project together, as one export
(app/services/span_store.py: one parent lookup, one insert, one repoint).
On Postgres, a group that is ONE write statement (only creates of one project, or only
updates of one project: :func:`_alone`) sends it outside BEGIN/COMMIT, as its own
transaction: the same guarantees, two round trips and their CPU fewer.
Each request is answered only once the transaction that holds its write has committed.

Failures: a deadlock or serialization failure reruns the whole group (``retry_conflicts``,
as for any write). A group that fails otherwise is split in two and each half committed on
its own, down to single writes, so that a failing write fails only its own request. A
failure that is not any one write's doing (the database is unreachable, the pool is
exhausted, a statement timed out) answers every write of the group with it.

Back-pressure: at most ``max_pending`` writes wait for a group; the next one is refused at
once with :class:`app.errors.ServerBusy` (503, ``Retry-After``). On shutdown
(:meth:`GroupCommitter.close`) new writes are refused the same way and every write already
queued is committed (or answered with its error) before the database is closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from app.db.engine import ConnectionHolder, Database
from app.db.outage import is_database_outage
from app.db.retry import classify, retry_conflicts
from app.domain.merge import Change
from app.domain.records import EventRecord
from app.errors import ServerBusy, ServiceUnavailable
from app.repository.events import EventRepository
from app.services.span_store import store_spans
from app.services.telemetry import NoTelemetry, Telemetry

logger = logging.getLogger("app.group_commit")

# Retry-After (seconds) of a write refused because the queue is full or the server stops.
BUSY_RETRY_AFTER_S: Final[int] = 1


def _new_future() -> asyncio.Future[Any]:
    return asyncio.get_running_loop().create_future()


@dataclass(slots=True, eq=False)
class _Create:
    record: EventRecord
    future: asyncio.Future[Any] = field(default_factory=_new_future)


@dataclass(slots=True, eq=False)
class _Update:
    project_id: str
    event_id: str
    changes: Sequence[Change]
    future: asyncio.Future[Any] = field(default_factory=_new_future)


@dataclass(slots=True, eq=False)
class _SessionStart:
    record: EventRecord
    future: asyncio.Future[Any] = field(default_factory=_new_future)


@dataclass(slots=True, eq=False)
class _Spans:
    project_id: str
    events: Sequence[EventRecord]
    sessions: Sequence[EventRecord]
    future: asyncio.Future[Any] = field(default_factory=_new_future)


_Write = _Create | _Update | _SessionStart | _Spans


def _key(write: _Update | _SessionStart) -> tuple[str, str]:
    if isinstance(write, _Update):
        return write.project_id, write.event_id
    return write.record["project_id"], write.record["event_id"]


def _shared_failure(error: BaseException) -> bool:
    """True when ``error`` is not any one write's doing: every write of the group gets it."""
    return is_database_outage(error) or classify(error) in ("pool_exhausted", "query_timeout")


async def _apply(repo: EventRepository, group: Sequence[_Write]) -> list[Any]:
    """Every write of ``group`` through ``repo`` (one open transaction); the result of
    each write, in the group's order."""
    results: list[Any] = [None] * len(group)
    creates: dict[str, list[EventRecord]] = {}
    for write in group:
        if isinstance(write, _Create):
            creates.setdefault(write.record["project_id"], []).append(write.record)
    for project_id in sorted(creates):
        await repo.insert_many(creates[project_id])
    # Sorted by (project, id) for one lock order; sorted() is stable, so the writes of one
    # event keep their arrival order.
    keyed = sorted(
        (i for i, w in enumerate(group) if isinstance(w, _Update | _SessionStart)),
        key=lambda i: _key(group[i]),  # type: ignore[arg-type]
    )
    for i in keyed:
        write = group[i]
        if isinstance(write, _SessionStart):
            results[i] = await repo.upsert_session(write.record)
    updates: dict[str, list[int]] = {}
    for i in keyed:
        write = group[i]
        if isinstance(write, _Update):
            updates.setdefault(write.project_id, []).append(i)
    for project_id, indexes in updates.items():
        pairs = [(group[i].event_id, group[i].changes) for i in indexes]  # type: ignore[union-attr]
        for i, found in zip(indexes, await repo.update_many(project_id, pairs), strict=True):
            results[i] = found
    # The OTLP exports of a project as one: one parent lookup, one insert, one repoint. A
    # child whose parent is in another export of the group is then linked within the batch.
    exports: dict[str, tuple[list[EventRecord], list[EventRecord]]] = {}
    for write in group:
        if isinstance(write, _Spans):
            spans, sessions = exports.setdefault(write.project_id, ([], []))
            spans.extend(write.events)
            sessions.extend(write.sessions)
    for project_id in sorted(exports):
        await store_spans(repo, project_id, *exports[project_id])
    return results


def _alone(group: Sequence[_Write]) -> Callable[[EventRepository], Awaitable[list[Any]]] | None:
    """Postgres: the writes of a group that are ONE write statement, which then runs as its
    own transaction (no BEGIN and COMMIT round trips): only creates of one project, or only
    updates of one project. None for any other group (one transaction, :func:`_apply`)."""
    first = group[0]
    if isinstance(first, _Create):
        project_id = first.record["project_id"]
        records = [w.record for w in group if isinstance(w, _Create)]
        if len(records) < len(group) or any(r["project_id"] != project_id for r in records):
            return None

        async def insert(repo: EventRepository) -> list[Any]:
            await repo.insert_many_alone(records)
            return [None] * len(records)

        return insert
    if isinstance(first, _Update):
        updates = [w for w in group if isinstance(w, _Update)]
        if len(updates) < len(group) or any(w.project_id != first.project_id for w in updates):
            return None

        async def update(repo: EventRepository) -> list[Any]:
            pairs = [(w.event_id, w.changes) for w in updates]
            found: list[Any] = await repo.update_many_alone(first.project_id, pairs)
            return found

        return update
    return None


class GroupCommitter:
    """The group committer of one process (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        *,
        max_pending: int = 1000,
        max_group: int = 256,
        max_groups: int = 1,
        window_s: float = 0.0,
        conflict_retries: int = 4,
        telemetry: Telemetry | None = None,
    ) -> None:
        if min(max_pending, max_group, max_groups) < 1 or window_s < 0:
            raise ValueError("max_pending, max_group, max_groups must be >= 1; window_s >= 0")
        if db.is_sqlite:
            max_groups = 1  # one writer: a second group would only wait for the lock
        self.db = db
        self.max_pending = max_pending
        self.max_group = max_group
        self.window_s = window_s
        self.conflict_retries = conflict_retries
        self.telemetry: Telemetry = telemetry or NoTelemetry()
        self.max_groups = max_groups
        self._pending: deque[_Write] = deque()
        self._committing = 0
        self._runners: set[asyncio.Task[None]] = set()
        self._closing = False

    @property
    def depth(self) -> int:
        """Writes queued for a group (not counting the groups being committed)."""
        return len(self._pending)

    @property
    def committing(self) -> int:
        """Writes in the groups being committed now."""
        return self._committing

    # -- the writes ------------------------------------------------------------------------

    async def create(self, record: EventRecord) -> None:
        """Insert the event; an id that exists already is left as it is (first write wins)."""
        await self._submit(_Create(record))

    async def update(self, project_id: str, event_id: str, changes: Sequence[Change]) -> bool:
        """Apply the changes to the event in one atomic statement; False when no such event."""
        found: bool = await self._submit(_Update(project_id, event_id, changes))
        return found

    async def start_session(self, record: EventRecord) -> EventRecord:
        """Create the session, or merge into the stored one; the stored session."""
        stored: EventRecord = await self._submit(_SessionStart(record))
        return stored

    async def ingest_spans(
        self,
        project_id: str,
        events: Sequence[EventRecord],
        sessions: Sequence[EventRecord] = (),
    ) -> None:
        """Store one OTLP export's mapped spans and new sessions (ids that exist are left as
        they are), its parent links resolved as when it commits alone."""
        await self._submit(_Spans(project_id, events, sessions))

    async def _submit(self, write: _Write) -> Any:
        if self._closing:
            raise ServiceUnavailable(
                "the server is shutting down; retry the write",
                headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
            )
        if len(self._pending) >= self.max_pending:
            raise ServerBusy(
                f"server busy: {self.max_pending} writes are waiting for their commit "
                "already; retry shortly",
                headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
            )
        self._pending.append(write)
        if len(self._runners) < self.max_groups:
            runner = asyncio.get_running_loop().create_task(self._run())
            self._runners.add(runner)
        # A request cancelled while it waits leaves a cancelled future: a write not yet in a
        # group is then dropped, one already in a group commits (nobody hears about it).
        return await write.future

    async def close(self) -> None:
        """Refuse new writes and wait until every queued write is answered."""
        self._closing = True
        while self._runners:
            await asyncio.wait(set(self._runners))

    # -- the runners -----------------------------------------------------------------------

    async def _run(self) -> None:
        """Commit groups while writes are queued (at most ``max_groups`` of these run). The
        runner keeps its connection from one one-statement group to the next."""
        group: list[_Write] = []
        held = self.db.holder()
        try:
            while self._pending:
                if self.window_s > 0 and len(self._pending) < self.max_group:
                    await asyncio.sleep(self.window_s)
                group = []
                while self._pending and len(group) < self.max_group:
                    write = self._pending.popleft()
                    if not write.future.done():
                        group.append(write)
                if not group:
                    continue
                self._committing += len(group)
                try:
                    await self._commit(group, held)
                finally:
                    self._committing -= len(group)
                self.telemetry.write_group(len(group))
                group = []
        except BaseException:
            # Cancelled (the loop stops) or a bug: no write may wait forever.
            stopped = ServiceUnavailable(
                "the write was not committed: the server is stopping; retry it",
                headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
            )
            for write in (*group, *self._pending):
                if not write.future.done():
                    write.future.set_exception(stopped)
            self._pending.clear()
            raise
        finally:
            # Here, not in a done callback (those run a loop turn later, when a write queued
            # meanwhile would see a full set of runners and wait for nobody).
            current = asyncio.current_task()
            if current is not None:
                self._runners.discard(current)
            await held.release()

    async def _commit(self, group: list[_Write], held: ConnectionHolder) -> None:
        """Commit ``group`` in one transaction and answer its writes; on a failure that is
        not shared, commit each half on its own (down to single writes). A one-statement
        group runs on the runner's ``held`` connection; any other group gives it back first
        (a runner never holds two connections), and so does any failure."""

        alone = None if self.db.is_sqlite else _alone(group)

        async def transaction() -> list[Any]:
            if alone is not None:
                try:
                    return await alone(EventRepository(await held.get()))
                except BaseException:
                    await held.release()
                    raise
            await held.release()
            async with self.db.transaction(write=True) as conn:
                return await _apply(EventRepository(conn), group)

        try:
            results = await retry_conflicts(transaction, retries=self.conflict_retries)
        except Exception as exc:
            if len(group) > 1 and not _shared_failure(exc):
                logger.info(
                    "a group of %d writes failed (%s); committing it in halves",
                    len(group),
                    type(exc).__name__,
                )
                middle = len(group) // 2
                await self._commit(group[:middle], held)
                await self._commit(group[middle:], held)
                return
            for write in group:
                if not write.future.done():
                    write.future.set_exception(exc)
            return
        for write, result in zip(group, results, strict=True):
            if not write.future.done():
                write.future.set_result(result)
