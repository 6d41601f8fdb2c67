"""One write: a job change and its events in one transaction, then delivery on the bus.

Every state change goes through ``write``: the NOTIFY (PostgreSQL) joins the transaction, the
in-process hub hears the events only after commit, so nobody ever sees an event that rolled back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from foodscan.events import log
from foodscan.events.log import EventRecord
from foodscan.jobs import deliveries, sql
from foodscan.jobs.sql import Row


class Bus(Protocol):
    """What the jobs layer needs of the event bus (``events.bus.LocalBus``, ``PgBus``)."""

    async def in_transaction(
        self, conn: AsyncConnection, records: Sequence[EventRecord], *, job_queued: bool
    ) -> None: ...

    def after_commit(self, records: Sequence[EventRecord], *, job_queued: bool) -> None: ...


class Write:
    """The open transaction of one write and the events it appends."""

    def __init__(self, conn: AsyncConnection, now: datetime) -> None:
        self.conn = conn
        self.now = now
        self.records: list[EventRecord] = []
        self.job_queued = False

    async def event(self, job: Row, type_: str, **data: Any) -> EventRecord:
        """Append one event about ``job`` (its kind is added to every event)."""
        record = await log.append(
            self.conn,
            job_id=job.id,
            user_id=job.user_id,
            type_=type_,
            data={"kind": job.kind, **data},
            at=self.now,
        )
        self.records.append(record)
        # A terminal event of a job with a callback URL queues its webhook in this transaction.
        await deliveries.enqueue(self.conn, job, record, self.now)
        return record


@asynccontextmanager
async def write(engine: AsyncEngine, bus: Bus, now: datetime) -> AsyncIterator[Write]:
    """Open a transaction; on success notify inside it and publish after commit.

    On PostgreSQL the transaction first takes the event-order lock (``sql.lock_event_order``),
    so the ids of its events are never committed behind a higher id another client has read."""
    async with engine.begin() as conn:
        await sql.lock_event_order(conn)
        current = Write(conn, now)
        yield current
        await bus.in_transaction(conn, current.records, job_queued=current.job_queued)
    bus.after_commit(current.records, job_queued=current.job_queued)
