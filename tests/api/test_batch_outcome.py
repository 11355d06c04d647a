"""Batch answers say how many events were new and how many existed already (first write wins)."""

from __future__ import annotations

import uuid

import httpx

from app.repository.events import COPY_FROM_ROWS


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


async def test_a_big_batch_keeps_first_write_wins(client: httpx.AsyncClient) -> None:
    """Past COPY_FROM_ROWS events Postgres claims the ids and COPYs the rows: repeated ids,
    ids that exist and every stored field come out as from a small batch."""
    stored = ids(3)
    await client.post("/v1/events/batch", json={"events": events(stored)})
    fresh = ids(COPY_FROM_ROWS + 20)
    batch = events([*fresh, fresh[0], stored[1]])
    batch[-2]["inputs"] = {"n": "repeated"}
    batch[0].update(
        parent_id="p-1",
        event_name="first",
        source="bench",
        config={"model": "m"},
        outputs="text",
        metadata={"nested": {"a": [1, 2.5, None, True]}},
        feedback={"rating": 4},
        metrics={"score": 0.5},
        user_properties={"user": "u"},
        children_ids=["c-1"],
        error="failed",
        start_time=1_764_000_000_000,
        end_time=1_764_000_000_250,
    )
    answer = (await client.post("/v1/events/batch", json={"events": batch})).json()
    assert (answer["created"], answer["already_existed"]) == (len(fresh), 2)
    first = (await client.get(f"/v1/events/{fresh[0]}")).json()["event"]
    assert first["inputs"] == {"n": 0}  # the first of the two, not "repeated"
    sent = batch[0]
    for field in ("parent_id", "event_name", "source", "config", "metadata", "feedback"):
        assert first[field] == sent[field]
    assert (first["metrics"], first["user_properties"]) == (
        sent["metrics"],
        sent["user_properties"],
    )
    assert (first["children_ids"], first["error"]) == (["c-1"], "failed")
    assert first["outputs"] == {"value": "text"}
    assert (first["start_time"], first["end_time"], first["duration"]) == (
        1_764_000_000_000,
        1_764_000_000_250,
        250.0,
    )
    # The existing event kept its first write.
    assert (await client.get(f"/v1/events/{stored[1]}")).json()["event"]["inputs"] == {"n": 1}
    last = (await client.get(f"/v1/events/{fresh[-1]}")).json()["event"]
    assert last["inputs"] == {"n": len(fresh) - 1}
