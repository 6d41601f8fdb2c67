"""The async engine: the user's plain URL turned into an async driver, SQLite pragmas, transactions.

SQLite runs in WAL mode and every transaction starts with ``BEGIN IMMEDIATE``, so two writers queue
on the busy timeout instead of failing to upgrade a read lock.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from foodscan.errors import InvalidInput

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}
SQLITE_BUSY_TIMEOUT_MS = 30_000


def async_url(url: str) -> str:
    """The URL with foodscan's async driver: ``postgresql://u@h/db`` → ``postgresql+asyncpg://…``."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _DRIVERS:
        raise InvalidInput(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    return parsed.set(drivername=_DRIVERS[backend]).render_as_string(hide_password=False)


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine for ``url``; SQLite gets WAL, a busy timeout and immediate transactions."""
    full = async_url(url)
    if full.startswith("sqlite"):
        engine = create_async_engine(full, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        full, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:  # Any: the DBAPI is untyped
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:  # Any: SQLAlchemy's event signature is untyped
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"
