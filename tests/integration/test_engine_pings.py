"""PostgreSQL pooled connections: pinged at check-out only after sitting idle
(``db.engine.PING_IDLE_S``), so a connection the server closed meanwhile is replaced unseen."""

from __future__ import annotations

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from foodscan.db import engine as engine_module
from foodscan.db.engine import create_engine

pytestmark = pytest.mark.postgres

BACKEND_PID = sa.text("SELECT pg_backend_pid()")


async def _terminate(url: str, pid: int) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def _pid(engine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(BACKEND_PID)).scalar_one())


async def test_an_idle_connection_the_server_closed_is_replaced(postgres_url, monkeypatch) -> None:
    monkeypatch.setattr(engine_module, "PING_IDLE_S", 0.0)  # every check-out counts as idle
    engine = create_engine(postgres_url, pool_size=1)
    try:
        first = await _pid(engine)
        await _terminate(postgres_url, first)

        assert await _pid(engine) != first  # the ping found it dead: a new one, no error
    finally:
        await engine.dispose()


async def test_a_connection_back_a_moment_ago_is_not_pinged(postgres_url, monkeypatch) -> None:
    monkeypatch.setattr(engine_module, "PING_IDLE_S", 3600.0)
    engine = create_engine(postgres_url, pool_size=1)
    pings: list[object] = []

    def ping(conn: object) -> bool:
        pings.append(conn)
        return True

    monkeypatch.setattr(engine.dialect, "do_ping", ping)
    try:
        first = await _pid(engine)
        assert await _pid(engine) == first  # the same connection, reused without a ping
        assert pings == []
    finally:
        await engine.dispose()
