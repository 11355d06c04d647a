"""EVENTS_AUTH=open (shared or per-token projects) and EVENTS_AUTH=keys, on both backends."""

from __future__ import annotations

import uuid

import httpx
import pytest
import sqlalchemy as sa

from app.domain.api_keys import hash_api_key, project_name_for_token
from app.domain.projects import project_for_name
from app.settings import Settings
from tests.apps import client_for, new_key, running_app


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def session_project(client: httpx.AsyncClient) -> dict:
    """The ids a session start answers (they name the caller's project)."""
    response = await client.post("/session/start", json={"session": {"session_name": "s"}})
    assert response.status_code == 200, response.text
    body = response.json()
    return {k: body[k] for k in ("project_id", "org_id", "workspace_id")}


def assert_401(response: httpx.Response, message: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json() == {
        "statusCode": 401,
        "message": message,
        "success": False,
        "errorCode": "UNAUTHORIZED",
    }


# --- open ---------------------------------------------------------------------------------------


async def test_open_maps_every_token_and_none_to_the_default_project(database_url: str) -> None:
    default = unique("default")
    async with running_app(database_url, default_project=default) as app:
        expected = project_for_name(default).id
        for token in (None, "hh_one", "hh_two"):
            async with client_for(app, token) as client:
                assert (await session_project(client))["project_id"] == expected


async def test_open_project_per_token_isolates_tokens(database_url: str) -> None:
    default = unique("default")
    one, two = unique("hh_tok"), unique("hh_tok")
    async with running_app(database_url, default_project=default, project_per_token=True) as app:
        async with client_for(app, one) as a, client_for(app, two) as b, client_for(app) as anon:
            ids_a = await session_project(a)
            assert ids_a == await session_project(a)  # the same token, the same project
            assert ids_a["project_id"] == project_for_name(project_name_for_token(one)).id
            assert (await session_project(b))["project_id"] not in (ids_a["project_id"],)
            assert (await session_project(anon))["project_id"] == project_for_name(default).id

            created = await a.post("/v1/events", json={"event_type": "tool", "inputs": {}})
            event_id = created.json()["event_id"]
            assert (await a.get(f"/v1/events/{event_id}")).status_code == 200
            assert (await b.get(f"/v1/events/{event_id}")).status_code == 404
            assert (await anon.get(f"/v1/events/{event_id}")).status_code == 404

        # The token is never stored: the project is named by a hash of it.
        async with app.state.services.db.transaction(write=False) as conn:
            names = (await conn.execute(sa.text("SELECT name FROM projects"))).scalars().all()
        assert project_name_for_token(one) in names
        assert not any(one in name or two in name for name in names)


# --- keys ---------------------------------------------------------------------------------------


async def test_keys_accepts_a_created_key_and_answers_its_project(database_url: str) -> None:
    project = unique("proj")
    async with running_app(database_url, auth="keys") as app:
        key = await new_key(app, project, "ci")
        assert key.startswith("hh_") and len(key) > 40
        async with client_for(app, key) as client:
            ids = await session_project(client)
            expected = project_for_name(project)
            assert ids == {
                "project_id": expected.id,
                "org_id": expected.org_id,
                "workspace_id": expected.workspace_id,
            }
            created = await client.post("/v1/events", json={"event_type": "tool", "inputs": {}})
            assert created.status_code == 200
            event = (await client.get(f"/v1/events/{created.json()['event_id']}")).json()
            assert event["event"]["project_id"] == expected.id

        # Only the hash is stored.
        async with app.state.services.db.transaction(write=False) as conn:
            rows = (await conn.execute(sa.text("SELECT key_hash, prefix FROM api_keys"))).all()
        assert (hash_api_key(key), key[:10]) in [tuple(row) for row in rows]
        assert not any(key in value for row in rows for value in row)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer "}, {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["no-header", "empty-bearer", "basic"],
)
async def test_keys_refuses_a_missing_key(database_url: str, headers: dict[str, str]) -> None:
    async with running_app(database_url, auth="keys") as app, client_for(app) as client:
        response = await client.post(
            "/v1/events", json={"event_type": "tool", "inputs": {}}, headers=headers
        )
        assert_401(response, "missing API key: send the header 'Authorization: Bearer <key>'")
        assert "error=" not in response.headers["www-authenticate"]


