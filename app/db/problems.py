"""Why a database cannot be used, said in one line that names it (password hidden) and the fix."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator

import asyncpg
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

SCHEMA_NOT_MIGRATED = "database schema is not migrated; run `events-api migrate`"
# What the database layer raises when it fails: the classes the API's handlers look at.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    SQLAlchemyError,
    OSError,
    asyncpg.exceptions.PostgresError,
    asyncpg.exceptions.InterfaceError,
)


def redacted(url: str | URL) -> str:
    """The URL as it may be shown: the password replaced by ***."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except Exception:  # an unparsable URL has no password we could find either
        return str(url)
    return parsed.render_as_string(hide_password=True)


def causes(error: BaseException) -> Iterator[BaseException]:
    """``error`` and everything it was raised from (``orig``, ``__cause__``, ``__context__``)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
        )


def is_schema_missing(error: BaseException) -> bool:
    """True when a query failed because the tables do not exist (not migrated yet)."""
    for cause in causes(error):
        if isinstance(cause, asyncpg.exceptions.UndefinedTableError):
            return True
        if isinstance(cause, sqlite3.OperationalError) and "no such table" in str(cause):
            return True
    return False


def explain_connect_error(url: str, error: BaseException) -> str | None:
    """One line saying why ``url`` could not be used and how to fix it; None when ``error``
    is not about reaching, opening or logging in to the database."""
    parsed = make_url(url)
    shown = redacted(parsed)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    for cause in causes(error):
        if isinstance(cause, asyncpg.exceptions.InvalidCatalogNameError):
            return (
                f"the database {parsed.database!r} does not exist on {where} ({shown}); "
                f'create it (CREATE DATABASE "{parsed.database}";) or give an existing one '
                "with --database-url or EVENTS_DATABASE_URL"
            )
        if isinstance(
            cause,
            asyncpg.exceptions.InvalidPasswordError
            | asyncpg.exceptions.InvalidAuthorizationSpecificationError,
        ):
            return (
                f"the database server at {where} refused the login of user "
                f"{parsed.username!r} ({shown}): {_first_line(cause)}; fix the user name and "
                "password in --database-url or EVENTS_DATABASE_URL"
            )
        if isinstance(cause, socket.gaierror):
            return (
                f"cannot reach the database at {shown}: unknown host {parsed.host!r}; "
                "fix the host in --database-url or EVENTS_DATABASE_URL"
            )
        if isinstance(cause, sqlite3.OperationalError) and "unable to open" in str(cause):
            return (
                f"cannot open the SQLite database {parsed.database!r} ({shown}); make sure "
                "its directory exists and is writable, or give another path"
            )
        if isinstance(cause, OSError | TimeoutError):
            reason = _first_line(cause) or type(cause).__name__
            if parsed.get_backend_name() == "sqlite":
                return (
                    f"cannot open the SQLite database {parsed.database!r} ({shown}): {reason}; "
                    "make sure its directory exists and is writable, or give another path"
                )
            return (
                f"cannot reach the database server at {where} ({shown}): {reason}; start "
                "Postgres there, or fix the host and port in --database-url or "
                "EVENTS_DATABASE_URL"
            )
        if isinstance(cause, asyncpg.exceptions.TooManyConnectionsError):
            return (
                f"the database server at {where} has no free connection ({shown}): "
                f"{_first_line(cause)}; retry when other clients have disconnected, or raise "
                "its max_connections"
            )
        if isinstance(cause, asyncpg.exceptions.CannotConnectNowError):
            return (
                f"the database server at {where} is not accepting connections yet "
                f"({shown}): {_first_line(cause)}; retry when it has started"
            )
    return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


async def probe(url: str, timeout_s: float) -> None:
    """Open one connection to ``url`` and close it; raises what the driver raised. It never
    creates anything: an SQLite file that does not exist is left alone (its directory too)."""
    from sqlalchemy import pool, text
    from sqlalchemy.ext.asyncio import create_async_engine

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return
    engine = create_async_engine(
        parsed, poolclass=pool.NullPool, connect_args={"timeout": timeout_s}
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
