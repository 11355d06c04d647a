"""app/services/group_commit.py on a real migrated database of each backend: writes queued
while a group commits share the next transaction, a failing write fails only itself, two
updates of one event in one group apply in arrival order, a full queue refuses at once, and
closing drains the queue.

The runner is held deterministically: a transaction of the test updates event X and stays
open, so the committer's group that updates X waits for its row lock (Postgres) or for the
writer lock (SQLite); everything submitted meanwhile is queued."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from app.db.engine import Database
from app.domain.defaults import build_event
from app.domain.merge import plan_update
from app.domain.projects import Project
from app.domain.records import EventRecord
from app.errors import ServerBusy, ServiceUnavailable
from app.otlp import map_spans
from app.otlp.decode import Span
from app.repository.events import EventRepository
from app.services.group_commit import GroupCommitter
from app.services.projects import ProjectService
from app.settings import Settings


class Groups:
    """Telemetry that records the size of each committed group."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def events_ingested(self, count: int) -> None: ...

    def rows_deleted(self, reason: str, count: int) -> None: ...

    def partitions_changed(self, *, created: int, dropped: int) -> None: ...

    def write_group(self, size: int) -> None:
        self.sizes.append(size)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(Settings(database_url=database_url))
    yield database
    await database.dispose()


@pytest.fixture
async def project(db: Database) -> Project:
    return await ProjectService(db, f"group-commit-{uuid.uuid4().hex[:8]}").default()


def event(project: Project, **fields: Any) -> EventRecord:
    return build_event(
        {"event_type": "tool", "inputs": {"q": 1}, **fields}, project_id=project.id, now_ms=1000
    )


async def stored(db: Database, project: Project, ids: list[str]) -> dict[str, EventRecord]:
    async with db.transaction(write=False) as conn:
        found = await EventRepository(conn).get_many(project.id, ids)
    return {record["event_id"]: record for record in found}


async def until(condition: Callable[[], bool], timeout_s: float = 30) -> None:
    """Poll ``condition`` (state of the committer, which has no event to wait on)."""
    async with asyncio.timeout(timeout_s):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


@asynccontextmanager
async def runner_held(
    db: Database, committer: GroupCommitter, project: Project
) -> AsyncIterator[asyncio.Task[bool]]:
    """While the block runs, the committer's only runner is stuck in a group (an update of an
    event this transaction has updated and not committed); yields that update's task."""
    held = event(project)
    await committer.create(held)
    async with db.transaction(write=True) as conn:
        assert await EventRepository(conn).update(
            project.id, held["event_id"], plan_update({"metadata": {"holder": True}})
        )
        stuck = asyncio.create_task(
            committer.update(project.id, held["event_id"], plan_update({"metadata": {"n": 1}}))
        )
        await until(lambda: committer.committing == 1)
        yield stuck
    assert await stuck


def submit(*writes: Awaitable[Any]) -> list[asyncio.Task[Any]]:
    return [asyncio.ensure_future(write) for write in writes]


async def test_writes_queued_during_a_commit_share_the_next_group(
    db: Database, project: Project
) -> None:
    groups = Groups()
    committer = GroupCommitter(db, max_groups=1, telemetry=groups)
    records = [event(project) for _ in range(10)]
    async with runner_held(db, committer, project):
        tasks = submit(*(committer.create(record) for record in records))
        await until(lambda: committer.depth == len(records))
        assert not any(task.done() for task in tasks)  # nobody is answered before the commit
    await asyncio.gather(*tasks)
    assert groups.sizes[-2:] == [1, 10]  # the held update alone, then the ten creates
    ids = [record["event_id"] for record in records]
    assert set(await stored(db, project, ids)) == set(ids)


async def test_a_failing_write_fails_alone(db: Database, project: Project) -> None:
    committer = GroupCommitter(db, max_groups=1)
    target = event(project, metadata={"a": 1})
    await committer.create(target)
    good = [event(project) for _ in range(5)]
    # A start_time past the 64-bit range: the database driver refuses the whole statement.
    bad = event(project, start_time=2**70)
    async with runner_held(db, committer, project):
        tasks = submit(
            committer.create(good[0]),
            committer.create(good[1]),
            committer.create(bad),
            committer.update(project.id, "no-such-event", plan_update({"metadata": {"x": 1}})),
            committer.create(good[2]),
            committer.update(project.id, target["event_id"], plan_update({"metadata": {"b": 2}})),
            committer.create(good[3]),
            committer.create(good[4]),
        )
        await until(lambda: committer.depth == len(tasks))
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(outcomes[2], Exception), outcomes[2]
    assert outcomes[3] is False  # NotFound is its own answer, not a failure of the group
    assert outcomes[5] is True
    assert [o for i, o in enumerate(outcomes) if i not in (2, 3, 5)] == [None] * 5
    ids = [record["event_id"] for record in good]
    found = await stored(db, project, [*ids, bad["event_id"], target["event_id"]])
    assert set(found) == {*ids, target["event_id"]}
    assert found[target["event_id"]]["metadata"] == {"a": 1, "b": 2}


