"""`events-api keys create|list|revoke`: the API keys of EVENTS_AUTH=keys.

Each command names the database it uses and refuses one that does not exist (it never creates
a database), upgrades the schema first (as `serve` does; `--no-migrate` skips it) and goes
through the services and repositories, never raw SQL. Only `create` ever shows a key."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, NoReturn, TypeVar

import orjson
import typer

from app.settings import Settings

T = TypeVar("T")

keys_app = typer.Typer(
    name="keys",
    help="Create, list and revoke the API keys that EVENTS_AUTH=keys accepts.",
    no_args_is_help=True,
    add_completion=False,
)

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="EVENTS_DATABASE_URL",
        help="postgresql+asyncpg://... or sqlite+aiosqlite:///file (env EVENTS_DATABASE_URL).",
        show_envvar=False,
    ),
]
MigrateOption = Annotated[
    bool,
    typer.Option("--migrate/--no-migrate", help="Upgrade the database schema first."),
]


def _fail(message: str) -> NoReturn:
    typer.echo(f"events-api: {message}", err=True)
    raise typer.Exit(1)


def _run(database_url: str | None, migrate: bool, use: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``use(ApiKeyService)`` on the database, turning failures into one-line errors."""
    from app.cli.database import use_existing_database
    from app.db.engine import Database, parse_database_url
    from app.db.outage import is_database_outage
    from app.errors import ApiError
    from app.services.api_keys import ApiKeyService

    try:
        settings = Settings(database_url=database_url) if database_url else Settings()
        parse_database_url(settings.database_url)
    except ValueError as exc:
        _fail(f"invalid settings: {exc}")
    use_existing_database(settings.database_url, timeout_s=settings.db_connect_timeout_s)

    async def run() -> T:
        db = Database(settings)
        try:
            return await use(ApiKeyService(db))
        finally:
            await db.dispose()

    try:
        if migrate:
            from app.db.migrate import upgrade

            upgrade(settings.database_url)
        return asyncio.run(run())
    except ApiError as exc:
        _fail(exc.message)
    except Exception as exc:
        if is_database_outage(exc):
            _fail(f"cannot reach the database: {exc}")
        if "api_keys" in str(exc) and not migrate:
            _fail("the database has no api_keys table; run `events-api migrate` first")
        raise


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    moment = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


@keys_app.command("create")
def create(
    project: Annotated[str, typer.Option("--project", help="Project the key gives access to.")],
    name: Annotated[str | None, typer.Option("--name", help="A label to tell keys apart.")] = None,
    database_url: DatabaseUrlOption = None,
    migrate: MigrateOption = True,
) -> None:
    """Create a random API key for PROJECT (created if new) and print it, once, on stdout."""
    from app.services.api_keys import ApiKeyService

    async def use(service: ApiKeyService) -> tuple[Any, str]:
        return await service.create(project, name)

    info, key = _run(database_url, migrate, use)
    typer.echo(key)
    typer.echo(
        f"events-api: created API key {info.id} ({info.prefix}...) for project "
        f"{info.project_name!r}; it is shown only now: store it",
        err=True,
    )


@keys_app.command("list")
def list_keys(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    database_url: DatabaseUrlOption = None,
    migrate: MigrateOption = True,
) -> None:
    """List every key: id, project, label, prefix, created, revoked (never the key)."""
    from app.services.api_keys import ApiKeyService

    async def use(service: ApiKeyService) -> list[Any]:
        return await service.list()

    found = _run(database_url, migrate, use)
    if as_json:
        rows = [
            {
                "id": key.id,
                "project": key.project_name,
                "project_id": key.project_id,
                "label": key.label,
                "prefix": key.prefix,
                "created_at": _iso(key.created_at),
                "revoked_at": _iso(key.revoked_at),
                "revoked": key.revoked,
            }
            for key in found
        ]
        sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    table = [("ID", "PROJECT", "LABEL", "PREFIX", "CREATED", "REVOKED")]
    for key in found:
        table.append(
            (
                key.id,
                key.project_name,
                key.label or "-",
                key.prefix,
                _iso(key.created_at) or "-",
                _iso(key.revoked_at) or "-",
            )
        )
    widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
    for row in table:
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        typer.echo(line.rstrip())


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The id `keys list` shows.")],
    database_url: DatabaseUrlOption = None,
    migrate: MigrateOption = True,
) -> None:
    """Revoke a key: from now on it is answered 401 (revoking twice is harmless)."""
    from app.services.api_keys import ApiKeyService, RevokeOutcome

    async def use(service: ApiKeyService) -> RevokeOutcome:
        return await service.revoke(key_id)

    outcome = _run(database_url, migrate, use)
    if outcome is RevokeOutcome.UNKNOWN:
        _fail(f"no API key has the id {key_id!r} (see `events-api keys list`)")
    if outcome is RevokeOutcome.ALREADY_REVOKED:
        typer.echo(f"events-api: API key {key_id} was revoked already", err=True)
        return
    typer.echo(f"events-api: revoked API key {key_id}", err=True)