async def test_keys_refuses_an_unknown_key(database_url: str) -> None:
    async with running_app(database_url, auth="keys") as app:
        await new_key(app, unique("proj"))
        async with client_for(app, "hh_" + uuid.uuid4().hex) as client:
            for response in (
                await client.get(f"/v1/events/{uuid.uuid4()}"),
                await client.post("/v1/events/search", json={}),
                await client.post("/session/start", json={"session": {}}),
            ):
                assert_401(response, "invalid API key")
                assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_keys_refuses_a_revoked_key_at_once(database_url: str) -> None:
    project = unique("proj")
    async with running_app(database_url, auth="keys") as app:
        keys = app.state.services.auth.keys
        revoked_info, revoked = await keys.create(project, "old")
        kept = await new_key(app, project, "new")
        async with client_for(app, revoked) as client:
            assert (await client.post("/v1/sessions", json={})).status_code == 200
            assert (await keys.revoke(revoked_info.id)).value == "revoked"
            assert_401(await client.post("/v1/sessions", json={}), "API key has been revoked")
        async with client_for(app, kept) as client:
            assert (await client.post("/v1/sessions", json={})).status_code == 200


async def test_keys_leave_health_routes_open(database_url: str) -> None:
    async with running_app(database_url, auth="keys") as app, client_for(app) as client:
        for path in ("/healthz", "/healthcheck", "/readyz", "/openapi.json"):
            assert (await client.get(path)).status_code == 200, path
        assert (await client.get("/v1/events/x")).status_code == 401


async def test_bootstrap_key_is_created_once_on_first_use(database_url: str) -> None:
    key, project = "hh_boot_" + uuid.uuid4().hex, unique("boot")
    settings = {"auth": "keys", "bootstrap_api_key": key, "bootstrap_project": project}
    for _ in range(2):  # two server starts: idempotent
        async with running_app(database_url, **settings) as app, client_for(app, key) as client:
            assert (await session_project(client))["project_id"] == project_for_name(project).id
    listed = [k for k in await app.state.services.auth.keys.list() if k.project_name == project]
    assert len(listed) == 1 and listed[0].prefix == key[:10]

    # Revoking the bootstrap key sticks across restarts.
    await app.state.services.auth.keys.revoke(listed[0].id)
    async with running_app(database_url, **settings) as app, client_for(app, key) as client:
        assert_401(await client.post("/v1/sessions", json={}), "API key has been revoked")


async def test_bootstrap_project_defaults_to_the_default_project(database_url: str) -> None:
    key, default = "hh_boot_" + uuid.uuid4().hex, unique("dflt")
    async with (
        running_app(
            database_url, auth="keys", bootstrap_api_key=key, default_project=default
        ) as app,
        client_for(app, key) as client,
    ):
        assert (await session_project(client))["project_id"] == project_for_name(default).id


async def test_database_down_at_start_does_not_stop_a_keys_server() -> None:
    # Bootstrap is lazy: create_app never touches the database, the first request does.
    url = "postgresql+asyncpg://nobody@127.0.0.1:1/none"
    settings = {"auth": "keys", "bootstrap_api_key": "hh_boot_abcdefgh", "db_connect_timeout_s": 1}
    async with running_app(url, **settings) as app, client_for(app, "hh_boot_abcdefgh") as client:
        assert (await client.get("/healthz")).status_code == 200
        response = await client.post("/v1/sessions", json={})
        assert response.status_code == 503, response.text
        assert response.json()["errorCode"] == "SERVICE_UNAVAILABLE"
        assert "retry-after" in response.headers


def test_settings_refuse_bad_auth_values() -> None:
    with pytest.raises(ValueError, match="auth"):
        Settings(auth="token")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 8 characters"):
        Settings(bootstrap_api_key="short")
    assert Settings(bootstrap_api_key="  ").bootstrap_api_key is None
