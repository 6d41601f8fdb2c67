"""SQLite statements run on the event loop's thread; only the ones that can wait go to a thread.

aiosqlite runs every call on its own thread and wakes the loop for each result: about 0.4 ms a
statement on the 2-core development box, where the statement itself takes microseconds (a
submit is six of them). In WAL mode, with every transaction opened by ``BEGIN IMMEDIATE``
(``db.engine``), only two kinds of statement can wait for another connection: that ``BEGIN``
(the write lock, under the busy timeout) and ``PRAGMA``s (a checkpoint, the journal mode).
Those still go through aiosqlite's thread, so a wait never blocks the loop; everything after
``BEGIN IMMEDIATE`` already holds the lock or reads a WAL snapshot, which never waits, and runs
inline, in the calling coroutine, one statement at a time (one connection per engine).

The connection is aiosqlite's, with its one funnel, ``Connection._execute``, overridden
(``tests/integration/test_sqlite_loop.py`` fails if a new aiosqlite stops routing calls
through it).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import aiosqlite

# Statements (by their first word) that may wait on another connection's lock.
_MAY_WAIT = ("BEGIN", "PRAGMA")


def _may_wait(args: tuple[Any, ...]) -> bool:
    """Whether a call's first argument is SQL that may wait (BEGIN, PRAGMA)."""
    if not args or not isinstance(args[0], str):
        return False
    return args[0].lstrip()[:6].upper().startswith(_MAY_WAIT)


class LoopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run inline, except statements that may wait.

    Calls stay in order, as aiosqlite keeps them: an inline call first waits for a call still
    running on the thread, even one whose caller was cancelled meanwhile (the thread finishes
    it regardless), so the connection is never used by two threads at once."""

    inline_calls = 0  # how many calls ran on the loop's thread (for the tests)
    _on_thread: asyncio.Future[Any] | None = None

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if self._on_thread is not None and not self._on_thread.done():
            await asyncio.wait({self._on_thread})
        if _may_wait(args):
            return await self._run_on_thread(partial(fn, *args, **kwargs))
        LoopConnection.inline_calls += 1
        return fn(*args, **kwargs)

    async def _run_on_thread(self, function: Callable[[], Any]) -> Any:
        done = asyncio.get_running_loop().create_future()
        done.add_done_callback(_retrieve)
        self._on_thread = done
        self._tx.put_nowait((done, function))
        # Shielded: a cancelled caller leaves ``done`` to the thread, which the next call
        # waits for.
        return await asyncio.shield(done)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a thread call's error as seen when its caller was cancelled (no warning)."""
    if not future.cancelled():
        future.exception()


def connector(database: str, timeout_s: float) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """An ``async_creator`` for ``create_async_engine``: a ``LoopConnection`` to ``database``
    (usable from the loop's thread and aiosqlite's, never both at once)."""

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(database, timeout=timeout_s, check_same_thread=False)

    async def create() -> aiosqlite.Connection:
        connection = LoopConnection(connect, iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy's own aiosqlite dialect does
        return await connection

    return create
