"""Scratch PostgreSQL databases for the queue benchmarks: made empty, dropped at the end.

Only databases named ``bench_…`` (or the tests' ``foodscan_t_…``) are ever dropped: never
``test`` (the test suite's) nor ``postgres``.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
_SCRATCH = ("bench_", "foodscan_t_")


def url_of(database: str, server: str = SERVER) -> str:
    """The URL of ``database`` on the server of ``server``."""
    return make_url(server).set(database=database).render_as_string(hide_password=False)


def _check(database: str) -> None:
    if not database.startswith(_SCRATCH):
        raise ValueError(f"refusing to drop {database!r}: not a scratch database")


async def _admin(url: str, statement: str) -> None:
    admin = make_url(url).set(database="postgres", drivername="postgresql")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False), timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def recreate(url: str) -> None:
    """Drop the database of ``url`` (closing its connections) and create it empty."""
    database = make_url(url).database or ""
    _check(database)
    await _admin(url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    await _admin(url, f'CREATE DATABASE "{database}"')


async def drop(url: str) -> None:
    database = make_url(url).database or ""
    _check(database)
    await _admin(url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


async def server_version(url: str = SERVER) -> str:
    """``SHOW server_version`` of the server."""
    conn = await asyncpg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
        timeout=10,
    )
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()
