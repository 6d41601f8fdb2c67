"""The async engine: the user's plain URL turned into an async driver, SQLite pragmas, transactions.

SQLite runs in WAL mode and every transaction starts with ``BEGIN IMMEDIATE``, so two writers queue
on the busy timeout instead of failing to upgrade a read lock.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from foodscan.db import sqlite_loop
from foodscan.errors import InvalidInput

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}
SQLITE_BUSY_TIMEOUT_MS = 30_000
PING_IDLE_S = 1.0  # a pooled PostgreSQL connection idle this long is pinged before use


def async_url(url: str) -> str:
    """The URL with foodscan's async driver: ``postgresql://u@h/db`` → ``postgresql+asyncpg://…``."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _DRIVERS:
        raise InvalidInput(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    return parsed.set(drivername=_DRIVERS[backend]).render_as_string(hide_password=False)


def create_engine(url: str, *, pool_size: int = 10, wal_checkpoints: bool = True) -> AsyncEngine:
    """An async engine for ``url``; SQLite gets WAL, a busy timeout and immediate transactions,
    and with ``wal_checkpoints=False`` no automatic checkpoints at its commits (the caller runs
    a ``db.checkpoint.WalCheckpointer``, off the loop's thread)."""
    full = async_url(url)
    if full.startswith("sqlite"):
        # One connection per engine: SQLite runs one writer at a time anyway, and every
        # transaction here is BEGIN IMMEDIATE. With a pool, a second connection waiting for the
        # write lock sleeps in SQLite's busy handler (1, 2, 5, 10 … ms steps) while the first
        # is done in microseconds; on one connection the callers wait in the pool's asyncio
        # queue and go on the moment it is free. Other processes on the same file still meet
        # the busy timeout, in aiosqlite's thread (``sqlite_loop``: the rest runs inline).
        database = make_url(full).database or ""
        engine = create_async_engine(
            full,
            async_creator=sqlite_loop.connector(database, SQLITE_BUSY_TIMEOUT_MS / 1000),
            pool_size=1,
            max_overflow=0,
            pool_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
        )
        _configure_sqlite(engine, wal_checkpoints=wal_checkpoints)
        return engine
    engine = create_async_engine(full, pool_size=pool_size, max_overflow=pool_size)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a pooled connection at check-out only when it sat idle for ``PING_IDLE_S``.

    SQLAlchemy's ``pool_pre_ping`` pings at every check-out: with asyncpg that is BEGIN, an
    empty query and ROLLBACK, three round trips before each transaction (a submit's own work is
    five). A connection back in the pool a moment ago is as alive as the pings of that moment
    would say; one idle longer (a restart of the server may have closed it) is pinged, and a
    dead one is replaced before anyone uses it. A restart within the last ``PING_IDLE_S`` is
    found by the first statement instead: it fails once, SQLAlchemy invalidates the pool, and
    the caller's retry (the worker's loops, a client's) gets new connections."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:  # Any: untyped pool events
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_IDLE_S:
            return  # new, or back in the pool a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool discards this connection and checks out another (a new one).
            raise DisconnectionError from exc


def _configure_sqlite(engine: AsyncEngine, *, wal_checkpoints: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:  # Any: the DBAPI is untyped
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if not wal_checkpoints:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:  # Any: SQLAlchemy's event signature is untyped
        conn.exec_driver_sql("BEGIN IMMEDIATE")
