"""`serve` and `migrate` against a database they cannot use: one line, the URL without its
password, the fix, exit status 2 and no traceback (unless --log-level debug). A running server
whose database lacks the schema, or is down, answers 503 and logs one line, not a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from events_api_launcher import launched_server
from tests.backends import (
    POSTGRES_ADMIN_URL,
    create_postgres_database,
    drop_postgres_database,
    postgres_available,
    require_postgres,
)
from tests.cli.conftest import clean_env, events_api_script
from tests.live_server import ROOT, free_port

SECRET = "s3cret-pw"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def problem_url(case: str) -> tuple[str, str]:
    """A URL the commands cannot use, and what the one line must say about it."""
    admin = make_url(POSTGRES_ADMIN_URL)
    if case == "unreachable":
        url = admin.set(host="127.0.0.1", port=closed_port(), password=SECRET)
        return url.render_as_string(hide_password=False), "cannot reach the database server"
    require_postgres(await postgres_available())
    if case == "missing_database":
        url = admin.set(database="events_no_such_database", password=SECRET)
        return url.render_as_string(hide_password=False), "does not exist"
    # The local server trusts every password, so a user that does not exist is what makes
    # it refuse the login.
    url = admin.set(username="events_no_such_user", password=SECRET)
    return url.render_as_string(hide_password=False), "refused the login"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [events_api_script(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(EVENTS_DB_CONNECT_TIMEOUT_S="3"),
        cwd=ROOT,
    )


@pytest.mark.parametrize("command", ["serve", "migrate"])
@pytest.mark.parametrize("case", ["missing_database", "refused_login", "unreachable"])
async def test_one_line_naming_the_url_and_the_fix(command: str, case: str) -> None:
    url, says = await problem_url(case)
    extra = ["--port", str(free_port())] if command == "serve" else []
    result = run(command, "--database-url", url, *extra)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    (line,) = lines
    assert says in line
    assert make_url(url).render_as_string(hide_password=True) in line
    assert SECRET not in result.stderr + result.stdout
    assert "--database-url or EVENTS_DATABASE_URL" in line or "start Postgres" in line
    assert "Traceback" not in result.stderr


async def test_log_level_debug_adds_the_traceback() -> None:
    url, says = await problem_url("unreachable")
    result = run("migrate", "--database-url", url, "--log-level", "debug")
    assert result.returncode == 2
    assert "Traceback" in result.stderr and says in result.stderr.strip().splitlines()[-1]
    assert SECRET not in result.stderr


def test_an_unusable_sqlite_path_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run("migrate", "--database-url", f"sqlite+aiosqlite:///{blocker}/events.db")
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "cannot open the SQLite database" in result.stderr


# -- a running server ---------------------------------------------------------------------


@contextmanager
def unmigrated_server(database_url: str, log_dir: Path) -> Iterator[tuple[str, Path]]:
    """`events-api serve --no-migrate`, waited for on /healthz (it never becomes ready)."""
    env = {**clean_env(), "EVENTS_DATABASE_URL": database_url, "EVENTS_DB_CONNECT_TIMEOUT_S": "2"}
    log = log_dir / "serve.log"
    with launched_server(env, log, cwd=ROOT, args=("--no-migrate",), ready_path="/healthz") as s:
        yield s.url, log


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        database = tmp_path / "empty.sqlite3"
        database.touch()
        yield f"sqlite+aiosqlite:///{database}"
        return
    require_postgres(await postgres_available())
    url = await create_postgres_database("events_unmigrated")
    try:
        yield url
    finally:
        await drop_postgres_database(url)


def test_a_database_without_the_schema_answers_503_not_500(
    empty_database: str, tmp_path: Path
) -> None:
    with unmigrated_server(empty_database, tmp_path) as (url, log):
        answers = [
            httpx.post(f"{url}/v1/events", json={"event_type": "tool", "inputs": {}}),
            httpx.get(f"{url}/v1/events/any"),
            httpx.post(f"{url}/v1/events/search", json={}),
            httpx.post(f"{url}/session/start", json={"session": {}}),
            httpx.get(f"{url}/readyz"),
        ]
        text = log.read_text()
    for answer in answers:
        assert answer.status_code == 503, answer.text
        body = answer.json()
        assert body["errorCode"] == "SERVICE_UNAVAILABLE"
        assert body["message"] == "database schema is not migrated; run `events-api migrate`"
        assert answer.headers["retry-after"]
    assert "Traceback" not in text and "500" not in text
    # Five 503s, one (rate-limited) line; the maintenance task says so once on its own.
    assert text.count("503: database schema is not migrated") == 1, text
    assert text.count("maintenance: database schema is not migrated") <= 1, text


def test_a_database_that_is_down_logs_one_line_not_a_traceback(tmp_path: Path) -> None:
    down = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/events"
    with unmigrated_server(down, tmp_path) as (url, log):
        statuses = [
            httpx.post(f"{url}/v1/events", json={"event_type": "tool", "inputs": {}}).status_code
            for _ in range(5)
        ]
        time.sleep(0.5)
        text = log.read_text()
    assert statuses == [503] * 5
    assert "Traceback" not in text
    outage_lines = [line for line in text.splitlines() if "database unavailable" in line]
    assert len(outage_lines) == 1, text
    assert "ConnectionRefusedError" in outage_lines[0] or "Connect call failed" in outage_lines[0]


if os.name != "posix":  # pragma: no cover
    pytestmark = pytest.mark.skip(reason="uses POSIX process handling")
