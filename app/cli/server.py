"""`events-api serve` and `events-api migrate`: run and migrate the server."""

from __future__ import annotations

import math
import os
from typing import Annotated

import typer

from app.settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def register_server_commands(cli: typer.Typer) -> None:
    cli.command("serve")(serve)
    cli.command("migrate")(migrate)


def serve(
    host: Annotated[
        str, typer.Option(envvar="EVENTS_HOST", help="Interface to listen on.")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(envvar="EVENTS_PORT", help="TCP port to listen on.")] = (
        DEFAULT_PORT
    ),
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="postgresql+asyncpg://... or sqlite+aiosqlite:///file (env EVENTS_DATABASE_URL).",
        ),
    ] = None,
    log_level: Annotated[
        str, typer.Option(help="critical, error, warning, info or debug.")
    ] = "info",
    migrate_first: Annotated[
        bool,
        typer.Option(
            "--migrate/--no-migrate",
            envvar="EVENTS_MIGRATE_ON_START",
            help="Upgrade the database schema before serving (env EVENTS_MIGRATE_ON_START).",
        ),
    ] = True,
    workers: Annotated[int, typer.Option(help="Worker processes (Postgres only).")] = 1,
    test_mode: Annotated[
        bool,
        typer.Option(
            "--test-mode",
            envvar="EVENTS_TEST_MODE",
            help="Serve the /_test routes (reset, requests, wait, faults); env EVENTS_TEST_MODE.",
        ),
    ] = False,
) -> None:
    """Run the Events API server (migrating the database first unless told not to)."""
    import uvicorn

    from app.cli.database import prepare_database

    if database_url:
        os.environ["EVENTS_DATABASE_URL"] = database_url
    os.environ["EVENTS_LOG_LEVEL"] = log_level
    if test_mode:
        os.environ["EVENTS_TEST_MODE"] = "true"
    settings = Settings()
    from app.db.dialect import single_process_only

    if workers > 1 and single_process_only(settings.database_url):
        raise typer.BadParameter("SQLite supports one worker only", param_hint="--workers")
    if workers > 1 and settings.test_mode:
        raise typer.BadParameter(
            "test mode keeps its state in one process: use one worker", param_hint="--workers"
        )
    checked_database_url(settings.database_url)
    if migrate_first:
        prepare_database(
            settings.database_url,
            migrate=True,
            debug=log_level == "debug",
            timeout_s=settings.db_connect_timeout_s,
        )
    typer.echo(f"events-api: serving on http://{host}:{port} ({_describe(settings)})", err=True)
    uvicorn.run(
        "app.main:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        log_level=log_level,
        workers=workers,
        access_log=log_level == "debug",
        # Deadlines for slow clients, and the drain on SIGTERM: docs/operations.md.
        http="app.api.slow_clients:DeadlineHttpToolsProtocol",
        timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout_s),
    )


def migrate(
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="Database to migrate (env EVENTS_DATABASE_URL)."),
    ] = None,
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL instead of running it.")
    ] = False,
    log_level: Annotated[
        str, typer.Option(help="debug adds the traceback to a database error.")
    ] = "info",
) -> None:
    """Upgrade the database schema to the newest revision."""
    from app.cli.database import prepare_database

    settings = Settings()
    url = checked_database_url(database_url or settings.database_url)
    prepare_database(
        url,
        migrate=True,
        sql=sql,
        debug=log_level == "debug",
        timeout_s=settings.db_connect_timeout_s,
    )
    if not sql:
        typer.echo("events-api: database is at the newest revision", err=True)


def checked_database_url(url: str) -> str:
    """The URL, or a usage error (exit 2, one line) when its driver is not supported."""
    from app.db.engine import parse_database_url

    try:
        parse_database_url(url)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--database-url") from None
    return url


def _describe(settings: Settings) -> str:
    from app.db.engine import parse_database_url

    url = parse_database_url(settings.database_url)
    mode = " test mode" if settings.test_mode else ""
    return f"{url.render_as_string(hide_password=True)}; auth {settings.auth}{mode}"
