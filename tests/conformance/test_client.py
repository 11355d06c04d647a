"""docs/protocol.md#scenario-2 to scenario-10: the real HoneyHive SDK's REST client (1.7.0) against
a real server.

`HoneyHive(...).events/.sessions` use the legacy routes; the generated services in
`honeyhive._generated.services` use the v1 routes (as the CLI does). Every scenario reads
what the server stored back through the API and checks field values.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from honeyhive import HoneyHive
from honeyhive._generated import models as v1
from honeyhive._generated.api_config import APIConfig, HTTPException
from honeyhive._generated.services import Events_service, Sessions_service
from honeyhive.models import (
    EventFilter,
    GetEventsQuery,
    PostEventBatchRequest,
    PostEventRequest,
    StartSessionRequest,
    UpdateEventRequest,
)
from honeyhive.utils.error_handler import APIError

from tests.conformance.reads import Api
from tests.live_server import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

JAN_2024 = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)
DAY_MS = 86_400_000


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def client(conformance_server: LiveServer, api_key: str) -> HoneyHive:
    return HoneyHive(api_key=api_key, base_url=conformance_server.url)


@pytest.fixture
def cfg(conformance_server: LiveServer, api_key: str) -> APIConfig:
    """What the generated (v1) services take."""
    return APIConfig(base_path=conformance_server.url, access_token=api_key)


def is_uuid(value: Any) -> bool:
    try:
        return str(uuid.UUID(str(value))) == value
    except ValueError:
        return False


# ---------------------------------------------------------------------- docs/protocol.md#scenario-2


def test_legacy_create_update_get(client: HoneyHive, cfg: APIConfig, api: Api) -> None:
    """docs/protocol.md#scenario-2: events.create -> PUT /events updates (merge, replace,
    children_ids) -> getEvent."""
    sid = new_id()
    client.sessions.start(StartSessionRequest(session={"session_id": sid, "session_name": "s"}))
    created = client.events.create(
        PostEventRequest(
            event={
                "project": "ignored-by-the-server",
                "event_type": "tool",
                "event_name": "t1",
                "source": "conf",
                "session_id": sid,
                "inputs": {"q": 1},
                "config": {"model": "m", "temperature": 0.5},
                "metadata": {"cost": 0.5},
                "feedback": {"rating": 3},
                "metrics": {"latency": 10},
                "user_properties": {"user_id": "u"},
                "start_time": 1_700_000_000_000.0,
                "end_time": 1_700_000_000_250.0,
            }
        )
    )
    assert created.success is True and is_uuid(created.event_id)
    event_id = created.event_id

    got = Events_service.getEvent(cfg, event_id=event_id).event  # parses GetEventResponse
    assert got.event_id == event_id and got.session_id == sid and got.parent_id == sid
    assert (got.event_type, got.event_name, got.source) == ("tool", "t1", "conf")
    assert got.inputs == {"q": 1} and got.outputs is None
    assert got.start_time == 1_700_000_000_000 and got.end_time == 1_700_000_000_250
    assert got.duration == 250  # end - start when not given

    assert (
        client.events.update(
            UpdateEventRequest(
                event_id=event_id,
                metadata={"tokens": 3},
                outputs={"x": 1},
                feedback={"comment": "ok"},
                metrics={"score": 0.9},
                config={"temperature": 0.7},
                user_properties={"plan": "pro"},
                children_ids=["c1"],
                duration=5,
                end_time=1_900_000_000_000,
            )
        )
        is None
    )
    event = api.get_event(event_id)
    assert event["metadata"] == {"cost": 0.5, "tokens": 3}
    assert event["feedback"] == {"rating": 3, "comment": "ok"}
    assert event["metrics"] == {"latency": 10, "score": 0.9}
    assert event["config"] == {"model": "m", "temperature": 0.7}
    assert event["user_properties"] == {"user_id": "u", "plan": "pro"}
    assert event["outputs"] == {"x": 1}
    assert event["children_ids"] == ["c1"]
    assert event["duration"] == 5 and event["end_time"] == 1_900_000_000_000

    # Second update: keys in the update win, outputs replaced, [] children ignored.
    client.events.update(
        UpdateEventRequest(
            event_id=event_id, metadata={"cost": 0.75}, outputs={"y": 2}, children_ids=[]
        )
    )
    event = api.get_event(event_id)
    assert event["metadata"] == {"cost": 0.75, "tokens": 3}
    assert event["outputs"] == {"y": 2}
    assert event["children_ids"] == ["c1"]
    assert event["inputs"] == {"q": 1} and event["event_name"] == "t1"


# ---------------------------------------------------------- docs/protocol.md#scenario-3, scenario-4


def test_v1_create_update_get_defaults_and_unknown_key(cfg: APIConfig, api: Api) -> None:
    """docs/protocol.md#scenario-3 and scenario-4 through the generated v1 services (the CLI's
    routes)."""
    created = Events_service.createEvent(
        cfg, data=v1.PostEventRequest(event_type="tool", inputs={})
    )
    assert created.success is True
    event = api.get_event(created.event_id)
    # docs/protocol.md#scenario-4 defaults.
    assert is_uuid(event["event_id"]) and is_uuid(event["session_id"])
    assert event["parent_id"] == event["session_id"]
    assert event["event_name"] == "unknown" and event["source"] == "unknown"
    assert isinstance(event["start_time"], int) and event["start_time"] > JAN_2024

    named = Events_service.createEvent(
        cfg,
        data=v1.PostEventRequest(
            event_type="chain", event_name="v1ev", inputs={"a": 1}, children_ids=["k0"]
        ),
    )
    event_id = named.event_id
    Events_service.updateEvent(
        cfg,
        event_id=event_id,
        data=v1.UpdateEventRequest(metadata={"k": 1}, outputs={"o": 1}, children_ids=[]),
    )
    Events_service.updateEvent(
        cfg, event_id=event_id, data=v1.UpdateEventRequest(metadata={"k2": 2}, outputs={"p": 2})
    )
    event = Events_service.getEvent(cfg, event_id=event_id).event
    assert event.metadata == {"k": 1, "k2": 2}
    assert event.outputs == {"p": 2}
    assert event.children_ids == ["k0"]
    assert event.inputs == {"a": 1} and event.event_name == "v1ev"

    # An unknown key on the strict v1 create -> 400 in the error envelope.
    with pytest.raises(HTTPException) as raised:
        Events_service.createEvent(
            cfg, data=v1.PostEventRequest(event_type="tool", inputs={}, bogus=1)
        )
    assert raised.value.status_code == 400 and raised.value.error_code == "BAD_REQUEST"
    assert "bogus" in (raised.value.server_message or "")
    # Missing inputs (what the CLI can send; the generated model would not) -> 400.
    missing_inputs = api.http.post("/v1/events", json={"event_type": "tool"})
    assert missing_inputs.status_code == 400
    assert missing_inputs.json()["errorCode"] == "BAD_REQUEST"
    assert "inputs" in missing_inputs.json()["message"]
    # A bad event_type -> 400 too.
    with pytest.raises(HTTPException) as raised:
        Events_service.createEvent(cfg, data=v1.PostEventRequest(event_type="span", inputs={}))
    assert raised.value.status_code == 400 and "event_type" in str(raised.value)


# ---------------------------------------------------------------------- docs/protocol.md#scenario-5


def seed_export_session(client: HoneyHive) -> tuple[str, dict[str, str]]:
    """One single-session batch with known costs, types and times; returns (sid, ids)."""
    specs = [
        ("m1", "model", 0.05, JAN_2024 + 10 * DAY_MS),
        ("m2", "model", 0.2, JAN_2024 + 11 * DAY_MS),
        ("m3", "model", 0.3, JAN_2024 + 12 * DAY_MS),
        ("m4", "model", 0.5, JAN_2024 + 13 * DAY_MS),
        ("m5", "model", 1.0, JAN_2024 + 14 * DAY_MS),
        ("c1", "chain", 0.9, JAN_2024 + 15 * DAY_MS),
        ("old", "model", 5.0, JAN_2024 - 20 * DAY_MS),  # outside the date range
    ]
    batch = client.events.create_batch(
        PostEventBatchRequest(
            events=[
                {
                    "event_type": kind,
                    "event_name": name,
                    "inputs": {"i": name},
                    "outputs": {"o": name},
                    "metadata": {"cost": cost},
                    "start_time": float(start),
                }
                for name, kind, cost, start in specs
            ],
            is_single_session=True,
            session={"session_name": "export-seed", "start_time": float(JAN_2024)},
        )
    )
    assert batch.session_id is not None
    return batch.session_id, {
        spec[0]: event_id for spec, event_id in zip(specs, batch.event_ids, strict=True)
    }


def test_export_filters_date_range_projections_and_pages(client: HoneyHive) -> None:
    """docs/protocol.md#scenario-5: export() with a string-valued number filter, a $gte/$lte range,
    projections,
    limit and page; totals are the matches before paging; answers parse as LegacyEvent."""
    sid, ids = seed_export_session(client)
    filters: list[Any] = [
        EventFilter(field="session_id", operator="is", value=sid, type="string"),
        EventFilter(field="metadata.cost", operator="greater than", value="0.1", type="number"),
        {"field": "event_type", "operator": "is", "value": "model", "type": "string"},
    ]
    window = {"$gte": "2024-01-01T00:00:00Z", "$lte": "2024-02-01T00:00:00Z"}

    full = client.events.export(filters=filters, date_range=window)
    assert full.total_events == 4
    assert [e.event_name for e in full.events] == ["m5", "m4", "m3", "m2"]  # start_time DESC
    m5 = full.events[0]
    assert m5.event_id == ids["m5"] and m5.session_id == sid and m5.parent_id == sid
    assert m5.metadata == {"cost": 1.0} and m5.inputs == {"i": "m5"}
    assert m5.outputs == {"o": "m5"} and m5.start_time == JAN_2024 + 14 * DAY_MS

    pages = [
        client.events.export(filters=filters, date_range=window, limit=3, page=page)
        for page in (1, 2, 3)
    ]
    assert [p.total_events for p in pages] == [4, 4, 4]
    assert [[e.event_name for e in p.events] for p in pages] == [["m5", "m4", "m3"], ["m2"], []]

    projected = client.events.export(
        filters=filters,
        date_range=window,
        projections=["event_id", "event_name", "metadata"],
        limit=2,
        page=2,
    )
    assert projected.total_events == 4
    assert [(e.event_id, e.event_name, e.metadata) for e in projected.events] == [
        (ids["m3"], "m3", {"cost": 0.3}),
        (ids["m2"], "m2", {"cost": 0.2}),
    ]
    for event in projected.events:
        dumped = event.model_dump(exclude_none=True)
        assert set(dumped) == {"event_id", "event_name", "metadata"}, dumped

    only_ids = client.events.export(filters=filters, date_range=window, projections=["event_id"])
    assert sorted(e.event_id for e in only_ids.events) == sorted(
        ids[name] for name in ("m2", "m3", "m4", "m5")
    )
    assert all(set(e.model_dump(exclude_none=True)) == {"event_id"} for e in only_ids.events)

    # Millisecond bounds are accepted too, and bound inclusively.
    ms_window = {"$gte": JAN_2024 + 11 * DAY_MS, "$lte": JAN_2024 + 13 * DAY_MS}
    ranged = client.events.export(filters=filters, date_range=ms_window)  # type: ignore[arg-type]
    assert [e.event_name for e in ranged.events] == ["m4", "m3", "m2"]


def test_list_with_relative_range_and_exists_filter(client: HoneyHive) -> None:
    """docs/protocol.md#scenario-5: events.list(GetEventsQuery(dateRange={"relative": "7d"}, ...));
    the SDK drops
    the None value of an `exists` filter and sends limit as 10.0."""
    now_ms = int(datetime.now(tz=UTC).timestamp() * 1000)
    batch = client.events.create_batch(
        PostEventBatchRequest(
            events=[
                {
                    "event_type": "tool",
                    "event_name": "flag-true",
                    "inputs": {},
                    "metadata": {"flag": True},
                },
                {
                    "event_type": "tool",
                    "event_name": "flag-false",
                    "inputs": {},
                    "metadata": {"flag": False},
                },
                {"event_type": "tool", "event_name": "no-flag", "inputs": {}, "metadata": {}},
                {
                    "event_type": "tool",
                    "event_name": "flag-old",
                    "inputs": {},
                    "metadata": {"flag": True},
                    "start_time": float(now_ms - 30 * DAY_MS),
                },
            ],
            is_single_session=True,
            session={"session_name": "list-seed"},
        )
    )
    sid = batch.session_id
    result = client.events.list(
        GetEventsQuery(
            dateRange={"relative": "7d"},
            filters=[
                {"field": "session_id", "operator": "is", "value": sid, "type": "string"},
                {"field": "metadata.flag", "operator": "exists", "value": None, "type": "string"},
            ],
            limit=10,
        )
    )
    assert result.totalEvents == 2
    assert sorted(e.event_name for e in result.events) == ["flag-false", "flag-true"]

    # The whole session in the window: the session event and the three recent events.
    everything = client.events.list(
        GetEventsQuery(
            dateRange={"relative": "7d"},
            filters=[{"field": "session_id", "operator": "is", "value": sid, "type": "string"}],
            limit=10,
        )
    )
    assert everything.totalEvents == 4
    assert "flag-old" not in {e.event_name for e in everything.events}


def test_list_with_the_protocol_example_filter_on_an_unknown_field(client: HoneyHive) -> None:
    """docs/protocol.md#scenario-5 verbatim: `{"field": "x", "operator": "exists"}` names no event
    field. The
    real client sends it; a conforming server answers it (nothing has a field "x"),
    it does not fail the SDK call."""
    sid = client.events.create_batch(
        PostEventBatchRequest(
            events=[{"event_type": "tool", "inputs": {}}],
            is_single_session=True,
            session={"session_name": "x-exists"},
        )
    ).session_id
    result = client.events.list(
        GetEventsQuery(
            dateRange={"relative": "7d"},
            filters=[
                {"field": "session_id", "operator": "is", "value": sid, "type": "string"},
                {"field": "x", "operator": "exists", "value": None, "type": "string"},
            ],
            limit=10,
        )
    )
    assert result.totalEvents == 0 and result.events == []


def test_get_by_session_id_returns_the_session_oldest_first(client: HoneyHive) -> None:
    """docs/protocol.md#scenario-5: get_by_session_id() = export(session_id is X, limit 1000),
    sorted ascending."""
    sid = new_id()
    client.sessions.start(
        StartSessionRequest(
            session={"session_id": sid, "session_name": "by-sid", "start_time": float(JAN_2024)}
        )
    )
    created = [
        client.events.create(
            PostEventRequest(
                event={
                    "event_type": "model",
                    "event_name": f"e{i}",
                    "session_id": sid,
                    "inputs": {"i": i},
                    "start_time": float(JAN_2024 + (3 - i) * 1000),
                }
            )
        ).event_id
        for i in range(3)
    ]
    result = client.events.get_by_session_id(sid)
    assert result.total_events == 4
    assert [e.event_name for e in result.events] == ["by-sid", "e2", "e1", "e0"]
    assert [e.event_id for e in result.events] == [sid, *reversed(created)]
    assert all(e.session_id == sid for e in result.events)


# ---------------------------------------------------------------------- docs/protocol.md#scenario-6


def test_generated_search_with_evaluation_id_date_range_and_limits(
    client: HoneyHive, cfg: APIConfig
) -> None:
    """docs/protocol.md#scenario-6 through the generated searchEvents (POST /v1/events/search)."""
    run_id = f"run-{uuid.uuid4().hex}"
    client.events.create_batch(
        PostEventBatchRequest(
            events=[
                {
                    "event_type": "model",
                    "event_name": f"r{rating}",
                    "inputs": {},
                    "feedback": {"rating": rating},
                    "metadata": {"run_id": run_id},
                    "start_time": float(JAN_2024 + rating * DAY_MS),
                }
                for rating in (1, 4, 5, 2, 9)
            ]
        )
    )
    result = Events_service.searchEvents(
        cfg,
        data=v1.SearchEventsRequest(
            filters=[
                v1.EventSearchFilter(
                    field="feedback.rating", operator="greater than", value=3.0, type="number"
                )
            ],
            dateRange=v1.SearchEventsRequestDateRange(
                start_time="2024-01-01T00:00:00Z", end_time="2024-01-07T00:00:00Z"
            ),
            limit=100,
            page=1,
            ignore_order=True,
            evaluation_id=run_id,
        ),
    )
    assert result.count == 2
    assert [e.event_name for e in result.events] == ["r5", "r4"]  # always start_time DESC

    paged = Events_service.searchEvents(
        cfg, data=v1.SearchEventsRequest(evaluation_id=run_id, limit=2, page=3)
    )
    assert paged.count == 5 and [e.event_name for e in paged.events] == ["r1"]

    with pytest.raises(HTTPException) as raised:
        Events_service.searchEvents(cfg, data=v1.SearchEventsRequest(limit=1001))
    assert raised.value.status_code == 400 and "limit" in (raised.value.server_message or "")
    with pytest.raises(HTTPException) as raised:
        Events_service.searchEvents(cfg, data=v1.SearchEventsRequest(projections=["event_id"]))
    assert raised.value.status_code == 400 and raised.value.error_code == "BAD_REQUEST"


