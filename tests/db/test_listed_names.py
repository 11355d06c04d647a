"""`contains` / `not contains` on event_name on both backends. On Postgres a search first
lists the project's distinct event names that contain the needle and then selects those
names (migration 0007's index); a project with more than LISTED_NAMES_LIMIT names falls back
to the substring test. Either way the events and the count equal the reference model's, and
another project's names never count."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

import app.repository.search_sql as search_sql
from app.db.engine import Database
from app.domain.projects import project_for_name
from app.repository.events import EventRepository
from app.schemas.search import SearchBody
from app.search.daterange import DateWindow
from app.search.filters import parse_filters
from app.search.reference import reference_search
from app.settings import Settings
from tests.apps import client_for, new_key, running_app
from tests.backends import fresh_database, migrate

DAY_MS = 86_400_000
BASE_MS = 1_700_000_000_000
# Names of our project (each used by several events over three days) and of another one.
NAMES = ("step-1", "step-17", "STEP-170", "Ärger", "100%_done", "a_b", "plain", "ß-tool")
OTHER_NAMES = ("step-17-of-someone-else", "ärger-too")
# Day 1 of the data, as a search window (inclusive bounds).
DAY_ONE = DateWindow(BASE_MS + DAY_MS, BASE_MS + 2 * DAY_MS - 1)
NEEDLES = ("step-17", "STEP-1", "ärg", "%_", "_", "ss", "ß", "tool", "nowhere", "-")


@pytest.fixture(params=["sqlite", "postgres"])
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database(request.param, tmp_path, "events_listed_names") as found:
        await migrate(found)
        yield found


def iso(ms: int | None) -> str:
    assert ms is not None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


async def seed(client: httpx.AsyncClient, names: tuple[str, ...]) -> list[dict[str, Any]]:
    created: list[dict[str, Any]] = []
    for i in range(3 * len(names)):
        event = {
            "event_type": "tool",
            "event_name": names[i % len(names)],
            "inputs": {},
            # Name k on day k % 3 only, so that a one-day window lists fewer names.
            "start_time": BASE_MS + (i % len(names)) % 3 * DAY_MS + i,
        }
        answer = await client.post("/v1/events", json=event)
        assert answer.status_code == 200, answer.text
        created.append({**event, "event_id": answer.json()["event_id"]})
    return created


async def searches_match_the_reference(
    client: httpx.AsyncClient, ours: list[dict[str, Any]]
) -> int:
    """Every needle with both operators, page by page (limit 2, so that the count is read):
    the events and totalEvents equal the reference model's. Returns the searches made."""
    made = 0
    for needle, operator, window in itertools.product(
        NEEDLES, ("contains", "not contains"), (None, DAY_ONE)
    ):
        raw = [{"field": "event_name", "operator": operator, "value": needle}]
        filters = parse_filters(raw, strict=True)
        for page in (1, 2):
            want, total = reference_search(ours, filters, window, 2, page)
            body: dict[str, Any] = {"filters": raw, "limit": 2, "page": page}
            if window is not None:
                body["dateRange"] = {
                    "start_time": iso(window.start_ms),
                    "end_time": iso(window.end_ms),
                }
            answer = await client.post("/v1/events/search", json=body)
            assert answer.status_code == 200, answer.text
            got = answer.json()
            case = (needle, operator, window, page)
            assert [e["event_id"] for e in got["events"]] == [e["event_id"] for e in want], case
            assert got["totalEvents"] == total, case
            made += 1
    return made


@pytest.mark.parametrize("limit", [search_sql.LISTED_NAMES_LIMIT, 2])
async def test_event_name_contains_equals_the_reference(
    url: str, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # limit 2: our project has more names than that, so Postgres uses the substring test.
    monkeypatch.setattr("app.repository.events.LISTED_NAMES_LIMIT", limit)
    monkeypatch.setattr(search_sql, "LISTED_NAMES_LIMIT", limit)
    async with running_app(url, auth="keys", test_mode=True) as app:
        ours_key, theirs_key = [await new_key(app, name) for name in ("ours", "theirs")]
        async with client_for(app, ours_key) as ours, client_for(app, theirs_key) as theirs:
            ours_events = await seed(ours, NAMES)
            await seed(theirs, OTHER_NAMES)
            assert await searches_match_the_reference(ours, ours_events) == 8 * len(NEEDLES)


async def test_postgres_lists_the_names_that_contain_the_needle(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_app(url, auth="keys", test_mode=True) as app:
        ours_key, theirs_key = [await new_key(app, name) for name in ("ours", "theirs")]
        async with client_for(app, ours_key) as ours, client_for(app, theirs_key) as theirs:
            await seed(ours, NAMES)
            await seed(theirs, OTHER_NAMES)
    project = project_for_name("ours").id
    query = SearchBody.model_validate(
        {
            "filters": [
                {"field": "event_name", "operator": "contains", "value": "STEP-17"},
                {"field": "event_name", "operator": "not contains", "value": "Ärg"},
            ]
        }
    ).to_query()
    database = Database(Settings(database_url=url))
    try:
        async with database.transaction(write=False) as conn:
            listed = await EventRepository(conn).listed_names(project, query)
        monkeypatch.setattr("app.repository.events.LISTED_NAMES_LIMIT", len(NAMES) - 1)
        async with database.transaction(write=False) as conn:
            too_many = await EventRepository(conn).listed_names(project, query)
    finally:
        await database.dispose()
    if database.is_sqlite:  # one table, no partitions to plan: the substring test is fine
        assert listed == {} and too_many == {}
        return
    # Another project's names are never listed; a project with too many names is not.
    assert {needle: sorted(names) for needle, names in listed.items()} == {
        "STEP-17": ["STEP-170", "step-17"],
        "Ärg": ["Ärger"],
    }
    assert too_many == {}
