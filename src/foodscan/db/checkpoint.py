"""WAL checkpoints of a SQLite database, in a thread of their own, never on the event loop's.

SQLite checkpoints by itself at the commit that finds the write-ahead log past 1,000 pages: that
commit copies the log into the database file and syncs it (tens of milliseconds), and the
engine's commits run on the loop's thread (``sqlite_loop``), so every request waits meanwhile. A
process that serves the file turns that off for its engine (``create_engine(...,
wal_checkpoints=False)``) and runs a ``WalCheckpointer``: every ``every_s`` a ``PRAGMA
wal_checkpoint(PASSIVE)`` on a connection of its own, in a thread (SQLite releases the GIL while
it copies). A passive checkpoint never waits for the engine's readers or writer and never blocks
them. Other processes on the same file (the CLI's) keep the automatic checkpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading

from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)

CHECKPOINT_EVERY_S = 1.0


class WalCheckpointer:
    """Checkpoints ``database``'s write-ahead log every ``every_s`` seconds, off the loop."""

    def __init__(
        self, database: str, *, every_s: float = CHECKPOINT_EVERY_S, timeout_s: float = 30.0
    ) -> None:
        self.database = database
        self.every_s = every_s
        self.timeout_s = timeout_s
        self._conn: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        # Held while the connection is used or closed: a cancelled checkpoint's thread runs on
        # to its end, and closing the connection under it crashed the process.
        self._lock = threading.Lock()
        self._stopped = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="foodscan-wal-checkpoint")

    async def stop(self) -> None:
        """Stop checkpointing (the engine's last connection checkpoints as it closes)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        with self._lock:
            self._stopped = True
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()

    async def checkpoint(self) -> tuple[int, int, int]:
        """One passive checkpoint, in a thread: (busy, pages in the log, pages checkpointed)."""
        return await asyncio.to_thread(self._checkpoint)

    def _checkpoint(self) -> tuple[int, int, int]:
        with self._lock:
            if self._stopped:  # a round that started its thread after stop(): nothing to do
                return 0, 0, 0
            if self._conn is None:
                self._conn = sqlite3.connect(
                    self.database, timeout=self.timeout_s, check_same_thread=False
                )
            try:
                busy, log, done = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.Error:  # the next round tries again on a new connection
                with contextlib.suppress(sqlite3.Error):
                    self._conn.close()
                self._conn = None
                raise
        return int(busy), int(log), int(done)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every_s)
            try:
                await self.checkpoint()
            except sqlite3.Error as exc:  # the next round tries again; the log only grows
                logger.warning("WAL checkpoint of %s failed: %s", self.database, exc)


def checkpointer_for(engine: AsyncEngine) -> WalCheckpointer | None:
    """A checkpointer for ``engine``'s database file (SQLite), or None (PostgreSQL, memory)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return WalCheckpointer(database)