async def test_two_updates_of_one_event_in_one_group_apply_in_arrival_order(
    db: Database, project: Project
) -> None:
    groups = Groups()
    committer = GroupCommitter(db, max_groups=1, telemetry=groups)
    target = event(project, metadata={"kept": 0, "k": 0}, outputs={"v": 0})
    await committer.create(target)
    first = plan_update({"metadata": {"k": 1, "a": 1}, "outputs": {"v": 1}, "duration": 5.0})
    second = plan_update({"metadata": {"k": 2}, "outputs": {"v": 2}, "feedback": {"ok": True}})
    async with runner_held(db, committer, project):
        tasks = submit(
            committer.update(project.id, target["event_id"], first),
            committer.update(project.id, target["event_id"], second),
        )
        await until(lambda: committer.depth == 2)
    assert await asyncio.gather(*tasks) == [True, True]
    assert groups.sizes[-1] == 2
    stored_event = (await stored(db, project, [target["event_id"]]))[target["event_id"]]
    assert stored_event["metadata"] == {"kept": 0, "k": 2, "a": 1}
    assert stored_event["outputs"] == {"v": 2}
    assert stored_event["feedback"] == {"ok": True}
    assert stored_event["duration"] == 5.0


async def test_a_session_start_in_a_group_merges_like_alone(db: Database, project: Project) -> None:
    committer = GroupCommitter(db, max_groups=1)
    session_id = str(uuid.uuid4())
    fields = {"event_type": "session", "session_id": session_id, "inputs": {}}
    first = build_event({**fields, "metadata": {"a": 1}}, project_id=project.id, now_ms=1000)
    again = build_event({**fields, "metadata": {"b": 2}}, project_id=project.id, now_ms=2000)
    async with runner_held(db, committer, project):
        tasks = submit(committer.start_session(first), committer.start_session(again))
        await until(lambda: committer.depth == 2)
    created, merged = await asyncio.gather(*tasks)
    assert created["metadata"] == {"a": 1}
    assert merged["metadata"] == {"a": 1, "b": 2}
    assert merged["start_time"] == created["start_time"]  # the first write's row


async def test_a_full_queue_refuses_at_once_with_retry_after(
    db: Database, project: Project
) -> None:
    committer = GroupCommitter(db, max_pending=2, max_groups=1)
    queued = [event(project), event(project)]
    async with runner_held(db, committer, project):
        tasks = submit(*(committer.create(record) for record in queued))
        await until(lambda: committer.depth == 2)
        with pytest.raises(ServerBusy) as refused:
            await committer.create(event(project))
        assert refused.value.status_code == 503
        assert refused.value.error_code == "SERVER_BUSY"
        assert int(refused.value.headers["Retry-After"]) >= 1
    await asyncio.gather(*tasks)
    ids = [record["event_id"] for record in queued]
    assert set(await stored(db, project, ids)) == set(ids)


async def test_close_refuses_new_writes_and_commits_every_queued_one(
    db: Database, project: Project
) -> None:
    committer = GroupCommitter(db, max_groups=1)
    queued = [event(project) for _ in range(3)]
    async with runner_held(db, committer, project):
        tasks = submit(*(committer.create(record) for record in queued))
        await until(lambda: committer.depth == 3)
        closing = asyncio.create_task(committer.close())
        await asyncio.sleep(0.05)
        assert not closing.done()  # it waits for the queued writes
        with pytest.raises(ServiceUnavailable):
            await committer.create(event(project))
    await closing
    assert all(task.done() and task.exception() is None for task in tasks)
    ids = [record["event_id"] for record in queued]
    assert set(await stored(db, project, ids)) == set(ids)


async def test_several_groups_in_flight_keep_every_write(db: Database, project: Project) -> None:
    """Postgres runs several groups at once (SQLite one); concurrent creates and merge
    updates of shared events all land, whatever the grouping."""
    committer = GroupCommitter(db, max_groups=4)
    targets = [event(project, metadata={}) for _ in range(3)]
    for target in targets:
        await committer.create(target)
    creates = [event(project) for _ in range(40)]
    updates = [
        committer.update(
            project.id, targets[n % 3]["event_id"], plan_update({"metadata": {f"k{n}": n}})
        )
        for n in range(60)
    ]
    results = await asyncio.gather(*(committer.create(r) for r in creates), *updates)
    assert results[40:] == [True] * 60
    ids = [record["event_id"] for record in creates]
    assert set(await stored(db, project, ids)) == set(ids)
    found = await stored(db, project, [target["event_id"] for target in targets])
    for index, target in enumerate(targets):
        keys = {f"k{n}": n for n in range(60) if n % 3 == index}
        assert found[target["event_id"]]["metadata"] == keys


def export(project: Project, span: Span) -> tuple[list[EventRecord], list[EventRecord]]:
    """One OTLP export of one span, mapped as the route maps it."""
    mapped = map_spans([span], project_id=project.id, header_source=None)
    assert not mapped.rejected, mapped.rejected
    return mapped.events, mapped.sessions


