"""GET /metrics parses as Prometheus text and its counters move; request ids; keys-mode
protection; JSON request logs from a real server."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.apps import client_for, new_key, running_app
from tests.live_server import live_server


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_counters_move(fresh_url: str) -> None:
    async with running_app(fresh_url, retention_days=30) as app, client_for(app) as client:
        before = await scrape(client)
        events = [{"event_type": "tool", "inputs": {"i": i}} for i in range(3)]
        batch = await client.post("/v1/events/batch", json={"events": events})
        ids = batch.json()["event_ids"]
        assert (await client.delete(f"/v1/events/{ids[0]}")).status_code == 200
        assert (await client.get("/v1/events/nope")).status_code == 404
        report = await app.state.services.maintenance.run(1_781_524_800_000)
        after = await scrape(client)
    route = "/v1/events/batch"
    requests = "events_api_requests_total"
    assert value(after, requests, route=route, method="POST", status="200") == (
        value(before, requests, route=route, method="POST", status="200") + 1
    )
    missing = dict(route="/v1/events/{event_id}", method="GET", status="404")
    assert value(after, requests, **missing) == value(before, requests, **missing) + 1
    ingested = "events_api_events_ingested_total"
    assert value(after, ingested, route=route) == value(before, ingested, route=route) + 3
    deleted = "events_api_rows_deleted_total"
    assert value(after, deleted, reason="api") == value(before, deleted, reason="api") + 1
    latency = "events_api_request_duration_seconds_count"
    assert value(after, latency, route=route, method="POST") >= 1
    created = "events_api_partitions_created_total"
    assert value(after, created) == value(before, created) + len(report.partitions_created)
    assert ("events_api_db_pool_in_use", ()) in after
    assert ("events_api_db_pool_waiting", ()) in after
    if fresh_url.startswith("postgresql"):
        assert report.partitions_created


async def test_request_ids(database_url: str) -> None:
    async with running_app(database_url) as app, client_for(app) as client:
        fresh = await client.get("/healthz")
        generated = fresh.headers["x-request-id"]
        assert len(generated) == 32
        mine = f"trace-{uuid.uuid4().hex}"
        echoed = await client.get("/healthz", headers={"X-Request-Id": mine})
        assert echoed.headers["x-request-id"] == mine
        bad = await client.get("/nowhere", headers={"X-Request-Id": "a b\tc" * 50})
        assert bad.status_code == 404
        assert bad.headers["x-request-id"] not in ("", "a b\tc" * 50)


async def test_metrics_need_a_key_in_keys_mode_unless_public(database_url: str) -> None:
    async with running_app(database_url, auth="keys") as app:
        key = await new_key(app, f"metrics-{uuid.uuid4().hex[:6]}")
        async with client_for(app) as anonymous, client_for(app, key) as keyed:
            refused = await anonymous.get("/metrics")
            assert refused.status_code == 401 and refused.json()["errorCode"] == "UNAUTHORIZED"
            assert (await keyed.get("/metrics")).status_code == 200
    async with (
        running_app(database_url, auth="keys", metrics_public=True) as app,
        client_for(app) as anonymous,
    ):
        assert (await anonymous.get("/metrics")).status_code == 200


def test_json_logs_have_one_line_per_request_with_its_id(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'events.sqlite3'}"
    with (
        live_server(url, tmp_path, {"EVENTS_LOG_FORMAT": "json"}) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        created = http.post("/v1/events", json={"event_type": "tool", "inputs": {}})
        request_id = created.headers["x-request-id"]
        http.get("/metrics")
    lines = [
        json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")
    ]
    mine = [line for line in lines if line.get("request_id") == request_id]
    assert len(mine) == 1
    assert mine[0]["route"] == "/v1/events" and mine[0]["status"] == 200
    assert mine[0]["method"] == "POST" and mine[0]["events_ingested"] == 1
    assert mine[0]["duration_ms"] > 0
    assert any(line.get("path") == "/metrics" for line in lines)