# ---------------------------------------------------------------------- docs/protocol.md#scenario-7


def test_legacy_batch_with_aliases_creates_one_session(
    client: HoneyHive, cfg: APIConfig, api: Api
) -> None:
    """docs/protocol.md#scenario-7: create_batch(is_single_session=True, session={...}) with
    per-event `project`."""
    own_id = new_id()
    batch = client.events.create_batch(
        PostEventBatchRequest(
            events=[
                {"event_type": "model", "event_name": "first", "inputs": {}},
                {"project": "p", "event_type": "chain", "event_name": "second", "inputs": {"a": 1}},
                {
                    "event_type": "tool",
                    "event_name": "third",
                    "event_id": own_id,
                    "inputs": {},
                    "metadata": {"k": "v"},
                },
            ],
            is_single_session=True,
            session={"session_name": "b", "metadata": {"batch": True}, "user_properties": {"u": 1}},
        )
    )
    assert batch.success is True and batch.session_id and len(batch.event_ids) == 3
    assert batch.event_ids[2] == own_id
    sid = batch.session_id

    stored = [api.get_event(event_id) for event_id in batch.event_ids]
    assert [e["event_name"] for e in stored] == ["first", "second", "third"]  # request order
    assert [e["event_type"] for e in stored] == ["model", "chain", "tool"]
    assert all(e["session_id"] == sid and e["parent_id"] == sid for e in stored)
    assert stored[1]["inputs"] == {"a": 1} and stored[2]["metadata"] == {"k": "v"}

    session = api.get_event(sid)
    assert session["event_type"] == "session" and session["event_name"] == "b"
    assert session["session_id"] == sid and session["parent_id"] is None
    assert session["metadata"] == {"batch": True} and session["user_properties"] == {"u": 1}
    assert len(api.session_events(sid)) == 4

    # The v1 batch route (generated createEventBatch) with single_session + properties.
    v1_batch = Events_service.createEventBatch(
        cfg,
        data=v1.PostEventBatchRequest(
            events=[v1.PostEventRequest(event_type="tool", inputs={"n": n}) for n in range(3)],
            single_session=True,
            session_properties=v1.SessionProperties(session_name="sp"),
        ),
    )
    assert v1_batch.session_id and len(v1_batch.event_ids) == 3
    assert api.get_event(v1_batch.session_id)["event_name"] == "sp"
    assert [api.get_event(i)["inputs"] for i in v1_batch.event_ids] == [
        {"n": 0},
        {"n": 1},
        {"n": 2},
    ]
    # ...which is strict: the legacy aliases are a 400.
    with pytest.raises(HTTPException) as raised:
        Events_service.createEventBatch(
            cfg,
            data=v1.PostEventBatchRequest(
                events=[v1.PostEventRequest(event_type="tool", inputs={})], is_single_session=True
            ),
        )
    assert raised.value.status_code == 400 and "is_single_session" in str(raised.value)
    with pytest.raises(HTTPException) as raised:
        Events_service.createEventBatch(
            cfg,
            data=v1.PostEventBatchRequest(
                events=[v1.PostEventRequest(event_type="tool", inputs={}, project="p")]
            ),
        )
    assert raised.value.status_code == 400 and "project" in str(raised.value)


