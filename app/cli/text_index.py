"""`events-api text-index on|off|status`: the operator's switch of the `contains` text index."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Annotated, Literal

import orjson
import typer

from app.settings import Settings

Action = Literal["on", "off", "status"]


def text_index(
    action: Annotated[
        str,
        typer.Argument(
            metavar="on|off|status",
            help="on: build the index (writes go on meanwhile); off: drop it; status: show it.",
        ),
    ],
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="Database (env EVENTS_DATABASE_URL)."),
    ] = None,
) -> None:
    """Turn the Postgres text index of `contains` on inputs/outputs on or off, or show it.
    Off: ingest costs less and `contains` on inputs/outputs scans the project's events
    instead (same results, slower). Prints the state as JSON; SQLite has no such index
    (state "not applicable"). See docs/search.md."""
    from app.cli.database import use_existing_database
    from app.cli.server import checked_database_url
    from app.db.engine import Database
    from app.services.text_index import TextIndexService

    if action not in ("on", "off", "status"):
        raise typer.BadParameter(f"{action!r}: expected on, off or status", param_hint="ACTION")
    overrides: dict[str, object] = {}
    if database_url:
        overrides["database_url"] = checked_database_url(database_url)
    settings = Settings(**overrides)  # type: ignore[arg-type]
    use_existing_database(settings.database_url)
    # Building an index takes longer than an API statement may: the migrations' limit.
    settings = settings.model_copy(
        update={"statement_timeout_s": settings.maintenance_statement_timeout_s}
    )

    def progress(line: str) -> None:
        typer.echo(f"events-api: {line}", err=True)

    async def once() -> dict[str, object]:
        db = Database(settings)
        try:
            service = TextIndexService(db)
            if action == "on":
                status = await service.turn_on(progress)
            elif action == "off":
                status = await service.turn_off()
            else:
                status = await service.status()
        finally:
            await db.dispose()
        return {**dataclasses.asdict(status), "note": status.note}

    typer.echo(orjson.dumps(asyncio.run(once())).decode())
