"""What the databases allow on this machine at the moment of the run, measured beside the
queues: single-row commits per second on PostgreSQL (asyncpg, one connection) and on SQLite
(WAL, ``synchronous=NORMAL``, as foodscan opens it). A queue that commits once per submit
cannot enqueue faster than these."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

import asyncpg
import scratch_db
from sqlalchemy.engine import make_url

COMMITS = 2000


async def postgresql_commits_per_s(url: str, commits: int = COMMITS) -> float:
    """Single-row INSERTs, each its own transaction, on the (scratch) database of ``url``."""
    await scratch_db.recreate(url)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await conn.execute("CREATE TABLE raw (id bigserial PRIMARY KEY, v integer)")
        started = time.perf_counter()
        for i in range(commits):
            await conn.execute("INSERT INTO raw (v) VALUES ($1)", i)
        seconds = time.perf_counter() - started
    finally:
        await conn.close()
        await scratch_db.drop(url)
    return round(commits / seconds, 1)


def _sqlite_commits(commits: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(Path(folder) / "raw.db", isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE raw (id INTEGER PRIMARY KEY, v INTEGER)")
            started = time.perf_counter()
            for i in range(commits):
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT INTO raw (v) VALUES (?)", (i,))
                db.execute("COMMIT")
            seconds = time.perf_counter() - started
        finally:
            db.close()
    return round(commits / seconds, 1)


async def sqlite_commits_per_s(commits: int = COMMITS) -> float:
    """Single-row INSERTs, each its own ``BEGIN IMMEDIATE`` transaction, on a temp file."""
    return await asyncio.to_thread(_sqlite_commits, commits)