# ---------------------------------------------------------------------- docs/protocol.md#scenario-8


def test_session_start_twice_merges_metadata(client: HoneyHive, cfg: APIConfig, api: Api) -> None:
    """docs/protocol.md#scenario-8: starting one session id twice answers the same, merged
    session."""
    sid = new_id()
    first = client.sessions.start(
        StartSessionRequest(
            session={
                "session_id": sid,
                "session_name": "s1",
                "source": "conf",
                "metadata": {"a": 1},
                "user_properties": {"u": 1},
                "inputs": {"q": "hi"},
            }
        )
    )
    assert first.event_id == first.session_id == sid
    for key in (first.project_id, first.org_id, first.workspace_id):
        assert isinstance(key, str) and key
    assert first.event_type == "session" and first.event_name == "s1"

    again = client.sessions.start(
        StartSessionRequest(
            session={
                "session_id": sid,
                "session_name": "s2",
                "metadata": {"b": 2},
                "user_properties": {"v": 2},
            }
        )
    )
    assert again.event_id == sid and again.metadata == {"a": 1, "b": 2}
    assert again.user_properties == {"u": 1, "v": 2}
    assert again.event_name == "s1"  # other fields keep their first value
    assert again.project_id == first.project_id and again.start_time == first.start_time

    stored = api.get_event(sid)
    assert stored["metadata"] == {"a": 1, "b": 2} and stored["inputs"] == {"q": "hi"}
    assert stored["source"] == "conf" and stored["parent_id"] is None
    assert [e["event_id"] for e in api.session_events(sid)] == [sid]  # still one event

    # The flat-dict form the SDK wraps itself, and the v1 route (generated createSession).
    flat = client.sessions.start({"session_name": "flat", "project": "p"})
    assert api.get_event(flat.session_id)["event_name"] == "flat"
    v1_session = Sessions_service.createSession(
        cfg, data=v1.StartSessionRequest(session_name="v1s")
    )
    stored = api.get_event(v1_session.session_id)
    assert stored["event_name"] == "v1s" and stored["source"] == "unknown"
    assert stored["event_type"] == "session" and stored["event_id"] == v1_session.session_id


