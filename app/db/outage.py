"""Telling a database outage (answered 503, retryable) from a bug (500)."""

from __future__ import annotations

import sqlite3

import asyncpg
from sqlalchemy import exc as sa_exc

# SQLite messages that mean "not reachable now" rather than "bad SQL".
_SQLITE_OUTAGE_MESSAGES = (
    "unable to open database file",
    "database is locked",
    "disk i/o error",
    "database or disk is full",
    "readonly database",
)

# Every exception class a database failure raises (outage or not): the API answers them with
# handlers of their own (see app/api/error_handlers.py).
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    sa_exc.SQLAlchemyError,
    sqlite3.Error,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)


def is_database_outage(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) says the database cannot be reached."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, sa_exc.TimeoutError | sa_exc.DisconnectionError):
            return True
        if isinstance(current, OSError | TimeoutError | ConnectionError):
            return True
        if isinstance(current, sqlite3.OperationalError):
            text = str(current).lower()
            if any(message in text for message in _SQLITE_OUTAGE_MESSAGES):
                return True
        if _is_asyncpg_connection_error(current):
            return True
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
        )
    return False


def _is_asyncpg_connection_error(error: BaseException) -> bool:
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    return isinstance(
        error,
        asyncpg.exceptions.PostgresConnectionError
        | asyncpg.exceptions.CannotConnectNowError
        | asyncpg.exceptions.TooManyConnectionsError
        | asyncpg.exceptions.AdminShutdownError
        | asyncpg.exceptions.InterfaceError,
    )
