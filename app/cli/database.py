"""Getting the database ready before `serve` or `migrate`, or failing in one line (exit 2)."""

from __future__ import annotations

import asyncio
import traceback

import typer


def prepare_database(
    url: str, *, migrate: bool, sql: bool = False, debug: bool = False, timeout_s: float = 5
) -> None:
    """Check that ``url`` can be reached and logged in to, then migrate it (or print the SQL).
    A database that does not exist, refuses the login or cannot be reached ends the command
    with one line naming the URL (password hidden) and the fix, exit status 2; the traceback
    is shown only with ``debug``. Anything else is a bug and raises."""
    from app.db.migrate import upgrade
    from app.db.outage import is_database_outage
    from app.db.problems import explain_connect_error, probe, redacted

    try:
        if not sql:
            asyncio.run(probe(url, timeout_s))
        if migrate:
            upgrade(url, sql=sql)
    except Exception as exc:
        line = explain_connect_error(url, exc)
        if line is None and is_database_outage(exc):
            line = f"cannot use the database {redacted(url)}: {type(exc).__name__}: {exc}"
            line = line.splitlines()[0]
        if line is None:
            raise
        if debug:
            traceback.print_exc()
        typer.echo(f"events-api: {line}", err=True)
        raise typer.Exit(2) from None


def use_existing_database(url: str, *, timeout_s: float = 5, debug: bool = False) -> None:
    """Say which database a command uses, and refuse (exit 2, one line) when it does not
    exist or cannot be used: commands that only read or add rows never create one."""
    from pathlib import Path

    from app.db.engine import parse_database_url, sqlite_file
    from app.db.problems import redacted

    parsed = parse_database_url(url)
    path = sqlite_file(parsed)
    where = f" (file {path.resolve()})" if path is not None else ""
    typer.echo(f"events-api: using the database {redacted(parsed)}{where}", err=True)
    if path is not None and not Path(path).is_file():
        typer.echo(
            f"events-api: the database {redacted(parsed)} does not exist (no file "
            f"{path.resolve()}); give the server's database with --database-url or "
            "EVENTS_DATABASE_URL, or create this one with `events-api migrate`",
            err=True,
        )
        raise typer.Exit(2)
    prepare_database(url, migrate=False, debug=debug, timeout_s=timeout_s)
