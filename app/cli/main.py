"""Entry point of the `events-api` command: assembles the sub-commands."""

from __future__ import annotations

import typer

from app.cli.deletes import delete as _delete_command  # registers `events delete`
from app.cli.events import events_app
from app.cli.keys import keys_app
from app.cli.server import register_server_commands

cli = typer.Typer(
    name="events-api",
    help="Self-hosted HoneyHive Events API server and client.",
    no_args_is_help=True,
    add_completion=False,
)
register_server_commands(cli)

cli.add_typer(events_app, name="events")
cli.add_typer(keys_app, name="keys")


def main() -> None:
    cli()
