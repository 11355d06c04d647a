"""Search and export through the API on both backends: shapes, filters, paging, errors."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

BASE = 1_700_000_000_000


@pytest.fixture
async def seeded(client: httpx.AsyncClient, clean_events: None) -> dict[str, Any]:
    """Seven events of one session with a spread of metadata, two with equal times."""
    session_id = str(uuid.uuid4())
    events = [
        {
            "event_type": "model",
            "event_name": "llm-a",
            "metadata": {"cost": 0.5, "model": "GPT-4o", "run_id": "run-1"},
            "feedback": {"rating": 5},
            "inputs": {"chat_history": [{"role": "user", "content": "Hello there"}]},
        },
        {
            "event_type": "model",
            "event_name": "llm-b",
            "metadata": {"cost": 0.05, "model": "claude"},
            "feedback": {"rating": 2},
            "inputs": {"chat_history": [{"role": "user", "content": "bye"}]},
        },
        {
            "event_type": "tool",
            "event_name": "search",
            "metadata": {"cost": "0.9", "ok": True},
            "inputs": {},
        },
        {
            "event_type": "tool",
            "event_name": "fetch",
            "metadata": {"ok": False, "cost": None},
            "inputs": {},
        },
        {
            "event_type": "chain",
            "event_name": "pipeline",
            "metadata": {"run_id": "run-1", "n": 3},
            "inputs": {},
            "error": "boom",
        },
        {"event_type": "chain", "event_name": "same-time-1", "inputs": {}},
        {"event_type": "chain", "event_name": "same-time-2", "inputs": {}},
    ]
    for index, event in enumerate(events):
        event["session_id"] = session_id
        event["start_time"] = BASE + min(index, 5) * 1000
        event["end_time"] = event["start_time"] + 10 * (index + 1)
    response = await client.post("/v1/events/batch", json={"events": events})
    assert response.status_code == 200, response.text
    ids = response.json()["event_ids"]
    return {
        "session_id": session_id,
        "ids": dict(zip([e["event_name"] for e in events], ids, strict=True)),
    }


async def search(
    client: httpx.AsyncClient, body: dict[str, Any], route: str = "search"
) -> dict[str, Any]:
    response = await client.post(f"/v1/events/{route}", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["count"] == result["totalEvents"]
    return result


def names(result: dict[str, Any]) -> list[str]:
    return [e["event_name"] for e in result["events"]]


def f(field: str, operator: str, value: Any = None, type_: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"field": field, "operator": operator, "value": value}
    if type_:
        item["type"] = type_
    return item


CASES: list[tuple[dict[str, Any], set[str]]] = [
    (f("event_type", "is", "model", "string"), {"llm-a", "llm-b"}),
    (
        f("event_type", "is not", "model", "string"),
        {"search", "fetch", "pipeline", "same-time-1", "same-time-2"},
    ),
    (f("event_name", "contains", "LLM", "string"), {"llm-a", "llm-b"}),
    (
        f("event_name", "not contains", "same", "string"),
        {"llm-a", "llm-b", "search", "fetch", "pipeline"},
    ),
    (f("metadata.model", "contains", "gpt", "string"), {"llm-a"}),
    (f("metadata.cost", "greater than", "0.1", "number"), {"llm-a"}),  # "0.9" is a string: no match
    (f("metadata.cost", "less than", 0.1, "number"), {"llm-b"}),
    (f("metadata.cost", "is", "0.9", "string"), {"search"}),
    (f("metadata.cost", "is", 0.5, "number"), {"llm-a"}),
    (
        f("metadata.cost", "is not", 0.5, "number"),
        {"llm-b", "search", "fetch", "pipeline", "same-time-1", "same-time-2"},
    ),
    (f("metadata.cost", "exists"), {"llm-a", "llm-b", "search"}),  # null does not exist
    (f("metadata.cost", "not exists"), {"fetch", "pipeline", "same-time-1", "same-time-2"}),
    (f("metadata.ok", "is", "true", "boolean"), {"search"}),
    (f("metadata.ok", "is", False, "boolean"), {"fetch"}),
    (
        f("metadata.ok", "is not", True, "boolean"),
        {"llm-a", "llm-b", "fetch", "pipeline", "same-time-1", "same-time-2"},
    ),
    (f("feedback.rating", "greater than", 3, "number"), {"llm-a"}),
    (f("inputs.chat_history.0.content", "contains", "hello", "string"), {"llm-a"}),
    (f("inputs.chat_history.0.role", "is", "user"), {"llm-a", "llm-b"}),  # type inferred
    (f("error", "exists"), {"pipeline"}),
    (f("duration", "greater than", 45, "number"), {"pipeline", "same-time-1", "same-time-2"}),
    (
        f("start_time", "after", "2023-11-14T22:13:22Z", "datetime"),
        {"fetch", "pipeline", "same-time-1", "same-time-2"},
    ),
    (f("start_time", "before", BASE + 1000, "datetime"), {"llm-a"}),
    (f("start_time", "is", BASE + 5000, "datetime"), {"same-time-1", "same-time-2"}),
    (f("metadata.n", "is", "3", "number"), {"pipeline"}),
]


@pytest.mark.parametrize(
    ("filter_", "expected"), CASES, ids=[f"{c[0]['field']} {c[0]['operator']}" for c in CASES]
)
async def test_filters(
    client: httpx.AsyncClient, seeded: dict[str, Any], filter_: dict[str, Any], expected: set[str]
) -> None:
    for route in ("search", "export"):
        result = await search(client, {"filters": [filter_]}, route)
        assert set(names(result)) == expected, (route, filter_)
        assert result["count"] == len(expected)


async def test_filters_are_anded(client: httpx.AsyncClient, seeded: dict[str, Any]) -> None:
    result = await search(
        client,
        {
            "filters": [
                f("event_type", "is", "model", "string"),
                f("feedback.rating", "less than", 3, "number"),
            ]
        },
    )
    assert names(result) == ["llm-b"]


async def test_evaluation_id_matches_metadata_run_id(
    client: httpx.AsyncClient, seeded: dict[str, Any]
) -> None:
    result = await search(client, {"evaluation_id": "run-1"})
    assert set(names(result)) == {"llm-a", "pipeline"}


async def test_order_is_start_time_desc_then_event_id_desc(
    client: httpx.AsyncClient, seeded: dict[str, Any]
) -> None:
    result = await search(client, {})
    events = result["events"]
    keys = [(e["start_time"], e["event_id"]) for e in events]
    assert keys == sorted(keys, reverse=True)
    assert result["count"] == 7
    assert {e["event_name"] for e in events[:2]} == {"same-time-1", "same-time-2"}


async def test_pages_partition_the_order(client: httpx.AsyncClient, seeded: dict[str, Any]) -> None:
    everything = [e["event_id"] for e in (await search(client, {}))["events"]]
    paged: list[str] = []
    for page in (1, 2, 3, 4):
        result = await search(client, {"limit": 2, "page": page})
        assert result["count"] == 7
        paged.extend(e["event_id"] for e in result["events"])
    assert paged == everything
    empty = await search(client, {"limit": 2, "page": 9})
    assert empty["events"] == [] and empty["count"] == 7


DATE_RANGES: list[tuple[str, dict[str, Any], set[int]]] = [
    (
        "search",
        {"start_time": "2023-11-14T22:13:21Z", "end_time": "2023-11-14T22:13:23Z"},
        {1, 2, 3},
    ),
    ("export", {"$gte": "2023-11-14T22:13:21Z", "$lte": "2023-11-14T22:13:23Z"}, {1, 2, 3}),
    ("export", {"gte": BASE + 1000, "lte": BASE + 3000}, {1, 2, 3}),
    ("export", {"start_time": BASE + 4000}, {4, 5, 6}),
    ("export", {"$lte": "2023-11-14T22:13:20Z"}, {0}),
    ("export", {"relative": "7d"}, set()),
]


@pytest.mark.parametrize(("route", "date_range", "indexes"), DATE_RANGES)
async def test_date_ranges(
    client: httpx.AsyncClient,
    seeded: dict[str, Any],
    route: str,
    date_range: dict[str, Any],
    indexes: set[int],
) -> None:
    order = ["llm-a", "llm-b", "search", "fetch", "pipeline", "same-time-1", "same-time-2"]
    result = await search(client, {"dateRange": date_range}, route)
    assert set(names(result)) == {order[i] for i in indexes if i < 5} | (
        {"same-time-1", "same-time-2"} if {5, 6} & indexes else set()
    )


async def test_relative_range_finds_recent_events(
    client: httpx.AsyncClient, clean_events: None
) -> None:
    response = await client.post(
        "/v1/events", json={"event_type": "tool", "inputs": {}, "event_name": "now"}
    )
    assert response.status_code == 200
    for relative in ("30m", "24h", "7d", "2w"):
        assert names(await search(client, {"dateRange": {"relative": relative}}, "export")) == [
            "now"
        ]


async def test_projections(client: httpx.AsyncClient, seeded: dict[str, Any]) -> None:
    result = await search(client, {"projections": ["event_id", "event_name"], "limit": 3}, "export")
    assert len(result["events"]) == 3 and result["count"] == 7
    assert all(set(e) == {"event_id", "event_name"} for e in result["events"])


async def test_export_accepts_python_sdk_bodies(
    client: httpx.AsyncClient, seeded: dict[str, Any]
) -> None:
    # What client.events.list(GetEventsQuery(...)) sends: float limit, no value on exists.
    body = {
        "filters": [{"field": "metadata.run_id", "operator": "exists", "type": "string"}],
        "limit": 10.0,
        "page": 1,
        "project": "ignored",
    }
    assert set(names(await search(client, body, "export"))) == {"llm-a", "pipeline"}
    result = await search(client, {"filters": [], "limit": 7500}, "export")
    assert result["count"] == 7


BAD_SEARCHES: list[tuple[str, dict[str, Any], str]] = [
    ("search", {"limit": 1001}, "limit"),
    ("search", {"limit": 0}, "limit"),
    ("search", {"page": 0}, "page"),
    ("search", {"project": "p"}, "project"),
    ("search", {"projections": ["event_id"]}, "projections"),
    ("search", {"dateRange": {"$gte": "2024-01-01"}}, "dateRange"),
    ("search", {"filters": [{"field": "x", "operator": "is", "value": 1, "type": "id"}]}, "id"),
    ("search", {"filters": [f("metadata.cost", "contains", "1", "number")]}, "contains"),
    ("search", {"filters": [f("metadata.cost", "bigger", "1", "number")]}, "bigger"),
    ("search", {"filters": [f("metadata.cost", "greater than", "abc", "number")]}, "filters[0]"),
    ("search", {"filters": [f("metadata..cost", "is", "1")]}, "filters[0]"),
    ("search", {"filters": [f("metadata." + "k" * 257, "is", "1")]}, "256"),
    ("search", {"filters": [f("nosuchcolumn", "is", "1")]}, "nosuchcolumn"),
    (
        "search",
        {"filters": [{"field": "event_type", "operator": "is", "value": "x", "extra": 1}]},
        "extra",
    ),
    ("export", {"limit": 7501}, "limit"),
    ("export", {"dateRange": {"relative": "7 days"}}, "relative"),
    ("export", {"dateRange": {"relative": "7y"}}, "relative"),
    ("export", {"dateRange": {"$gte": "not a date"}}, "dateRange"),
    ("export", {"projections": ["nope"]}, "nope"),
]


@pytest.mark.parametrize(("route", "body", "mention"), BAD_SEARCHES)
async def test_bad_searches_are_400(
    client: httpx.AsyncClient, route: str, body: dict[str, Any], mention: str
) -> None:
    response = await client.post(f"/v1/events/{route}", json=body)
    assert response.status_code == 400, response.text
    result = response.json()
    assert result["errorCode"] == "BAD_REQUEST" and result["success"] is False
    assert mention in result["message"], result["message"]


async def test_session_tree(client: httpx.AsyncClient) -> None:
    session = (
        await client.post("/session/start", json={"session": {"session_name": "tree"}})
    ).json()
    sid = session["session_id"]
    root = (
        await client.post(
            "/v1/events",
            json={
                "event_type": "chain",
                "inputs": {},
                "session_id": sid,
                "event_name": "root",
                "start_time": BASE,
            },
        )
    ).json()["event_id"]
    children = [
        {
            "event_type": "model",
            "inputs": {},
            "session_id": sid,
            "parent_id": root,
            "event_name": "llm",
            "start_time": BASE + 1,
            "metadata": {
                "cost": 0.25,
                "prompt_tokens": 10,
                "completion_tokens": 5,
                "total_tokens": 15,
            },
        },
        {
            "event_type": "tool",
            "inputs": {},
            "session_id": sid,
            "parent_id": root,
            "event_name": "tool",
            "start_time": BASE + 2,
            "metadata": {"cost": 0.5},
        },
        {
            "event_type": "model",
            "inputs": {},
            "session_id": sid,
            "parent_id": "unknown-parent",
            "event_name": "orphan",
            "start_time": BASE + 3,
            "metadata": {"cost": "free"},
        },
    ]
    assert (await client.post("/v1/events/batch", json={"events": children})).status_code == 200
    response = await client.get(f"/v1/sessions/{sid}")
    assert response.status_code == 200
    tree = response.json()["session"]
    assert tree["event_id"] == sid and tree["event_name"] == "tree"
    assert [c["event_name"] for c in tree["children"]] == ["root", "orphan"]
    assert [c["event_name"] for c in tree["children"][0]["children"]] == ["llm", "tool"]
    assert tree["num_events"] == 4 and tree["num_model_events"] == 2
    assert tree["cost"] == 0.75 and tree["total_tokens"] == 15 and tree["prompt_tokens"] == 10
    missing = await client.get(f"/v1/sessions/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["errorCode"] == "NOT_FOUND"


async def test_events_schema_lists_bucket_keys_per_type(
    client: httpx.AsyncClient, seeded: dict[str, Any]
) -> None:
    for query in (
        "",
        "?dateRange=7d",
        "?dateRange=gte%3D%272023-01-01%27+lte%3D%272030-02-01%27",
        '?dateRange={"$gte": "2023-01-01"}&evaluation_id=run-1',
    ):
        response = await client.get(f"/v1/events/schema{query}")
        assert response.status_code == 200, (query, response.text)
        body = response.json()
        assert body["datasets"] == [] and body["mappings"] == {}
        fields = {(f["event_type"], f["name"]) for f in body["fields"]}
        if query == "?dateRange=7d":
            assert fields == set()  # the seeded events are from 2023
        elif "evaluation_id" in query:
            assert ("model", "metadata.run_id") in fields and ("tool", "metadata.ok") not in fields
        else:
            assert {
                ("model", "metadata.cost"),
                ("tool", "metadata.ok"),
                ("model", "feedback.rating"),
                ("chain", "event_name"),
            } <= fields
    bad = await client.get("/v1/events/schema?dateRange=soon")
    assert bad.status_code == 400 and bad.json()["errorCode"] == "BAD_REQUEST"


async def test_export_treats_an_unknown_field_as_absent(
    client: httpx.AsyncClient, seeded: dict[str, Any]
) -> None:
    # The SDK's own example (docs/protocol.md#scenario-5) filters on a made-up field "x".
    for operator, value, expected in (
        ("exists", None, 0),
        ("is", "1", 0),
        ("not exists", None, 7),
        ("is not", "1", 7),
    ):
        body = {"filters": [{"field": "x", "operator": operator, "value": value, "type": "string"}]}
        assert (await search(client, body, "export"))["count"] == expected, operator
    strict = await client.post("/v1/events/search", json={"filters": [f("x", "exists")]})
    assert strict.status_code == 400 and "unknown field 'x'" in strict.json()["message"]
