"""SQLite statements on the loop's thread (``db.sqlite_loop``): inline where they cannot wait,
on aiosqlite's thread where they can (``BEGIN IMMEDIATE`` under another connection's lock)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import sqlalchemy as sa

from foodscan.db.engine import create_engine
from foodscan.db.sqlite_loop import LoopConnection, on_thread

THREAD_OF = sa.text("SELECT thread_of()")


def _record_threads(engine) -> None:
    """A SQL function ``thread_of()`` on every connection: the thread that runs the statement."""

    @sa.event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        raw = dbapi_connection.driver_connection._conn  # aiosqlite's sqlite3.Connection
        raw.create_function("thread_of", 0, threading.get_ident)


async def test_statements_run_on_the_loop_thread(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'inline.db'}")
    _record_threads(engine)
    try:
        async with engine.connect() as conn:  # connects: its PRAGMAs go to aiosqlite's thread
            await conn.execute(sa.text("SELECT 1"))
        inline, on_thread = LoopConnection.inline_calls, LoopConnection.thread_calls
        async with engine.begin() as conn:  # BEGIN IMMEDIATE finds the lock free: inline too
            ran_on = (await conn.execute(THREAD_OF)).scalar_one()
    finally:
        await engine.dispose()

    assert ran_on == threading.get_ident()
    assert LoopConnection.inline_calls > inline
    assert LoopConnection.thread_calls == on_thread


async def test_a_writer_waiting_for_another_connections_lock_leaves_the_loop_free(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'two.db'}"
    first, second = create_engine(url), create_engine(url)  # two connections, one file
    ticks = 0
    try:
        async with first.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE t (n INTEGER)"))
        async with second.connect() as conn:  # connected (its PRAGMAs ran) before the wait
            await conn.execute(sa.text("SELECT 1"))
        holder = await first.connect()
        await holder.begin()  # BEGIN IMMEDIATE: the write lock is taken until commit
        await holder.execute(sa.text("INSERT INTO t VALUES (1)"))

        async def write_second() -> None:
            async with second.begin() as conn:  # waits for the lock, off the loop
                await conn.execute(sa.text("INSERT INTO t VALUES (2)"))

        on_thread = LoopConnection.thread_calls
        waiting = asyncio.create_task(write_second())
        for _ in range(20):  # the loop keeps running while the second writer waits
            await asyncio.sleep(0.01)
            ticks += 1
        assert not waiting.done()
        assert LoopConnection.thread_calls > on_thread  # its BEGIN found the lock taken
        await holder.commit()
        await holder.close()
        await asyncio.wait_for(waiting, 10)

        async with first.connect() as conn:
            rows = (await conn.execute(sa.text("SELECT n FROM t ORDER BY n"))).scalars().all()
    finally:
        await first.dispose()
        await second.dispose()

    assert ticks == 20
    assert rows == [1, 2]


async def test_a_writer_cancelled_while_it_waits_leaves_the_connection_usable(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'cancel.db'}"
    first, second = create_engine(url), create_engine(url)
    try:
        async with first.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE t (n INTEGER)"))
        holder = await first.connect()
        await holder.begin()
        await holder.execute(sa.text("INSERT INTO t VALUES (1)"))

        async def write_second(n: int) -> None:
            async with second.begin() as conn:
                await conn.execute(sa.text("INSERT INTO t VALUES (:n)"), {"n": n})

        waiting = asyncio.create_task(write_second(2))
        await asyncio.sleep(0.05)
        waiting.cancel()  # its BEGIN IMMEDIATE is still waiting on aiosqlite's thread
        await asyncio.sleep(0.05)  # (its clean-up waits for that BEGIN, as aiosqlite's queue did)
        await holder.commit()
        await holder.close()
        await asyncio.wait_for(asyncio.gather(waiting, return_exceptions=True), 10)
        await asyncio.wait_for(write_second(3), 10)

        async with first.connect() as conn:
            rows = (await conn.execute(sa.text("SELECT n FROM t ORDER BY n"))).scalars().all()
    finally:
        await first.dispose()
        await second.dispose()

    assert rows == [1, 3]


async def test_reads_inside_on_thread_run_on_aiosqlites_thread(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'reads.db'}")
    _record_threads(engine)
    try:
        with on_thread():
            async with engine.connect() as conn:
                inside = (await conn.execute(THREAD_OF)).scalar_one()
        async with engine.connect() as conn:
            after = (await conn.execute(THREAD_OF)).scalar_one()
    finally:
        await engine.dispose()

    assert inside != threading.get_ident()
    assert after == threading.get_ident()  # the context ended: inline again
