"""The read routes that 0.1.x and 0.2.x Python SDKs and the TypeScript SDK call (issue 15):
`GET /session/{session_id}` answers the bare session event, `POST /events/export` is
`POST /v1/events/export`; both leave null fields out."""

from __future__ import annotations

import uuid

import httpx


async def test_get_session_answers_the_bare_session_event(client: httpx.AsyncClient) -> None:
    sid = str(uuid.uuid4())
    started = await client.post(
        "/session/start",
        json={"session": {"session_id": sid, "session_name": "legacy", "metadata": {"a": 1}}},
    )
    assert started.status_code == 200, started.text
    child = await client.post(
        "/v1/events", json={"event_type": "tool", "inputs": {}, "session_id": sid}
    )
    assert child.status_code == 200, child.text

    answer = await client.get(f"/session/{sid}")
    assert answer.status_code == 200, answer.text
    event = answer.json()
    assert event["event_id"] == sid and event["session_id"] == sid
    assert (event["event_type"], event["event_name"]) == ("session", "legacy")
    assert event["metadata"] == {"a": 1}
    assert "session" not in event and "children" not in event
    # Null fields are left out (the TypeScript SDK rejects null): no parent, no outputs.
    assert None not in event.values() and "parent_id" not in event and "outputs" not in event


async def test_get_session_is_404_for_an_unknown_id_or_an_event_that_is_no_session(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.get(f"/session/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["errorCode"] == "NOT_FOUND"
    assert "Session not found" in missing.json()["message"]

    created = await client.post("/v1/events", json={"event_type": "chain", "inputs": {}})
    event_id = created.json()["event_id"]
    not_a_session = await client.get(f"/session/{event_id}")
    assert not_a_session.status_code == 404, not_a_session.text


async def test_events_export_is_the_v1_export(client: httpx.AsyncClient) -> None:
    tag = uuid.uuid4().hex
    for name in ("e1", "e2"):
        created = await client.post(
            "/v1/events",
            json={"event_type": "tool", "event_name": name, "inputs": {}, "metadata": {"t": tag}},
        )
        assert created.status_code == 200, created.text
    body = {
        "project": "ignored",
        "filters": [{"field": "metadata.t", "value": tag, "operator": "is", "type": "string"}],
        "projections": ["event_name"],
        "limit": 1,
        "page": 2,
    }
    legacy = await client.post("/events/export", json=body)
    v1 = await client.post("/v1/events/export", json=body)
    assert legacy.status_code == v1.status_code == 200, legacy.text
    assert legacy.json()["totalEvents"] == v1.json()["totalEvents"] == 2
    [legacy_event], [v1_event] = legacy.json()["events"], v1.json()["events"]
    # The same page; only the null fields are left out of the legacy answer.
    assert legacy_event == {k: v for k, v in v1_event.items() if v is not None}
    full = await client.post("/events/export", json={"filters": body["filters"]})
    assert all(None not in e.values() for e in full.json()["events"])
    assert {e["event_name"] for e in full.json()["events"]} == {"e1", "e2"}

    bad = await client.post("/events/export", json={"filters": [{"operator": "is"}]})
    assert bad.status_code == 400 and bad.json()["errorCode"] == "BAD_REQUEST"