# ---------------------------------------------------------------------- docs/protocol.md#scenario-9


def test_session_scoped_batches(client: HoneyHive, cfg: APIConfig, api: Api) -> None:
    """docs/protocol.md#scenario-9: the path's session id overrides every event's; logs+events
    together -> 400."""
    sid = client.sessions.start({"session_name": "scoped"}).session_id
    answer = Sessions_service.createSessionEventBatch(
        cfg,
        session_id=sid,
        data=v1.SessionEventBatchRequest(
            events=[
                v1.PostEventRequest(
                    event_type="model", event_name="a", inputs={}, session_id="other"
                ),
                v1.PostEventRequest(event_type="tool", event_name="b", inputs={"x": 1}),
            ]
        ),
    )
    assert answer.success is True
    traces = Sessions_service.addSessionTracesLegacy(
        cfg,
        session_id=sid,
        data=v1.AddSessionTracesRequest(
            events=[v1.LegacyEvent(event_type="chain", event_name="c", inputs={})]
        ),
    )
    assert traces.success is True
    events = {e["event_name"]: e for e in api.session_events(sid)}
    assert set(events) == {"scoped", "a", "b", "c"}
    assert all(e["session_id"] == sid for e in events.values())
    assert events["a"]["parent_id"] == sid and events["b"]["inputs"] == {"x": 1}

    with pytest.raises(HTTPException) as raised:
        Sessions_service.addSessionTracesLegacy(
            cfg,
            session_id=sid,
            data=v1.AddSessionTracesRequest(
                events=[v1.LegacyEvent(event_type="tool", inputs={})],
                logs=[v1.LegacyEvent(event_type="tool", inputs={})],
            ),
        )
    assert raised.value.status_code == 400 and raised.value.error_code == "BAD_REQUEST"
    assert len(api.session_events(sid)) == 4  # nothing written


