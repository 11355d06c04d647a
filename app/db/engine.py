"""The async engine for Postgres or SQLite, and the one-transaction-per-use-case helper."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from app.db.dialect import Dialect
from app.settings import Settings

SUPPORTED_DRIVERS = ("postgresql+asyncpg", "sqlite+aiosqlite")
# A client-side deadline a little past the server's statement_timeout: it ends a query that
# a frozen (SIGSTOPped, partitioned) Postgres will never cancel itself.
CLIENT_TIMEOUT_MARGIN_S = 5.0
# A pooled Postgres connection idle for longer than this is pinged before it is used again.
IDLE_PING_AFTER_S = 1.0
IDLE_SINCE = "events_api_idle_since"


def server_statement_timeout(seconds: float) -> dict[str, str]:
    """asyncpg ``server_settings`` for a Postgres statement_timeout (0: none)."""
    return {"statement_timeout": str(int(seconds * 1000))} if seconds > 0 else {}


def statement_timeouts(seconds: float) -> dict[str, float]:
    """asyncpg connect arguments: the client-side deadline of every query (0: none)."""
    return {"command_timeout": seconds + CLIENT_TIMEOUT_MARGIN_S} if seconds > 0 else {}


def ping_when_idle(engine: AsyncEngine, idle_s: float) -> None:
    """Liveness of pooled connections at a fraction of ``pool_pre_ping``'s cost: a connection
    is pinged on checkout only when it sat in the pool longer than ``idle_s`` (a restart of
    the database or an idle timeout in between would have closed it). A dead one is
    replaced, and so are all pooled connections older than it, before the use case gets
    one. A connection that dies while in use fails its transaction, which the API answers
    503 (``app.db.outage``); SQLAlchemy then invalidates the rest of the pool too."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(IDLE_SINCE)
        if since is None or time.monotonic() - since <= idle_s:
            return  # fresh, or in steady use
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise sa_exc.InvalidatePoolError("pooled connection failed its ping") from exc


def parse_database_url(raw: str) -> URL:
    """Parse and check a database URL; only the two supported drivers are accepted."""
    url = make_url(raw)
    if url.drivername not in SUPPORTED_DRIVERS:
        raise ValueError(
            f"unsupported database URL driver {url.drivername!r}; "
            f"use one of: {', '.join(SUPPORTED_DRIVERS)}"
        )
    return url


