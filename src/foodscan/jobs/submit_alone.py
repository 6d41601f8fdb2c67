"""A submit with no user lock to take and nothing else of its store in flight, sent on the pooled
connection's driver (``sql.enqueue``) instead of the group commit's transaction.

The values, turn, place, ETA and ``job.queued`` event are those of the transaction path
(``JobStore.submit``'s ``insert``); ``tests/integration/jobs/test_submit_one_statement.py`` holds
the two paths to the same rows, events and views on both engines.

PostgreSQL: two round trips and no transaction block: the admission read, then one statement that
inserts the job, appends its event under the event-order locks and NOTIFYs, committed as it ends.
SQLite: the transaction path's statements (``BEGIN IMMEDIATE``, the read, two inserts,
``COMMIT``) without SQLAlchemy's per-execution work.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any

import asyncpg
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.clock import Clock
from foodscan.events import log
from foodscan.jobs import position, sql
from foodscan.jobs.sql import enqueue
from foodscan.jobs.transaction import Bus

if TYPE_CHECKING:
    from foodscan.jobs.store import Submission

Written = tuple[dict[str, Any], int, datetime, dict[str, Any], str | None]


class SubmitAlone:
    """The lone submit's write: ``await submit_alone(sub, values)`` gives the job's row and its
    event's data (``kind``, ``position``, ``eta_seconds``), the event published after commit."""

    def __init__(
        self, engine: AsyncEngine, bus: Bus, clock: Clock, fair_share: sql.FairShare
    ) -> None:
        self.engine = engine
        self.bus = bus
        self.clock = clock
        self.fair_share = fair_share
        self.channels: tuple[str, str] | None = getattr(bus, "notify_channels", None)

    async def __call__(
        self, sub: Submission, values: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        async with self.engine.connect() as conn:
            driver: Any = (await conn.get_raw_connection()).driver_connection
            if conn.dialect.name == "postgresql":
                row, event_id, now, data, text = await self._write_pg(conn, driver, sub, values)
            else:
                async with conn.begin():  # BEGIN IMMEDIATE, as every write on SQLite
                    row, event_id, now, data, text = await self._write_sqlite(
                        conn, driver, sub, values
                    )
            record = log.to_record(event_id, row["id"], sub.user_id, "job.queued", data, now, text)
            self.bus.after_commit([record], job_queued=True)
        return row, data

    async def _admit(
        self, conn: Any, driver: Any, sub: Submission, values: dict[str, Any]
    ) -> tuple[datetime, int, dict[str, Any]]:
        """(the write's ``now``, the job's turn, its event's data)."""
        now = self.clock()  # the transaction's ``tx.now``
        candidate = sql.Candidate(
            values["id"], sub.user_id, sub.lane, sub.kind, values["created_at"]
        )
        tag, place, eta = await position.admit(conn, self.fair_share, candidate, now, driver=driver)
        return now, tag, {"kind": sub.kind, "position": place, "eta_seconds": eta}

    async def _write_pg(
        self, conn: Any, driver: Any, sub: Submission, values: dict[str, Any]
    ) -> Written:
        now, tag, data = await self._admit(conn, driver, sub, values)
        if conn.in_transaction():  # ``place_from`` read more through SQLAlchemy
            await conn.commit()
        text = log.encode_data(data)
        (global_key, _), (user_key, _) = sql.event_order_locks([sub.user_id])
        args = enqueue.write_args(
            {**values, "fair_tag": tag, "queue_position": data["position"]},
            lock_keys=(global_key, user_key),
            event_type="job.queued",
            event_data=text,
            at=now,
            channels=self.channels,
        )
        statement = enqueue.WRITE if self.channels else enqueue.WRITE_QUIET
        try:
            found = await driver.fetchrow(statement, *args)
        except asyncpg.UniqueViolationError as exc:  # an Idempotency-Key's race
            raise IntegrityError(statement, None, exc) from exc
        except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError):
            await conn.invalidate()  # not back to the pool: SQLAlchemy did not see it fail
            raise
        row = dict(found)
        return row, row.pop("event_id"), now, data, text

    async def _write_sqlite(
        self, conn: Any, driver: Any, sub: Submission, values: dict[str, Any]
    ) -> Written:
        now, tag, data = await self._admit(conn, driver, sub, values)
        event = {
            "job_id": values["id"],
            "user_id": sub.user_id,
            "type": "job.queued",
            "data": data,
            "created_at": now,
        }
        try:
            row, event_id = await enqueue.insert_job_and_event(
                driver,
                conn.dialect,
                {**values, "fair_tag": tag, "queue_position": data["position"]},
                event,
            )
        except sqlite3.IntegrityError as exc:  # an Idempotency-Key already used
            raise IntegrityError(str(exc), None, exc) from exc
        return row, event_id, now, data, None
