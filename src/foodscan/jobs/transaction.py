"""One write: a job change and its events in one transaction, then delivery on the bus.

Every state change goes through ``write``: the NOTIFY (PostgreSQL) joins the transaction, the
in-process hub hears the events only after commit, so nobody ever sees an event that rolled back.

A write's events are appended last, in one statement, just before the commit: on PostgreSQL
that is where it takes the event-order locks of the users it writes for
(``sql.event_order_locks``), so they are held only for the append and the commit, and never
while a job row is being locked (no deadlock between a write holding them and one holding a
row). Writes of different users do not wait for each other's commits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from foodscan.events import log
from foodscan.events.log import EventRecord, NewEvent
from foodscan.jobs import sql
from foodscan.jobs.sql import Row
from foodscan.jobs.sql.finish_many import finish_many
from foodscan.jobs.states import Status
from foodscan.webhooks import outbox


class Bus(Protocol):
    """What the jobs layer needs of the event bus (``events.bus.LocalBus``, ``PgBus``)."""

    async def in_transaction(
        self, conn: AsyncConnection, records: Sequence[EventRecord], *, job_queued: bool
    ) -> None: ...

    def after_commit(self, records: Sequence[EventRecord], *, job_queued: bool) -> None: ...


@dataclass(slots=True)
class Outcome:
    """A job's terminal outcome, written with the write's other outcomes (``Write.finish``);
    ``held`` tells, once the write committed, whether its lease still held the job (False:
    nothing was written for it)."""

    job_id: str
    token: str
    status: Status
    type: str
    data: dict[str, Any]  # the event's, besides its kind
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    held: bool = False
    row: Row | None = None


class Write:
    """The open transaction of one write and the events it will append."""

    def __init__(self, conn: AsyncConnection, now: datetime) -> None:
        self.conn = conn
        self.now = now
        self.records: list[EventRecord] = []  # filled by ``append_events``, at the end
        self.job_queued = False
        self._pending: list[tuple[Row, NewEvent] | Outcome] = []
        self._outcomes: dict[str, Outcome] = {}
        # PostgreSQL: outcomes wait for one UPDATE of them all; SQLite writes each at once.
        self._batched = conn.dialect.name == "postgresql"

    async def finish(
        self,
        job_id: str,
        token: str,
        status: Status,
        type_: str,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> Outcome:
        """Move a running job held by ``token`` to a terminal ``status`` and append its event
        ``type_`` (with the result or the error), guarded as ``sql.finish``. On PostgreSQL the
        write's outcomes go in one statement before its events (``sql.finish_many``), so
        ``held`` is known only after the write; the event keeps its place among the others."""
        data: dict[str, Any] = {}
        if result is not None:
            data["result"] = result
        if error is not None:
            data["error"] = error
        outcome = Outcome(job_id, token, status, type_, data, result, error)
        if self._batched and job_id not in self._outcomes:
            self._outcomes[job_id] = outcome
            self._pending.append(outcome)
            return outcome
        row = await sql.finish(
            self.conn, job_id, token, status=status, now=self.now, result=result, error=error
        )
        if row is not None:
            outcome.held, outcome.row = True, row
            self._pending.append(outcome)
        return outcome

    async def _finish_batched(self) -> None:
        if not self._outcomes:
            return
        rows = await finish_many(
            self.conn,
            [
                {
                    "id": o.job_id,
                    "token": o.token,
                    "status": o.status.value,
                    "result": o.result,
                    "error": o.error,
                }
                for o in self._outcomes.values()
            ],
            self.now,
        )
        for outcome in self._outcomes.values():
            outcome.row = rows.get(outcome.job_id)
            outcome.held = outcome.row is not None
        self._outcomes.clear()

    async def event(self, job: Row, type_: str, **data: Any) -> None:
        """Append one event about ``job`` when the write ends (its kind is added to every
        event); events keep the order of these calls."""
        new = NewEvent(job.id, job.user_id, type_, {"kind": job.kind, **data})
        self._pending.append((job, new))

    async def append_events(self) -> None:
        """Insert the pending events (taking their users' event-order locks first) and the webhook
        deliveries of the terminal ones; ``write`` calls it just before the commit."""
        await self._finish_batched()
        pending: list[tuple[Row, NewEvent]] = []
        for item in self._pending:
            if not isinstance(item, Outcome):
                pending.append(item)
            elif item.row is not None:  # held: its event, in its place
                job = item.row
                data = {"kind": job.kind, **item.data}
                pending.append((job, NewEvent(job.id, job.user_id, item.type, data)))
        self._pending.clear()
        if not pending:
            return
        new = [event for _, event in pending]
        # PostgreSQL: the event-order locks of its users are taken by the append itself, one
        # round trip.
        locks = sql.event_order_locks(event.user_id for event in new)
        appended = await log.append_many(self.conn, new, self.now, order_locks=locks)
        for (job, _), record in zip(pending, appended, strict=True):
            # A terminal event of a job with a callback URL queues its webhook in this write.
            await outbox.enqueue(self.conn, job, record, self.now)
        self.records.extend(appended)


@asynccontextmanager
async def write(engine: AsyncEngine, bus: Bus, now: datetime) -> AsyncIterator[Write]:
    """Open a transaction; on success append its events, notify inside it and publish after
    commit.

    The events are published the moment the commit returns, before the connection goes back to
    its pool (an await): a write that commits later, with higher ids, cannot publish first."""
    async with engine.connect() as conn:
        async with conn.begin():
            current = Write(conn, now)
            yield current
            await current.append_events()
            await bus.in_transaction(conn, current.records, job_queued=current.job_queued)
        bus.after_commit(current.records, job_queued=current.job_queued)
