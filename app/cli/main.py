"""Entry point of the `events-api` command: assembles the sub-commands."""

from __future__ import annotations

import typer

from app.cli.citus import citus_app
from app.cli.deletes import events_app  # the `events` group, with `events delete`
from app.cli.keys import keys_app
from app.cli.maintenance import maintenance_app
from app.cli.server import register_server_commands
from app.cli.text_index import text_index

cli = typer.Typer(
    name="events-api",
    help="Self-hosted HoneyHive Events API server and client.",
    no_args_is_help=True,
    add_completion=False,
)
register_server_commands(cli)

cli.add_typer(events_app, name="events")
cli.add_typer(keys_app, name="keys")
cli.add_typer(maintenance_app, name="maintenance")
cli.add_typer(citus_app, name="citus")
cli.command("text-index")(text_index)


def main() -> None:
    cli()
