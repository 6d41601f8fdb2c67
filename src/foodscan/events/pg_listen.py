"""PostgreSQL LISTEN/NOTIFY: wakes workers and feeds the hubs of every API and worker process.

Writers call ``PgBus.in_transaction`` so the NOTIFY commits with the change (PostgreSQL delivers
it only on commit). The listener holds one dedicated asyncpg connection, turns each notified id
into an ``EventRecord`` read from the log and publishes it to this process's hub: every event,
this process's own included, so the hub gets them in commit (= id) order. While the hub has no
subscriber (a worker process, an API process with no stream open) notified ids are dropped
unread: see ``PgBus._publish`` for why no stream can miss one.
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
NOTIFY_IDS = 400  # ids per NOTIFY: 400 ids of up to 19 digits stay under 8,000 bytes


class PgBus(LocalBus):
    """LocalBus plus NOTIFY on write and a LISTEN connection that republishes what others wrote."""

    notify_channels = (EVENTS_CHANNEL, JOBS_CHANNEL)  # what ``in_transaction`` NOTIFYs

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
        notices = [
            sa.func.pg_notify(EVENTS_CHANNEL, ",".join(str(r.id) for r in chunk))
            for chunk in _chunks(records)
        ]
        if job_queued:
            notices.append(sa.func.pg_notify(JOBS_CHANNEL, ""))
        if notices:  # one round trip for both
            await conn.execute(sa.select(*notices))

    def after_commit(self, records: Sequence[EventRecord], *, job_queued: bool) -> None:
        """Observers and the local worker now; the hub hears these events through LISTEN, like
        every other process's. NOTIFYs arrive in commit order, which is id order within each
        user's events (``sql.event_order_locks``); publishing here first would hand this id to
        the streams before a lower one of the same user that another process committed just
        before, and a client that resumed from this id would never get that one."""
        self._committed(records, job_queued=job_queued)

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
                await self._listen_once()
            except Exception as exc:
                # A server restarting refuses (OSError), is "starting up" (PostgresError) or
                # drops a half-made connection (asyncpg.InterfaceError): all mean "try again";
                # letting one escape would end this task and every live update of the process.
                logger.warning("LISTEN connection failed: %r", exc)
                await asyncio.sleep(RECONNECT_S)

    async def _listen_once(self) -> None:
        """One LISTEN connection, until the server closes it."""
        conn = await asyncpg.connect(self._dsn())
        try:
            closed = asyncio.Event()
            conn.add_termination_listener(lambda _conn, done=closed: done.set())
            await conn.add_listener(EVENTS_CHANNEL, self._on_events)
            await conn.add_listener(JOBS_CHANNEL, self._on_jobs)
            self.connected.set()
            # A reconnect may have missed wake-ups and events: wake the workers, and make
            # every live stream catch up from the log.
            self.wake_workers()
            self.hub.resync_all()
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

        A batch is dropped unread while the hub has no subscriber (a worker process; an API
        process with no stream open), saving a read per submit. The hub hands records only to
        subscriptions: observers and worker wake-ups follow this process's commit
        (``_committed``) or the jobs channel, webhooks and cancels go through the database. No
        stream can miss a dropped event: a NOTIFY arrives only once its commit is visible to
        new reads, the check and the drop run with no await between them, and a stream attaches
        to the hub before it reads its backlog from the log (``api.feed.Feed``). So a stream
        attached after the drop finds the events in its backlog, and later batches (higher ids
        within its user's events: they commit, so NOTIFY, in id order) reach it live; one
        attached before the check gets the batch read and published as before.
        """
        reader: AsyncConnection | None = None
        try:
            while True:
                ids = await self._notified.get()
                while not self._notified.empty():
                    ids += self._notified.get_nowait()
                if not self.hub.has_subscribers:
                    continue
                try:
                    reader = reader or await self._reader()
                    records = await log.read_ids(reader, ids)
                except Exception:
                    logger.exception("could not read notified events %s", ids)
                    await _closed(reader)
                    reader = None
                    # Live streams would skip them: make every one catch up from the log.
                    self.hub.resync_all()
                    continue
                self.hub.publish(records)
        finally:
            await _closed(reader)

    async def _reader(self) -> AsyncConnection:
        """The connection notified events are read on, kept between batches, in autocommit: a
        read is one round trip, without a pool check-out, ping, BEGIN and ROLLBACK around it
        (at 1,000 events/s those were three quarters of the listener's time)."""
        conn = await self._engine.connect()
        return await conn.execution_options(isolation_level="AUTOCOMMIT")


async def _closed(conn: AsyncConnection | None) -> None:
    """Close ``conn`` (if any), whatever state it is in."""
    if conn is not None:
        with contextlib.suppress(Exception):
            await conn.close()


def _chunks(records: Sequence[EventRecord]) -> list[Sequence[EventRecord]]:
    """The ids in payloads under PostgreSQL's 8,000-byte NOTIFY limit (a big maintenance
    write may append thousands of events)."""
    return [records[i : i + NOTIFY_IDS] for i in range(0, len(records), NOTIFY_IDS)]


def bus_for(engine: AsyncEngine) -> LocalBus:
    """The bus an engine needs: NOTIFY across processes on PostgreSQL, in-process on SQLite."""
    return PgBus(engine) if engine.dialect.name == "postgresql" else LocalBus()