# --------------------------------------------------------------------- docs/protocol.md#scenario-10


def test_errors_reach_the_sdk_with_our_message(client: HoneyHive, cfg: APIConfig) -> None:
    """docs/protocol.md#scenario-10 and docs/protocol.md#errors: error answers raise the SDK's
    exceptions carrying the server's message."""
    missing = new_id()
    with pytest.raises(HTTPException) as raised:
        client.events.update(UpdateEventRequest(event_id=missing, metadata={"a": 1}))
    error = raised.value
    assert error.status_code == 404 and error.error_code == "NOT_FOUND"
    assert error.server_message == f"Event not found: {missing}"
    assert str(error) == (
        f"404 updateEventLegacy failed with status code: 404: Event not found: {missing}"
        " (the resource does not exist or the API key lacks access to it)"
    )

    with pytest.raises(HTTPException) as raised:
        Events_service.getEvent(cfg, event_id=missing)
    assert raised.value.status_code == 404 and raised.value.error_code == "NOT_FOUND"

    with pytest.raises(HTTPException) as raised:
        Events_service.updateEvent(
            cfg, event_id=missing, data=v1.UpdateEventRequest(metadata={"a": 1})
        )
    assert raised.value.status_code == 404

    # A bad body through the legacy wrapper (its model checks only that a type is given).
    with pytest.raises(HTTPException) as raised:
        client.events.create(PostEventRequest(event={"event_type": "span", "inputs": {}}))
    assert raised.value.status_code == 400 and raised.value.error_code == "BAD_REQUEST"
    assert "event_type" in (raised.value.server_message or "")

    # The capture's search with limit 5000.
    with pytest.raises(HTTPException) as raised:
        Events_service.searchEvents(cfg, data=v1.SearchEventsRequest(limit=5000))
    assert raised.value.status_code == 400
    assert raised.value.server_message and "limit" in raised.value.server_message

    # export() raises its own APIError (400 is not retried) with the raw answer.
    with pytest.raises(APIError) as export_error:
        client.events.export(
            filters=[EventFilter(field="event_type", operator="is", value="model", type="id")]
        )
    assert "status code: 400" in str(export_error.value)
    assert '"errorCode":"BAD_REQUEST"' in str(export_error.value)


