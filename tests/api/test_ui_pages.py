"""The trace browser's routes and its sessions-list query, in process, on both backends."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from app.domain.projects import project_for_name
from app.search.filters import parse_filters
from app.services.sessions import SessionListService
from tests.apps import client_for, new_key, running_app

BASE_MS = 1_800_000_000_000


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def seed_session(
    client: httpx.AsyncClient, source: str, start: int, events: list[dict[str, Any]]
) -> str:
    answer = await client.post(
        "/v1/events/batch",
        json={
            "events": [{"source": source, "inputs": {}, **e} for e in events],
            "single_session": True,
            "session_properties": {
                "session_name": f"s{start}",
                "source": source,
                "start_time": start,
            },
        },
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["session_id"])


async def test_sessions_page_rollups_order_and_paging(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    source = unique("rollups")
    older = await seed_session(
        client,
        source,
        BASE_MS,
        [
            {
                "event_type": "model",
                "start_time": BASE_MS + 10,
                "end_time": BASE_MS + 500,
                "metadata": {"cost": 0.25, "total_tokens": 100},
            },
            {
                "event_type": "model",
                "start_time": BASE_MS + 20,
                "duration": 30,
                "metadata": {"cost": 0.5, "prompt_tokens": 7, "total_tokens": 20},
            },
            {"event_type": "tool", "start_time": BASE_MS + 30, "metadata": {"cost": "free"}},
        ],
    )
    newer = await seed_session(
        client,
        source,
        BASE_MS + 1000,
        [{"event_type": "tool", "start_time": BASE_MS + 1001, "error": "boom", "duration": 5}],
    )
    empty = await seed_session(client, source, BASE_MS + 2000, [])

    service = SessionListService(app.state.services.db)
    project = project_for_name(app.state.services.settings.default_project)
    filters = parse_filters([{"field": "source", "operator": "is", "value": source}], strict=True)
    page = await service.page(project, filters, None, page=1, per_page=2)
    assert [r.session["session_id"] for r in page.rows] == [empty, newer]
    assert page.has_next is True
    second = await service.page(project, filters, None, page=2, per_page=2)
    assert [r.session["session_id"] for r in second.rows] == [older]
    assert second.has_next is False

    rollup = second.rows[0].rollup
    assert rollup.num_events == 3 and rollup.has_error is False
    assert rollup.sums["cost"] == 0.75  # the string "free" is not a number
    assert rollup.sums["total_tokens"] == 120 and rollup.sums["prompt_tokens"] == 7
    assert rollup.last_end_ms == BASE_MS + 500
    assert page.rows[1].rollup.has_error is True and page.rows[1].rollup.num_events == 1
    assert page.rows[0].rollup.num_events == 0 and page.rows[0].rollup.sums["cost"] == 0

    html = (await client.get(f"/ui/sessions?field=source&op=is&value={source}")).text
    assert re.findall(r'data-session-id="([^"]+)"', html) == [empty, newer, older]
    assert "$0.7500" in html and ">120<" in html
    fragment = await client.get(f"/ui/sessions?field=source&op=is&value={source}&fragment=1")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert re.findall(r'data-session-id="([^"]+)"', fragment.text) == [empty, newer, older]


async def test_session_page_and_event_links(client: httpx.AsyncClient) -> None:
    source = unique("tree")
    sid = await seed_session(
        client,
        source,
        BASE_MS,
        [
            {
                "event_id": f"{source}-a",
                "event_type": "chain",
                "event_name": "outer",
                "start_time": BASE_MS + 5,
                "duration": 100,
            },
            {
                "event_id": f"{source}-b",
                "event_type": "model",
                "event_name": "inner",
                "parent_id": f"{source}-a",
                "start_time": BASE_MS + 10,
                "duration": 50,
                "inputs": {"messages": [{"role": "user", "content": "hi <b>there</b>"}]},
            },
        ],
    )
    page = await client.get(f"/ui/sessions/{sid}?event={source}-b")
    assert page.status_code == 200
    levels = re.findall(r'data-id="([^"]+)" data-depth="(\d)"', page.text)
    assert levels == [(sid, "0"), (f"{source}-a", "1"), (f"{source}-b", "2")]
    # The selected event's detail is rendered with the page; user text is escaped.
    assert 'data-event-id="' + f'{source}-b"' in page.text
    assert "hi &lt;b&gt;there&lt;/b&gt;" in page.text and "<b>there</b>" not in page.text

    assert page.headers["server-timing"].startswith("app;dur=")
    # The live fragment: 304 while nothing changed, the new outline once something did.
    fragment = await client.get(f"/ui/sessions/{sid}?fragment=1")
    etag = fragment.headers["etag"]
    assert fragment.status_code == 200 and "<html" not in fragment.text
    unchanged = await client.get(f"/ui/sessions/{sid}?fragment=1", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    await client.put(f"/v1/events/{source}-b", json={"metadata": {"cost": 0.5}})
    changed = await client.get(f"/ui/sessions/{sid}?fragment=1", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "$0.5000" in changed.text

    moved = await client.get(f"/ui/events/{source}-b")
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/ui/sessions/{sid}?event={source}-b"
    detail = await client.get(f"/ui/events/{source}-b/detail")
    assert detail.status_code == 200 and 'class="chat"' in detail.text
    assert f'href="/v1/events/{source}-b"' in detail.text

    assert (await client.get("/ui/sessions/no-such-session")).status_code == 404
    assert (await client.get("/ui/events/no-such-event")).status_code == 404
    assert (await client.get("/ui/events/no-such-event/detail")).status_code == 404


async def test_bad_filters_and_windows_are_a_clear_400(client: httpx.AsyncClient) -> None:
    cases = {
        "/ui/sessions?field=metadata.cost&op=greater+than&value=lots": "Filter 1 value",
        "/ui/search?field=event_type&op=greater+than&value=1": "Filter 1 type",
        "/ui/search?field=source&op=is&value=x&field=event_name&op=sideways&value=y": (
            "Filter 2 operator"
        ),
        "/ui/sessions?range=custom&from=yesterday": "Time window from",
        "/ui/sessions?range=custom&from=2026-02-01T00:00&to=2026-01-01T00:00": "start is after",
    }
    for path, message in cases.items():
        answer = await client.get(path)
        assert answer.status_code == 400, path
        assert message in answer.text, (path, answer.text[-2000:])
        assert "<table" not in answer.text
    # Paging and windows that make sense are fine; a silly page number is clamped.
    for path in ("/ui/sessions?range=15m", "/ui/search?range=7d&page=0", "/ui/sessions?page=x"):
        assert (await client.get(path)).status_code == 200, path


async def test_root_redirect_static_files_and_offline_docs(client: httpx.AsyncClient) -> None:
    root = await client.get("/")
    assert root.status_code == 307 and root.headers["location"] == "/ui"
    assert (await client.get("/ui/static/ui.js")).status_code == 200
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in docs.text
    assert not re.search(r"https?://", docs.text.replace("http://testserver", ""))
    bundle = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
    assert (await client.get("/openapi.json")).json()["paths"]["/v1/events/search"]
    # The UI's own routes are not part of the API description.
    assert not any(p.startswith("/ui") for p in (await client.get("/openapi.json")).json()["paths"])


async def test_keys_mode_login_cookie_and_scope(database_url: str) -> None:
    async with running_app(database_url, auth="keys") as app:
        key_a = await new_key(app, unique("ui-a"))
        key_b = await new_key(app, unique("ui-b"))
        async with client_for(app, key_b) as api_b:
            theirs = await seed_session(api_b, "b", BASE_MS, [{"event_type": "tool"}])
        async with client_for(app) as browser:
            asked = await browser.get("/ui/sessions?range=1h")
            assert asked.status_code == 303
            assert asked.headers["location"] == "/ui/login?next=%2Fui%2Fsessions%3Frange%3D1h"
            assert (await browser.get("/ui/sessions?fragment=1")).status_code == 401
            assert (await browser.get("/ui/events/x/detail")).status_code == 401

            wrong = await browser.post(
                "/ui/login", data={"api_key": "hh_wrong_key", "next": "/ui/search"}
            )
            assert wrong.status_code == 401 and 'id="api_key"' in wrong.text
            assert "set-cookie" not in wrong.headers
            # Only paths of the browser are followed after a login.
            good = await browser.post(
                "/ui/login", data={"api_key": key_a, "next": "//elsewhere.example/ui"}
            )
            assert good.status_code == 303 and good.headers["location"] == "/ui"
            cookie = good.headers["set-cookie"]
            assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ui" in cookie
            assert (await browser.get("/ui/sessions")).status_code == 200
            assert (await browser.get(f"/ui/sessions/{theirs}")).status_code == 404
            raw = await browser.get(f"/ui/raw/events/{theirs}")
            assert raw.status_code == 404 and raw.json()["errorCode"] == "NOT_FOUND"
            # The cookie is for the browser only: the API still wants a bearer key.
            assert (await browser.get(f"/v1/events/{theirs}")).status_code == 401

            out = await browser.post("/ui/logout")
            assert out.status_code == 303 and out.headers["location"] == "/ui/login"
            assert 'events_ui_key=""' in out.headers["set-cookie"]
            browser.cookies.clear()
            assert (await browser.get("/ui/sessions")).status_code == 303
