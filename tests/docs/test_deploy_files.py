"""docker-compose.yml and the Dockerfile deliver what the README and docs/ promise, read as
files (the stack itself is built and run by tests/compose)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SERVE_ENV = {"EVENTS_HOST", "EVENTS_PORT", "EVENTS_MIGRATE_ON_START", "EVENTS_TEST_MODE"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def without_defaults(value: str) -> str:
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_postgres_service_has_a_named_volume_and_pg_isready_healthcheck() -> None:
    spec = compose()
    postgres = spec["services"]["postgres"]
    assert without_defaults(postgres["image"]).startswith("postgres:")
    assert "pgdata:/var/lib/postgresql/data" in postgres["volumes"]
    assert "pgdata" in spec["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    env = postgres["environment"]
    assert env["POSTGRES_USER"] and env["POSTGRES_DB"]


def test_api_service_waits_for_a_healthy_database_and_checks_readyz() -> None:
    api = compose()["services"]["api"]
    assert api["build"]["context"] == "."
    assert without_defaults(api["build"]["args"]["PYTHON_IMAGE"]) == "python:3.11-slim"
    assert api["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(api["healthcheck"]["test"])
    # Published on the loopback interface only unless EVENTS_API_BIND says otherwise.
    assert [without_defaults(port) for port in api["ports"]] == ["127.0.0.1:8080:8080"]
    env = {k: without_defaults(str(v)) for k, v in api["environment"].items()}
    url = make_url(env["EVENTS_DATABASE_URL"])
    assert url.drivername == "postgresql+asyncpg" and url.host == "postgres"
    assert url.database == compose()["services"]["postgres"]["environment"]["POSTGRES_DB"]
    assert env["EVENTS_MIGRATE_ON_START"] == "true"


def test_every_compose_variable_is_a_real_setting() -> None:
    env = compose()["services"]["api"]["environment"]
    fields = {f"EVENTS_{name.upper()}" for name in Settings.model_fields}
    unknown = [name for name in env if name not in fields | SERVE_ENV]
    assert unknown == []
    settings = Settings(
        **{
            name.removeprefix("EVENTS_").lower(): without_defaults(str(value))
            for name, value in env.items()
            if name not in SERVE_ENV
        }
    )
    assert settings.database_url.startswith("postgresql+asyncpg://")


def test_dockerfile_runs_as_non_root_with_healthcheck_and_migrations_switch() -> None:
    text = (ROOT / "Dockerfile").read_text()
    user = re.search(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert user is not None and user.group(1) not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*", text, re.MULTILINE)
    assert "/readyz" in text
    assert re.search(r"^ARG PYTHON_IMAGE=python:3.11-slim$", text, re.MULTILINE)
    assert re.search(r"^EXPOSE 8080$", text, re.MULTILINE)
    assert "EVENTS_MIGRATE_ON_START=true" in text
    assert 'CMD ["events-api", "serve"]' in text
    assert "uv.lock" in text and "--frozen --no-dev" in text


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    text = (ROOT / ".dockerignore").read_text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "*"  # everything is excluded first, then what the image needs allowed
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert {".venv", ".tools", "data", ".git", "tests"}.isdisjoint(allowed)
    assert {"app", "migrations", "pyproject.toml", "uv.lock"} <= allowed