# --------------------------------------------------------------------------- fidelity

ODD_VALUES: dict[str, Any] = {
    "unicode": 'héllo wörld 🌍 \u2028 中文 "quoted" back\\slash',
    "int64_max": 2**63 - 1,
    "int64_min": -(2**63),
    "big_int_2_60": 2**60,
    "float": 0.1 + 0.2,
    "tiny": 5e-324,
    "huge": 1.7976931348623157e308,
    "negative_zero_as_float": -1.5,
    "bools": [True, False],
    "null_in_list": [1, None, "x"],
    "empty_obj": {},
    "empty_list": [],
    "nested": {"a": {"b": {"c": [1, {"d": [2, 3]}]}}},
    "key with spaces.and.dots": 1,
}


def test_values_round_trip_exactly(client: HoneyHive, cfg: APIConfig, api: Api) -> None:
    """What the SDK sends comes back unchanged on every read path (GET, export, search)."""
    created = client.events.create(
        PostEventRequest(
            event={
                "event_type": "tool",
                "event_name": "odd-values \u00e9",
                "inputs": ODD_VALUES,
                "metadata": ODD_VALUES,
                "outputs": {"echo": ODD_VALUES},
            }
        )
    )
    event = api.get_event(created.event_id)
    assert event["event_name"] == "odd-values \u00e9"
    assert event["inputs"] == ODD_VALUES and event["metadata"] == ODD_VALUES
    assert event["outputs"] == {"echo": ODD_VALUES}
    for key in ("int64_max", "int64_min", "big_int_2_60"):
        assert isinstance(event["inputs"][key], int), (key, event["inputs"][key])

    exported = client.events.export(
        filters=[EventFilter(field="event_id", operator="is", value=created.event_id)]
    )
    assert exported.total_events == 1
    assert exported.events[0].inputs == ODD_VALUES
    assert exported.events[0].metadata == ODD_VALUES

    searched = Events_service.searchEvents(
        cfg,
        data=v1.SearchEventsRequest(
            filters=[
                v1.EventSearchFilter(field="event_id", operator="is", value=created.event_id),
                v1.EventSearchFilter(
                    field="metadata.unicode", operator="contains", value="🌍", type="string"
                ),
            ]
        ),
    )
    assert searched.count == 1 and searched.events[0].outputs == {"echo": ODD_VALUES}


