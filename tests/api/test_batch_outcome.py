"""Batch answers say how many events were new and how many existed already (first write wins)."""

from __future__ import annotations

import uuid

import httpx


def ids(n: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(n)]


def events(event_ids: list[str]) -> list[dict[str, object]]:
    return [
        {"event_id": i, "event_type": "tool", "inputs": {"n": n}}
        for n, i in enumerate(i for i in event_ids)
    ]


async def test_v1_batch_counts_new_and_existing_events(client: httpx.AsyncClient) -> None:
    a, b, c, d = ids(4)
    first = (await client.post("/v1/events/batch", json={"events": events([a, b, c])})).json()
    assert first["success"] is True and first["event_ids"] == [a, b, c]
    assert (first["created"], first["already_existed"]) == (3, 0)

    again = (await client.post("/v1/events/batch", json={"events": events([b, c, d])})).json()
    assert again["event_ids"] == [b, c, d]
    assert (again["created"], again["already_existed"]) == (1, 2)
    # The first write won: b kept its first inputs.
    assert (await client.get(f"/v1/events/{b}")).json()["event"]["inputs"] == {"n": 1}


async def test_an_id_repeated_inside_one_batch_counts_once(client: httpx.AsyncClient) -> None:
    (e,) = ids(1)
    answer = (await client.post("/v1/events/batch", json={"events": events([e, e])})).json()
    assert (answer["created"], answer["already_existed"]) == (1, 1)


async def test_single_session_and_events_without_ids_are_all_new(
    client: httpx.AsyncClient,
) -> None:
    body = {
        "events": [{"event_type": "chain", "inputs": {}}, {"event_type": "tool", "inputs": {}}],
        "single_session": True,
        "session_properties": {"session_name": "counted"},
    }
    answer = (await client.post("/v1/events/batch", json=body)).json()
    assert isinstance(answer["session_id"], str)
    assert (answer["created"], answer["already_existed"]) == (2, 0)  # the session is not counted


async def test_legacy_and_session_scoped_batches_count_too(client: httpx.AsyncClient) -> None:
    a, b, sid = ids(3)
    legacy = (await client.post("/events/batch", json={"events": events([a, a, b])})).json()
    assert (legacy["created"], legacy["already_existed"]) == (2, 1)
    scoped = (
        await client.post(f"/v1/sessions/{sid}/events/batch", json={"events": events([b])})
    ).json()
    assert scoped == {"success": True, "event_ids": [b], "created": 0, "already_existed": 1}
    traces = (await client.post(f"/session/{sid}/traces", json={"events": events(ids(2))})).json()
    assert (traces["created"], traces["already_existed"]) == (2, 0)
