"""`events-api migrate` (and --sql) and `events-api serve` options, run as real commands."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import httpx
from alembic.script import ScriptDirectory

from app.db.migrate import alembic_config
from tests.cli.conftest import clean_env, events_api_script
from tests.live_server import live_server


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [events_api_script(), *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_migrate_creates_the_schema_and_sql_prints_it(tmp_path: Path) -> None:
    database = tmp_path / "events.db"
    url = f"sqlite+aiosqlite:///{database}"
    printed = run("migrate", "--database-url", url, "--sql", env=clean_env())
    assert printed.returncode == 0, printed.stderr
    assert "CREATE TABLE events" in printed.stdout and "CREATE TABLE api_keys" in printed.stdout
    assert not database.exists()  # --sql only prints
    migrated = run("migrate", env=clean_env(EVENTS_DATABASE_URL=url))
    assert migrated.returncode == 0, migrated.stderr
    with sqlite3.connect(database) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert {"events", "projects", "api_keys"} <= tables
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert head is not None and version == head  # the newest revision, whatever its number
    again = run("migrate", "--database-url", url, env=clean_env())
    assert again.returncode == 0  # idempotent


def test_migrate_rejects_an_unsupported_url() -> None:
    for command in ("migrate", "serve"):
        result = run(command, "--database-url", "mysql://x/y", env=clean_env())
        assert result.returncode == 2, result.stderr
        assert "unsupported database URL driver" in result.stderr
        assert "Traceback" not in result.stderr


def test_serve_with_options_and_no_migrate(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'events.db'}"
    assert run("migrate", "--database-url", url, env=clean_env()).returncode == 0
    with live_server(url, tmp_path, {"EVENTS_MIGRATE_ON_START": "false"}) as server:
        ready = httpx.get(f"{server.url}/readyz")
        assert ready.status_code == 200 and ready.json()["database"] == "sqlite"
        log = server.log.read_text()
    assert "serving on http://127.0.0.1" in log