def test_number_filters_on_an_integer_beyond_2_53(cfg: APIConfig, api: Api) -> None:
    """2**60 is stored exactly; integer filter values are compared exactly too, so `is`,
    `greater than` and `less than` agree that it equals itself on every backend (ids of this
    size, e.g. snowflake ids, are common in metadata). The filters go as JSON integers (the
    generated SDK models turn such a value into a double, whose comparison with an integer
    beyond 2**53 docs/search.md documents as backend-dependent)."""
    marker = uuid.uuid4().hex
    big = 2**60
    Events_service.createEvent(
        cfg,
        data=v1.PostEventRequest(
            event_type="tool", inputs={}, metadata={"marker": marker, "big": big}
        ),
    )

    def count(operator: str, value: Any) -> int:
        response = api.http.post(
            "/v1/events/search",
            json={
                "filters": [
                    {"field": "metadata.marker", "operator": "is", "value": marker},
                    {
                        "field": "metadata.big",
                        "operator": operator,
                        "value": value,
                        "type": "number",
                    },
                ]
            },
        )
        assert response.status_code == 200, response.text
        return int(response.json()["count"])

    assert count("greater than", big - 2**20) == 1
    assert count("is", big) == 1
    assert count("is", str(big)) == 1  # the Python EventFilter sends numbers as text
    assert count("is", big + 1) == 0
    assert count("less than", big) == 0
    assert count("greater than", big) == 0
    assert count("less than", big + 1) == 1


