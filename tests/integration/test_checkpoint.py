"""WAL checkpoints off the loop (``db.checkpoint``): a serving engine's commits never
checkpoint; its checkpointer does, on a connection of its own, in a thread, without waiting for
an open write."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.db.checkpoint import WalCheckpointer, checkpointer_for
from foodscan.db.engine import create_engine

ROWS = sa.text("INSERT INTO scratch (x) VALUES (randomblob(4000))")


async def _autocheckpoint(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.text("PRAGMA wal_autocheckpoint"))).scalar_one())


async def test_a_serving_engine_leaves_checkpoints_to_its_checkpointer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    serving, plain = create_engine(url, wal_checkpoints=False), create_engine(url)
    try:
        assert await _autocheckpoint(serving) == 0
        assert await _autocheckpoint(plain) == 1000  # SQLite's default: other processes keep it
    finally:
        await serving.dispose()
        await plain.dispose()


async def test_the_checkpointer_copies_the_log_without_waiting_for_a_write(
    tmp_path: Path,
) -> None:
    path = tmp_path / "wal.db"
    engine = create_engine(f"sqlite:///{path}", wal_checkpoints=False)
    checkpointer = WalCheckpointer(str(path), timeout_s=0.5)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE scratch (x BLOB)"))
            for _ in range(300):  # about 300 pages: past no threshold, nothing checkpoints
                await conn.execute(ROWS)
        async with engine.begin() as conn:  # a write open while the checkpoint runs
            await conn.execute(ROWS)
            busy, log, done = await asyncio.wait_for(checkpointer.checkpoint(), 5)
    finally:
        await checkpointer.stop()
        await engine.dispose()

    assert busy == 0
    assert log >= 300
    assert done == log  # every committed page, the open write's excepted


async def test_the_checkpointer_runs_in_a_thread_until_stopped(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    checkpointer = WalCheckpointer(str(path), every_s=0.01)
    ran_on: list[int] = []
    done = asyncio.Event()
    original = checkpointer._checkpoint

    def recorded() -> tuple[int, int, int]:
        ran_on.append(threading.get_ident())
        result = original()
        loop.call_soon_threadsafe(done.set)
        return result

    loop = asyncio.get_running_loop()
    checkpointer._checkpoint = recorded  # type: ignore[method-assign]  # records its thread
    checkpointer.start()
    try:
        await asyncio.wait_for(done.wait(), 5)
    finally:
        await checkpointer.stop()
    assert ran_on
    assert threading.get_ident() not in ran_on


async def test_only_a_sqlite_file_gets_a_checkpointer(engine: AsyncEngine) -> None:
    found = checkpointer_for(engine)
    assert (found is not None) == (engine.dialect.name == "sqlite")


async def test_stop_waits_for_a_checkpoint_in_its_thread_and_ends_later_ones(
    tmp_path: Path,
) -> None:
    """A cancelled round's thread runs on: stop() closes the connection only once that round
    is done (closing it under a running checkpoint crashed the process), and a round whose
    thread starts after stop() opens nothing."""
    path = tmp_path / "wal.db"
    checkpointer = WalCheckpointer(str(path))
    started, release = threading.Event(), threading.Event()
    original = checkpointer._checkpoint

    def slow() -> tuple[int, int, int]:
        with checkpointer._lock:  # a checkpoint in progress holds the connection
            started.set()
            release.wait(5)
        return original()

    checkpointer._checkpoint = slow  # type: ignore[method-assign]  # a checkpoint that lingers
    late = asyncio.create_task(checkpointer.checkpoint())
    assert await asyncio.to_thread(started.wait, 5)
    late.cancel()  # as stop() cancels the round: the thread goes on
    stopping = asyncio.create_task(checkpointer.stop())
    await asyncio.sleep(0.2)
    assert not stopping.done()  # it waits for the checkpoint in progress
    release.set()
    await asyncio.wait_for(stopping, 5)
    assert await asyncio.to_thread(original) == (0, 0, 0)
    assert checkpointer._conn is None