def otlp_span(session_id: str, span_id: str, **fields: Any) -> Span:
    attributes = {"honeyhive.session_id": session_id, **fields.pop("attributes", {})}
    return Span(
        trace_id=uuid.uuid4().hex if "trace_id" not in fields else fields.pop("trace_id"),
        span_id=span_id,
        parent_span_id=fields.pop("parent", None),
        name="step",
        kind="INTERNAL",
        start_time_unix_nano=1_700_000_000_000_000_000,
        end_time_unix_nano=1_700_000_000_500_000_000,
        status_code="UNSET",
        status_message=None,
        attributes=attributes,
        events=(),
        resource_attributes={},
        scope_name=None,
    )


async def test_small_otlp_exports_share_a_group_and_keep_their_parent_links(
    db: Database, project: Project
) -> None:
    """Two exports in one group: a child whose parent chose its own event id is stored
    first, its parent in the next export; the child ends up pointing at the chosen id, as
    when each export commits alone."""
    groups = Groups()
    committer = GroupCommitter(db, max_groups=1, telemetry=groups)
    session_id, trace = str(uuid.uuid4()), uuid.uuid4().hex
    child = otlp_span(session_id, "2222222222222222", parent="1111111111111111", trace_id=trace)
    parent = otlp_span(
        session_id,
        "1111111111111111",
        trace_id=trace,
        attributes={"honeyhive_event_id": f"chosen-{session_id}"},
    )
    plain = event(project)
    async with runner_held(db, committer, project):
        tasks = submit(
            committer.ingest_spans(project.id, *export(project, child)),
            committer.create(plain),
            committer.ingest_spans(project.id, *export(project, parent)),
        )
        await until(lambda: committer.depth == 3)
        assert not any(task.done() for task in tasks)
    assert await asyncio.gather(*tasks) == [None, None, None]
    assert groups.sizes[-1] == 3
    child_id = export(project, child)[0][0]["event_id"]
    found = await stored(db, project, [child_id, f"chosen-{session_id}", plain["event_id"]])
    assert set(found) == {child_id, f"chosen-{session_id}", plain["event_id"]}
    assert found[child_id]["parent_id"] == f"chosen-{session_id}"


async def test_a_failing_create_fails_alone_in_a_group_of_creates(
    db: Database, project: Project
) -> None:
    """A group of creates of one project only (on Postgres: one statement, its own
    transaction): a write the driver refuses fails alone, a repeated id keeps its first
    write, and a group of COPY_FROM_ROWS creates or more (claim + COPY) lands whole."""
    groups = Groups()
    committer = GroupCommitter(db, max_groups=1, telemetry=groups)
    good = [event(project, metadata={"n": n}) for n in range(4)]
    repeated = {**good[0], "metadata": {"n": "second"}}
    bad = event(project, start_time=2**70)
    async with runner_held(db, committer, project):
        tasks = submit(*(committer.create(r) for r in (good[0], good[1], bad, good[2], repeated)))
        tasks += submit(committer.create(good[3]))
        await until(lambda: committer.depth == len(tasks))
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(outcomes[2], Exception), outcomes[2]
    assert [o for i, o in enumerate(outcomes) if i != 2] == [None] * 5
    ids = [record["event_id"] for record in good]
    found = await stored(db, project, [*ids, bad["event_id"]])
    assert set(found) == set(ids)
    assert found[good[0]["event_id"]]["metadata"] == {"n": 0}  # the first write won
    many = [event(project) for _ in range(40)]
    async with runner_held(db, committer, project):
        tasks = submit(*(committer.create(record) for record in many))
        await until(lambda: committer.depth == len(many))
    assert await asyncio.gather(*tasks) == [None] * 40
    assert groups.sizes[-1] == 40
    ids = [record["event_id"] for record in many]
    assert set(await stored(db, project, ids)) == set(ids)


async def test_a_group_of_updates_answers_each_update(db: Database, project: Project) -> None:
    """A group of updates of one project only (on Postgres: the look-up and one UPDATE, no
    transaction around them): each write gets its own answer, in arrival order."""
    groups = Groups()
    committer = GroupCommitter(db, max_groups=1, telemetry=groups)
    first, second = event(project, metadata={"a": 0}), event(project, end_time=2000)
    for record in (first, second):
        await committer.create(record)
    async with runner_held(db, committer, project):
        tasks = submit(
            committer.update(project.id, first["event_id"], plan_update({"metadata": {"b": 1}})),
            committer.update(project.id, "no-such-event", plan_update({"metadata": {"x": 1}})),
            committer.update(project.id, second["event_id"], plan_update({})),
            committer.update(project.id, first["event_id"], plan_update({"metadata": {"a": 2}})),
            committer.update(project.id, second["event_id"], plan_update({"duration": 7.5})),
        )
        await until(lambda: committer.depth == len(tasks))
    assert await asyncio.gather(*tasks) == [True, False, True, True, True]
    assert groups.sizes[-1] == len(tasks)
    found = await stored(db, project, [first["event_id"], second["event_id"]])
    assert found[first["event_id"]]["metadata"] == {"a": 2, "b": 1}
    assert found[second["event_id"]]["duration"] == 7.5
    assert found[second["event_id"]]["end_time"] == 2000
