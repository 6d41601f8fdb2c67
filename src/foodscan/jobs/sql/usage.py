"""Statements that measure one user's use of the service, for the rate limits and budgets of a
plan (``jobs.limits``), and the lock that makes a check and the insert after it one step.

Everything is derived from the jobs table through its ``(user_id, created_at)`` index; no counter
is kept anywhere, so every API process sees the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.db.tables import jobs
from foodscan.jobs.sql.lifecycle import Row
from foodscan.jobs.states import Status

# The first key of foodscan's two-key advisory locks ("food"), so they never meet another app's.
ADVISORY_NAMESPACE = 0x666F6F64


async def lock_user(conn: AsyncConnection, user_id: str) -> None:
    """Serialise the submits of one user until this transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on the user. SQLite needs none: every
    transaction there starts with ``BEGIN IMMEDIATE``, so writers already run one at a time.
    """
    if conn.dialect.name == "postgresql":
        lock = sa.func.pg_advisory_xact_lock(ADVISORY_NAMESPACE, sa.func.hashtext(user_id))
        await conn.execute(sa.select(lock))


# The one key every event-appending transaction locks first (PostgreSQL), far from the
# two-int keys of ``lock_user`` (PostgreSQL keeps the two key spaces apart anyway).
#
# It makes event ids commit in the order they are handed out. Event ids come from a sequence;
# two transactions appending at once could commit a lower id after a higher one was read, and
# a client resuming after the higher one would never get the lower. On PostgreSQL every write
# (``jobs.writes.write``) appends its events last, in one statement that takes this
# transaction-scoped advisory lock before it draws the first id (``log.append_many``'s
# ``order_lock``), so appends commit one transaction at a time; nothing locks a job row after
# it, so no lock order can deadlock (an event's foreign key takes only a key-share lock, which a
# job update does not block). SQLite needs none: ``BEGIN IMMEDIATE`` already runs writers one at
# a time.
EVENT_ORDER_LOCK = 0x666F6F6473636E


async def nth_newest_created(
    conn: AsyncConnection, user_id: str, since: datetime, n: int
) -> datetime | None:
    """When the user's ``n``-th newest job created after ``since`` was made; None if fewer."""
    query = (
        sa.select(jobs.c.created_at)
        .where(jobs.c.user_id == user_id, jobs.c.created_at > since)
        .order_by(jobs.c.created_at.desc())
        .offset(n - 1)
        .limit(1)
    )
    found: datetime | None = (await conn.execute(query)).scalar_one_or_none()
    return found


async def inputs_since(conn: AsyncConnection, user_id: str, since: datetime) -> Sequence[Row]:
    """(created_at, inputs) of the user's jobs created after ``since``, oldest first."""
    query = (
        sa.select(jobs.c.created_at, jobs.c.inputs)
        .where(jobs.c.user_id == user_id, jobs.c.created_at > since)
        .order_by(jobs.c.created_at)
    )
    return (await conn.execute(query)).all()


async def active_count(conn: AsyncConnection, user_id: str) -> int:
    """How many of the user's jobs are queued or running."""
    query = (
        sa.select(sa.func.count())
        .select_from(jobs)
        .where(jobs.c.user_id == user_id, jobs.c.status.in_([Status.QUEUED, Status.RUNNING]))
    )
    return int((await conn.execute(query)).scalar_one())
