"""The two supported SQL dialects, and every place where Postgres and SQLite differ.

Code outside ``app/db/`` never compares dialect names: it asks :func:`dialect_of` for a
:class:`Dialect` and passes it to a function here (or matches on it exhaustively).
"""

from __future__ import annotations

import enum
from typing import Any, Final, assert_never

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection


class Dialect(enum.Enum):
    POSTGRES = "postgresql"
    SQLITE = "sqlite"

    @classmethod
    def of_url(cls, url: URL) -> Dialect:
        return cls(url.get_backend_name())

    @classmethod
    def of_name(cls, name: str) -> Dialect:
        """The dialect of an SQLAlchemy dialect name ("postgresql", "sqlite")."""
        try:
            return cls(name)
        except ValueError:
            supported = ", ".join(d.value for d in cls)
            raise ValueError(f"unsupported dialect {name!r}; expected one of {supported}") from None


def dialect_of(conn: AsyncConnection | sa.Connection) -> Dialect:
    """The dialect a connection speaks."""
    return Dialect.of_name(conn.dialect.name)


def single_process_only(raw_url: str) -> bool:
    """True when only one server process may use the database (SQLite: one writer per file,
    queued inside the process)."""
    return raw_url.startswith(Dialect.SQLITE.value)


# --- INSERT ... ON CONFLICT ----------------------------------------------------------------------


def upsert_insert(dialect: Dialect, table: sa.Table) -> Any:
    """The dialect's INSERT construct, which has ``on_conflict_do_nothing/do_update``."""
    match dialect:
        case Dialect.POSTGRES:
            return postgresql.insert(table)
        case Dialect.SQLITE:
            return sqlite.insert(table)
        case _:
            assert_never(dialect)


# --- JSON values and lists in raw SQL ------------------------------------------------------------


def json_text(value: Any) -> str | None:
    """A JSON value as the text bound for a JSON column (None stays SQL NULL)."""
    return None if value is None else orjson.dumps(value).decode()


def json_param(dialect: Dialect, bind: str) -> str:
    """SQL for a bound parameter holding JSON text, typed as the dialect's JSON column."""
    match dialect:
        case Dialect.POSTGRES:
            return f"CAST(:{bind} AS jsonb)"
        case Dialect.SQLITE:
            return f":{bind}"
        case _:
            assert_never(dialect)


def text_list_param(dialect: Dialect, bind: str) -> str:
    """SQL for "is one of the strings bound as ``bind``", to follow an expression."""
    match dialect:
        case Dialect.POSTGRES:
            return f"= ANY(CAST(:{bind} AS text[]))"
        case Dialect.SQLITE:
            return f"IN (SELECT value FROM json_each(:{bind}))"
        case _:
            assert_never(dialect)


def list_value(dialect: Dialect, values: list[Any]) -> Any:
    """The bound value for :func:`text_list_param`: an array, or JSON text on SQLite."""
    match dialect:
        case Dialect.POSTGRES:
            return values
        case Dialect.SQLITE:
            return orjson.dumps(values).decode()
        case _:
            assert_never(dialect)


def json_member_text(dialect: Dialect, column: str, key: str) -> str:
    """SQL for the text of top-level key ``key`` (a trusted constant) of a JSON column."""
    match dialect:
        case Dialect.POSTGRES:
            return f"{column}->>'{key}'"
        case Dialect.SQLITE:
            return f"json_extract({column}, '$.{key}')"
        case _:
            assert_never(dialect)


# --- shallow merge of two JSON objects -----------------------------------------------------------

_PG_MERGE: Final = (
    "CASE WHEN {patch} IS NULL THEN {target} "
    "ELSE COALESCE({target}, CAST('{{}}' AS jsonb)) || {patch} END"
)
# Keys of the old object that the patch does not have, then every key of the patch. Values are
# re-emitted with their JSON type; reals are printed with 17 significant digits so that no
# double loses precision.
_SQLITE_MERGE: Final = (
    "CASE WHEN {patch} IS NULL THEN {target} ELSE ("
    "SELECT json_group_object(m.key, CASE m.type"
    " WHEN 'object' THEN json(m.value) WHEN 'array' THEN json(m.value)"
    " WHEN 'true' THEN json('true') WHEN 'false' THEN json('false')"
    " WHEN 'real' THEN json(printf('%!.17g', m.value)) ELSE m.value END)"
    " FROM (SELECT key, type, value FROM json_each(COALESCE({target}, '{{}}'))"
    " WHERE key NOT IN (SELECT key FROM json_each({patch}))"
    " UNION ALL SELECT key, type, value FROM json_each({patch})) AS m"
    ") END"
)


def json_merge(dialect: Dialect, target: str, patch: str) -> str:
    """SQL for the shallow key merge of JSON object ``patch`` into ``target`` (NULL patch:
    target unchanged)."""
    match dialect:
        case Dialect.POSTGRES:
            template = _PG_MERGE
        case Dialect.SQLITE:
            template = _SQLITE_MERGE
        case _:
            assert_never(dialect)
    return template.format(target=target, patch=patch)


# --- time partitions -----------------------------------------------------------------------------


def partitions_events_by_time(dialect: Dialect) -> bool:
    """Postgres partitions `events` by start_time and keeps ids unique in `event_ids`
    (migration 0004, docs/storage.md); SQLite keeps one table with its primary key."""
    match dialect:
        case Dialect.POSTGRES:
            return True
        case Dialect.SQLITE:
            return False
        case _:
            assert_never(dialect)