def sqlite_file(url: URL) -> Path | None:
    """The file behind an SQLite URL, or None for an in-memory database."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


class Database:
    """Owns the engine. Each use case runs in one transaction from :meth:`transaction`."""

    def __init__(self, settings: Settings) -> None:
        self.url = parse_database_url(settings.database_url)
        self.dialect = Dialect.of_url(self.url)
        self.engine = self._create_engine(settings)
        # SQLite has one writer at a time: queue this process's writers here instead of
        # letting them spin in SQLite's busy handler (which sleeps in growing steps).
        self._sqlite_writer = asyncio.Lock()
        # Transactions waiting for a pooled connection (or the SQLite write lock): a metric.
        self.waiting = 0

    @property
    def is_sqlite(self) -> bool:
        return self.dialect is Dialect.SQLITE

    def _create_engine(self, settings: Settings) -> AsyncEngine:
        def json_serializer(value: Any) -> str:
            return orjson.dumps(value).decode()

        common: dict[str, Any] = {
            "json_serializer": json_serializer,
            "json_deserializer": orjson.loads,
        }
        if self.dialect is Dialect.POSTGRES:
            engine = create_async_engine(
                self.url,
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
                pool_timeout=settings.db_connect_timeout_s,
                connect_args={
                    "timeout": settings.db_connect_timeout_s,
                    **statement_timeouts(settings.statement_timeout_s),
                    "server_settings": {
                        **server_statement_timeout(settings.statement_timeout_s),
                        # Searches are short: JIT compilation costs more than it saves.
                        "jit": "off",
                        # JSON path segments are bound parameters; planning each search with
                        # their values lets expression indexes on those paths match.
                        "plan_cache_mode": "force_custom_plan",
                    },
                },
                **common,
            )
            ping_when_idle(engine, IDLE_PING_AFTER_S)
            return engine

        path = sqlite_file(self.url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            self.url,
            pool_timeout=settings.db_connect_timeout_s,
            connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
            **common,
        )
        busy_ms = settings.sqlite_busy_timeout_ms

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event below emit BEGIN itself.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            # Writers take the lock up front (BEGIN IMMEDIATE) so that a transaction
            # never has to upgrade a read lock, which SQLite cannot wait for.
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine

    def connections_in_use(self) -> int:
        checked_out = getattr(self.engine.pool, "checkedout", None)
        return int(checked_out()) if callable(checked_out) else 0

    @asynccontextmanager
    async def _connect(self, *, sqlite_writer: bool) -> AsyncIterator[AsyncConnection]:
        """A pooled connection (after the SQLite write lock when asked), counted in
        ``waiting`` until it is there."""
        self.waiting += 1
        counted = True
        try:
            async with AsyncExitStack() as stack:
                if sqlite_writer:
                    await stack.enter_async_context(self._sqlite_writer)
                conn = await stack.enter_async_context(self.engine.connect())
                self.waiting -= 1
                counted = False
                yield conn
        finally:
            if counted:
                self.waiting -= 1

    @asynccontextmanager
    async def transaction(self, *, write: bool) -> AsyncIterator[AsyncConnection]:
        """One database transaction: committed when the block succeeds, rolled back otherwise."""
        if self.is_sqlite and write:
            async with self._connect(sqlite_writer=True) as conn:
                await conn.execution_options(sqlite_begin="IMMEDIATE")
                async with conn.begin():
                    yield conn
            return
        async with self._connect(sqlite_writer=False) as conn:
            if not write and not self.is_sqlite:
                # One snapshot for every statement of a read (a page and its count agree).
                await conn.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                yield conn

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """Postgres: a pooled connection outside any transaction, for a write that is ONE
        statement, which the repository runs as its own transaction (``*_alone`` methods of
        EventRepository): Postgres commits it before it answers, so no BEGIN and COMMIT
        round trips are needed."""
        if self.is_sqlite:
            raise RuntimeError("Database.connection() is for Postgres; use transaction()")
        async with self._connect(sqlite_writer=False) as conn:
            yield conn

    def holder(self) -> ConnectionHolder:
        """A holder of one :meth:`connection`, kept from one use to the next until released."""
        return ConnectionHolder(self)

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A connection outside any transaction, each statement committed on its own (what
        Postgres's CREATE INDEX CONCURRENTLY needs)."""
        async with self._connect(sqlite_writer=self.is_sqlite) as conn:
            yield await conn.execution_options(isolation_level="AUTOCOMMIT")

    async def ping(self) -> None:
        """The database answers and has the schema (the events table)."""
        async with self.engine.connect() as conn:
            # Reads no row of any project: a documented maintenance statement (docs/storage.md).
            await conn.execute(sa.text("/* maintenance */ SELECT 1 FROM events LIMIT 0"))

    async def dispose(self) -> None:
        await self.engine.dispose()


class ConnectionHolder:
    """One pooled Postgres connection outside any transaction (:meth:`Database.connection`),
    checked out at the first :meth:`get` and kept until :meth:`release`: a group committer's
    runner keeps it from one one-statement group to the next instead of taking it from the
    pool and giving it back for each."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._stack: AsyncExitStack | None = None
        self._conn: AsyncConnection | None = None

    async def get(self) -> AsyncConnection:
        if self._conn is None:
            stack = AsyncExitStack()
            self._conn = await stack.enter_async_context(self.db.connection())
            self._stack = stack
        return self._conn

    async def release(self) -> None:
        """Give the connection back to the pool (nothing when none is held)."""
        stack, self._stack, self._conn = self._stack, None, None
        if stack is not None:
            await stack.aclose()
