"""`events-api maintenance run`: one maintenance pass (partitions ahead, retention), for cron."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Annotated

import orjson
import typer

from app.settings import Settings

maintenance_app = typer.Typer(no_args_is_help=True, help="Partitions and retention.")


@maintenance_app.command("run")
def run(
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="Database (env EVENTS_DATABASE_URL)."),
    ] = None,
    retention_days: Annotated[
        int | None,
        typer.Option(
            "--retention-days", min=1, help="Delete older events (env EVENTS_RETENTION_DAYS)."
        ),
    ] = None,
) -> None:
    """Create the coming days' partitions (Postgres) and delete expired events once; prints
    what was done as JSON. The server does the same every EVENTS_MAINTENANCE_INTERVAL_S."""
    from app.cli.server import checked_database_url
    from app.clock import now_ms
    from app.db.engine import Database
    from app.services.maintenance import MaintenanceService

    overrides: dict[str, object] = {}
    if database_url:
        overrides["database_url"] = checked_database_url(database_url)
    if retention_days is not None:
        overrides["retention_days"] = retention_days
    settings = Settings(**overrides)  # type: ignore[arg-type]

    async def once() -> dict[str, object]:
        db = Database(settings)
        try:
            report = await MaintenanceService.from_settings(db, settings).run(now_ms())
        finally:
            await db.dispose()
        return dataclasses.asdict(report)

    typer.echo(orjson.dumps(asyncio.run(once())).decode())
