"""Leader election: one process per database runs the background duties.

Rescuing expired leases, purging, dropping dead workers and announcing queue positions are
work for the database as a whole; with M worker processes each doing them, the database does
them M times. Only the leader does them (the worker runtime asks ``leading`` each round).

**PostgreSQL**: the leader holds a session-level advisory lock (``sql.leadership``) on a
connection of its own, as long as it leads (River elects its leader with a row and an expiring
lease; a lock on a session needs no table and no clock, and is released by the server):

- the process exits or is killed: its session ends, the lock is free at once;
- the process hangs: it stops renewing (one read every ``renew_s``), its session sits idle, and
  the server ends it after ``lease_s`` (``idle_session_timeout``, PostgreSQL 14+);
- its machine or network goes away: TCP keepalives and ``tcp_user_timeout`` end the session
  after about ``lease_s``.

Every follower tries to take the lock every ``renew_s``, so a new leader takes over within
``lease_s + renew_s`` of the old one's end (at once plus ``renew_s`` for a clean exit or a kill).
A leader whose renewal fails (its connection broke) stops leading before it tries again. Two
leaders can overlap for at most one ``renew_s`` (an old leader that has not yet noticed that its
session was ended); every duty is a guarded statement, safe to run twice, so an overlap costs
work, never correctness. The lock needs a session of its own: behind PgBouncer in transaction
mode (sessions shared) it is not held; point the workers at the server or a session pool.

**SQLite** is embedded: the one process serving the file leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from foodscan.jobs.sql import leadership

logger = logging.getLogger(__name__)


class Leader:
    """Whether this process leads the background duties of its database."""

    def __init__(self, engine: AsyncEngine, *, lease_s: float, name: str = "") -> None:
        self.engine = engine
        self.lease_s = lease_s
        self.renew_s = max(0.1, min(lease_s / 3, 5.0))
        self.name = name  # for the log: the worker's id
        self._conn: AsyncConnection | None = None
        self._leading = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._elected = engine.dialect.name == "postgresql"  # SQLite: embedded, always leads

    @property
    def leading(self) -> bool:
        return self._leading.is_set()

    async def wait_leading(self) -> None:
        """Return once this process leads."""
        await self._leading.wait()

    def start(self) -> None:
        """Campaign (and then renew) in a task until ``stop``."""
        if not self._elected:
            self._leading.set()
            return
        self._task = asyncio.create_task(self._run(), name="foodscan-leader")

    async def stop(self) -> None:
        """Stop campaigning; a leader resigns, so a follower takes over at its next try."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._resign()

    async def _run(self) -> None:
        while True:
            await self.step()
            await asyncio.sleep(self.renew_s)

    async def step(self) -> bool:
        """One round: a follower tries to take the lock, the leader renews it; whether this
        process leads now (the task calls it every ``renew_s``; tests call it directly)."""
        if not self._elected:
            self._leading.set()
            return True
        try:
            if self._conn is None:
                await self._campaign()
            elif not await leadership.renew(self._conn):
                logger.warning("leader %s lost its lock", self.name)
                await self._resign()
        except Exception as exc:  # the database away: not leading until it answers again
            if self._conn is not None:
                logger.warning("leader %s lost its session: %r", self.name, exc)
            await self._resign()
        return self.leading

    async def _campaign(self) -> None:
        conn = await self.engine.connect()
        try:
            # Autocommit: between renewals the session is idle, not idle in a transaction,
            # so ``idle_session_timeout`` is what ends it when the renewals stop.
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            if not await leadership.try_lead(conn):
                await conn.close()
                return
            await leadership.hold_lease(conn, self.lease_s)
        except BaseException:
            await _discard(conn)
            raise
        self._conn = conn
        self._leading.set()
        logger.info("%s leads the background duties", self.name or "this process")

    async def _resign(self) -> None:
        self._leading.clear()
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(Exception):  # a broken session released the lock already
            await leadership.resign(conn)
        await _discard(conn)


async def _discard(conn: AsyncConnection) -> None:
    """Close a connection without giving it back to the pool: its session settings (a short
    idle timeout) must not reach another caller."""
    with contextlib.suppress(Exception):
        await conn.invalidate()
    with contextlib.suppress(Exception):
        await conn.close()
