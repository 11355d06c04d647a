"""`events-api keys create|list|revoke` on both backends, and a real server honouring them."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from app.cli.main import cli
from tests.live_server import live_server

EVENTS_API = str(Path(sys.executable).with_name("events-api"))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def listed(database_url: str) -> list[dict]:
    code, out, _ = run("keys", "list", "--json", "--database-url", database_url)
    assert code == 0
    return json.loads(out)


def test_create_prints_the_key_once_and_list_never_shows_it(database_url: str) -> None:
    project = unique("cli")
    code, out, err = run(
        "keys", "create", "--project", project, "--name", "laptop", "--database-url", database_url
    )
    assert code == 0, err
    key = out.strip()
    assert key.startswith("hh_") and len(key) >= 40 and "\n" not in key
    assert "shown only now" in err and project in err

    mine = [row for row in listed(database_url) if row["project"] == project]
    assert len(mine) == 1
    row = mine[0]
    assert row["label"] == "laptop" and row["prefix"] == key[:10] and row["revoked"] is False
    assert row["created_at"].endswith("Z") and row["revoked_at"] is None

    code, table, _ = run("keys", "list", "--database-url", database_url)
    assert code == 0
    assert table.splitlines()[0].split() == [
        "ID",
        "PROJECT",
        "LABEL",
        "PREFIX",
        "CREATED",
        "REVOKED",
    ]
    assert any(row["id"] in line and project in line for line in table.splitlines())
    assert key not in table and key not in json.dumps(listed(database_url))


def test_revoke_marks_the_key_and_is_idempotent(database_url: str) -> None:
    project = unique("cli")
    assert run("keys", "create", "--project", project, "--database-url", database_url)[0] == 0
    [row] = [r for r in listed(database_url) if r["project"] == project]

    code, _, err = run("keys", "revoke", row["id"], "--database-url", database_url)
    assert code == 0 and f"revoked API key {row['id']}" in err
    [after] = [r for r in listed(database_url) if r["id"] == row["id"]]
    assert after["revoked"] is True and after["revoked_at"].endswith("Z")

    code, _, err = run("keys", "revoke", row["id"], "--database-url", database_url)
    assert code == 0 and "revoked already" in err

    code, _, err = run("keys", "revoke", "no-such-id", "--database-url", database_url)
    assert code == 1 and "no API key has the id 'no-such-id'" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["keys", "create", "--project", "  "], "project name must not be empty"),
        (["keys", "create", "--project", "p", "--name", "x" * 300], "label is longer than 256"),
    ],
)
def test_bad_input_is_a_one_line_error(database_url: str, args: list[str], message: str) -> None:
    code, out, err = run(*args, "--database-url", database_url)
    assert code == 1 and out == "" and message in err


def test_unsupported_or_unreachable_database_is_a_one_line_error(tmp_path: Path) -> None:
    code, _, err = run("keys", "list", "--database-url", "mysql://x/y")
    assert code == 1 and "unsupported database URL driver 'mysql'" in err
    code, _, err = run(
        "keys", "list", "--no-migrate", "--database-url", "postgresql+asyncpg://u@127.0.0.1:1/x"
    )
    assert code == 2 and "cannot reach the database server at 127.0.0.1:1" in err
    (tmp_path / "e.db").touch()  # a database without the schema
    code, _, err = run(
        "keys", "list", "--no-migrate", "--database-url", f"sqlite+aiosqlite:///{tmp_path}/e.db"
    )
    assert code == 1 and "run `events-api migrate` first" in err


def test_a_keys_server_honours_keys_made_and_revoked_by_the_cli(
    database_url: str, tmp_path: Path
) -> None:
    """The real commands against a real `events-api serve` with EVENTS_AUTH=keys: a revoke
    takes effect within the key cache's bound, without a restart."""

    def cli_run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [EVENTS_API, "keys", *args, "--no-migrate", "--database-url", database_url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    project = unique("live")
    created = cli_run("create", "--project", project)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    env = {"EVENTS_AUTH": "keys", "EVENTS_AUTH_CACHE_TTL_S": "1"}
    with live_server(database_url, tmp_path, env) as server:
        auth = {"Authorization": f"Bearer {key}"}
        started = httpx.post(f"{server.url}/v1/sessions", json={}, headers=auth, timeout=10)
        assert started.status_code == 200, started.text
        assert httpx.post(f"{server.url}/v1/sessions", json={}, timeout=10).status_code == 401

        [row] = [r for r in json.loads(cli_run("list", "--json").stdout) if r["project"] == project]
        assert cli_run("revoke", row["id"]).returncode == 0
        # The server remembers a key look-up for EVENTS_AUTH_CACHE_TTL_S (1 s here).
        deadline = time.monotonic() + 3
        while True:
            refused = httpx.post(f"{server.url}/v1/sessions", json={}, headers=auth, timeout=10)
            if refused.status_code != 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert refused.status_code == 401
        assert refused.json()["message"] == "API key has been revoked"


@pytest.mark.parametrize(
    "args", [("keys", "list"), ("keys", "create", "--project", "p"), ("keys", "revoke", "abc")]
)
def test_keys_in_an_empty_directory_create_nothing_and_say_which_database(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTS_")}
    result = subprocess.run(
        [EVENTS_API, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2, result.stderr
    assert list(tmp_path.iterdir()) == []  # no ./data/, no SQLite file
    expected_file = tmp_path.resolve() / "data" / "events.sqlite3"
    using, refusal = result.stderr.strip().splitlines()
    assert "using the database sqlite+aiosqlite:///./data/events.sqlite3" in using
    assert str(expected_file) in using
    assert "does not exist" in refusal and "--database-url" in refusal
    assert result.stdout == ""


async def test_keys_refuse_a_postgres_database_that_does_not_exist() -> None:
    from sqlalchemy.engine import make_url

    from tests.backends import POSTGRES_ADMIN_URL, postgres_available, require_postgres

    require_postgres(await postgres_available())
    url = make_url(POSTGRES_ADMIN_URL).set(database="events_keys_missing").render_as_string(False)
    result = await asyncio.to_thread(
        subprocess.run,
        [EVENTS_API, "keys", "list", "--database-url", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "'events_keys_missing' does not exist" in result.stderr
    assert "Traceback" not in result.stderr
