"""`events-api citus distribute`: the distribution step of a Citus deployment."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Annotated

import orjson
import typer

from app.settings import Settings

citus_app = typer.Typer(no_args_is_help=True, help="Distributed Postgres (Citus).")


@citus_app.command("distribute")
def distribute_command(
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="The coordinator (env EVENTS_DATABASE_URL)."),
    ] = None,
) -> None:
    """After `events-api migrate` on the Citus coordinator: shard events and event_ids by
    project_id (co-located) and make projects and api_keys reference tables. Safe to run
    again. See docs/scaling.md."""
    from app.cli.server import checked_database_url
    from app.db.engine import Database
    from app.services.distribution import NotCitus, distribute

    url = checked_database_url(database_url or Settings().database_url)
    settings = Settings(database_url=url)

    async def once() -> dict[str, object]:
        db = Database(settings)
        try:
            return dataclasses.asdict(await distribute(db))
        finally:
            await db.dispose()

    try:
        report = asyncio.run(once())
    except NotCitus as exc:
        typer.echo(f"events-api citus distribute: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(orjson.dumps(report).decode())