# ------------------------------------------------------- docs/protocol.md#routes (the schema route)


def test_legacy_events_schema_route(client: HoneyHive, cfg: APIConfig) -> None:
    """E12: the generated getEventsSchemaLegacy -> GET /v1/events/schema answers 200 with
    `fields`, `datasets`, `mappings` (all required by the SDK's model), also for the
    Python-repr dateRange the generated client really sends (docs/protocol.md#open-questions,
    10)."""
    run_id = f"run-{uuid.uuid4().hex}"
    client.events.create(
        PostEventRequest(
            event={
                "event_type": "model",
                "inputs": {"prompt": "p"},
                "metadata": {"run_id": run_id, "cost": 0.2},
            }
        )
    )
    for date_range in (
        "7d",
        v1.GetEventsSchemaLegacyDateRangeOneOf1(
            **{"$gte": "2024-01-01T00:00:00Z", "$lte": "2099-01-01T00:00:00Z"}
        ),
    ):
        schema = Events_service.getEventsSchemaLegacy(
            cfg,
            dateRange=date_range,
            evaluation_id=run_id,  # type: ignore[arg-type]
        )
        assert isinstance(schema.datasets, list) and isinstance(schema.mappings, dict)
        assert schema.fields and all(f.name for f in schema.fields)
        assert {f.event_type for f in schema.fields} <= {"model", "chain", "tool", "session"}
        assert any(f.event_type == "model" for f in schema.fields), schema.fields
