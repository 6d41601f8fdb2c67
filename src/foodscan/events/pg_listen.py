"""PostgreSQL LISTEN/NOTIFY: wakes workers and feeds the hubs of every API and worker process.

Writers call ``PgBus.in_transaction`` so the NOTIFY commits with the change (PostgreSQL delivers
it only on commit). The listener holds one dedicated asyncpg connection, turns each notified id
into an ``EventRecord`` read from the log and publishes it to this process's hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from foodscan.events import log
from foodscan.events.bus import LocalBus
from foodscan.events.hub import Hub
from foodscan.events.log import EventRecord

logger = logging.getLogger(__name__)

EVENTS_CHANNEL = "foodscan_events"
JOBS_CHANNEL = "foodscan_jobs"
RECONNECT_S = 1.0


class PgBus(LocalBus):
    """LocalBus plus NOTIFY on write and a LISTEN connection that republishes what others wrote."""

    def __init__(self, engine: AsyncEngine, hub: Hub | None = None) -> None:
        super().__init__(hub)
        self._engine = engine
        self._task: asyncio.Task[None] | None = None
        self._publisher: asyncio.Task[None] | None = None
        self._notified: asyncio.Queue[list[int]] = asyncio.Queue()
        self.connected = asyncio.Event()

    async def in_transaction(
        self, conn: AsyncConnection, records: Sequence[EventRecord], *, job_queued: bool
    ) -> None:
        if records:
            ids = ",".join(str(r.id) for r in records)
            await conn.execute(sa.select(sa.func.pg_notify(EVENTS_CHANNEL, ids)))
        if job_queued:
            await conn.execute(sa.select(sa.func.pg_notify(JOBS_CHANNEL, "")))

    async def start(self) -> None:
        self._publisher = asyncio.create_task(self._publish(), name="foodscan-pg-publish")
        self._task = asyncio.create_task(self._listen(), name="foodscan-pg-listen")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.connected.wait(), 10)

    async def stop(self) -> None:
        for task in (self._task, self._publisher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def _dsn(self) -> str:
        url = self._engine.url.set(drivername="postgresql")
        return make_url(url).render_as_string(hide_password=False)

    async def _listen(self) -> None:
        while True:
            try:
                conn = await asyncpg.connect(self._dsn())
            except (OSError, asyncpg.PostgresError) as exc:
                logger.warning("LISTEN connection failed: %s", exc)
                await asyncio.sleep(RECONNECT_S)
                continue
            try:
                await conn.add_listener(EVENTS_CHANNEL, self._on_events)
                await conn.add_listener(JOBS_CHANNEL, self._on_jobs)
                self.connected.set()
                # A reconnect may have missed wake-ups and events: wake the workers, and make
                # every live stream catch up from the log.
                self.wake_workers()
                self.hub.resync_all()
                closed = asyncio.Event()
                conn.add_termination_listener(lambda _conn, done=closed: done.set())
                await closed.wait()
            finally:
                self.connected.clear()
                with contextlib.suppress(Exception):
                    await conn.close()

    def _on_jobs(self, *_args: Any) -> None:  # Any: asyncpg's listener callback signature
        self.wake_workers()

    def _on_events(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._notified.put_nowait([int(part) for part in payload.split(",") if part.isdigit()])

    async def _publish(self) -> None:
        """Read and publish notified events one batch at a time, oldest first.

        One consumer, not a task per notification: concurrent reads would finish in any order
        and a job's events would reach the hub shuffled.
        """
        while True:
            ids = await self._notified.get()
            while not self._notified.empty():
                ids += self._notified.get_nowait()
            try:
                async with self._engine.connect() as conn:
                    records = await log.read_ids(conn, ids)
            except Exception:
                logger.exception("could not read notified events %s", ids)
                continue
            self.hub.publish(records)


def bus_for(engine: AsyncEngine) -> LocalBus:
    """The bus an engine needs: NOTIFY across processes on PostgreSQL, in-process on SQLite."""
    return PgBus(engine) if engine.dialect.name == "postgresql" else LocalBus()
