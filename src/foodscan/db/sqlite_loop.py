"""SQLite statements run on the event loop's thread; only the ones that can wait go to a thread.

aiosqlite runs every call on its own thread and wakes the loop for each result: about 0.4 ms a
statement on the 2-core development box, where the statement itself takes microseconds (a
submit is six of them). In WAL mode, with every transaction opened by ``BEGIN IMMEDIATE``
(``db.engine``), only two kinds of statement can wait for another connection: that ``BEGIN``
(the write lock, under the busy timeout) and ``PRAGMA``s (a checkpoint, the journal mode).
``PRAGMA``s go through aiosqlite's thread, so a wait never blocks the loop. ``BEGIN`` is first
tried inline with the busy timeout off (nearly always the lock is free: one connection per
engine, so only another process or engine can hold it); only when the lock is taken does it go
to the thread and wait there under the timeout. Everything after ``BEGIN IMMEDIATE`` already
holds the lock or reads a WAL snapshot, which never waits, and runs inline, in the calling
coroutine, one statement at a time. A long read (hundreds of rows: the position announcer's)
goes to the thread instead, inside ``on_thread``.

The connection is aiosqlite's, with its one funnel, ``Connection._execute``, overridden; the
pin in ``pyproject.toml`` keeps aiosqlite at the minor version this was written against, and
``tests/integration/test_sqlite_loop.py`` fails if a new one stops routing calls through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from functools import partial
from typing import Any

import aiosqlite

_LOCKED = object()  # ``BEGIN`` found the lock taken

# Statements (by their first word) that may wait on another connection's lock.
_MAY_WAIT = ("BEGIN", "PRAGMA")
_ON_THREAD: ContextVar[bool] = ContextVar("foodscan_sqlite_on_thread", default=False)


@contextlib.contextmanager
def on_thread() -> Iterator[None]:
    """Within it, the current task's SQLite calls all run in aiosqlite's thread: for a long read
    (hundreds of rows) that must not hold the loop's thread. SQLite releases the GIL while it
    steps through the rows; the rest (building them) shares the GIL with the loop. Other
    engines ignore it."""
    token = _ON_THREAD.set(True)
    try:
        yield
    finally:
        _ON_THREAD.reset(token)


def _may_wait(args: tuple[Any, ...]) -> str | None:
    """``BEGIN`` or ``PRAGMA`` if a call's first argument is SQL that may wait, else None."""
    if not args or not isinstance(args[0], str):
        return None
    head = args[0].lstrip()[:6].upper()
    return next((word for word in _MAY_WAIT if head.startswith(word)), None)


def _locked(error: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds the lock (SQLITE_BUSY)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_BUSY or "database is locked" in str(error)


class LoopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run inline, except statements that may wait.

    Calls stay in order, as aiosqlite keeps them: an inline call first waits for a call still
    running on the thread, even one whose caller was cancelled meanwhile (the thread finishes
    it regardless), so the connection is never used by two threads at once."""

    inline_calls = 0  # how many calls ran on the loop's thread (for the tests)
    thread_calls = 0  # how many went to aiosqlite's thread
    _on_thread: asyncio.Future[Any] | None = None

    def __init__(self, connector: Callable[[], sqlite3.Connection], timeout_s: float) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._busy_timeout_ms = round(timeout_s * 1000)

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if self._on_thread is not None and not self._on_thread.done():
            await asyncio.wait({self._on_thread})
        waits = _may_wait(args)
        if waits == "BEGIN" and not _ON_THREAD.get():
            began = self._begin_inline(fn, *args, **kwargs)
            if began is not _LOCKED:
                return began
        if waits is not None or _ON_THREAD.get():
            LoopConnection.thread_calls += 1
            return await self._run_on_thread(partial(fn, *args, **kwargs))
        LoopConnection.inline_calls += 1
        return fn(*args, **kwargs)

    def _begin_inline(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Try ``BEGIN`` without waiting: its result, or ``_LOCKED`` if another connection
        holds the lock."""
        raw = self._conn
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            result = fn(*args, **kwargs)
        except sqlite3.OperationalError as error:
            if not _locked(error):
                raise
            return _LOCKED
        finally:
            raw.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        LoopConnection.inline_calls += 1
        return result

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
        connection = LoopConnection(connect, timeout_s)
        connection._thread.daemon = True  # as SQLAlchemy's own aiosqlite dialect does
        return await connection

    return create
