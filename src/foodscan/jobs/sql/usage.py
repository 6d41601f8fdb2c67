"""Statements that measure one user's use of the service, for the rate limits and budgets of a
plan (``jobs.limits``), and the lock that makes a check and the insert after it one step.

Everything is derived from the jobs table through its ``(user_id, created_at)`` index, and from
``job_retries`` (a user's retries, which the rate counts too) through the same index; no counter
is kept anywhere, so every API process sees the same numbers.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.db.tables import job_retries, jobs
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


# Event ids commit in order within each stream (PostgreSQL). Event ids come from one sequence;
# two transactions appending at once could commit a lower id after a higher one was read, and a
# client resuming after the higher one would never get the lower. Streams are per job and per
# user (a job belongs to one user), so only one user's events must commit in id order: every
# write (``jobs.transaction.write``) appends its events last, in one statement that first takes
# a transaction-scoped advisory lock per user it writes for (``event_order_locks``), before it
# draws the first id (``log.append_many``'s ``order_locks``). Writes of different users do not
# wait for each other. A write of more than ``MANY_USERS`` users (a rescue, a round of
# positions) takes ``EVENT_ORDER_LOCK`` exclusively instead of one lock per user (bounded lock
# table use), and every other write takes it shared first, so a big write is ordered against
# all. Keys are taken in one order (the global key first, then users' keys ascending), and
# nothing locks a job row after them, so no lock order can deadlock (an event's foreign key
# takes only a key-share lock, which a job update does not block). SQLite needs none:
# ``BEGIN IMMEDIATE`` already runs writers one at a time.
EVENT_ORDER_LOCK = 0x666F6F6473636E
# A user's key: this in the high 32 bits, a hash of the user id in the low 32 (single-bigint
# keys, apart from the two-int keys of ``lock_user`` and from the other bigint keys here).
USER_EVENT_NAMESPACE = 0x666F6F65
MANY_USERS = 16


def event_order_locks(user_ids: Iterable[str]) -> list[tuple[int, bool]]:
    """The advisory locks a write appending events of these users takes, in order:
    (key, shared). Two users may share a key (a 32-bit hash): that only makes them wait."""
    users = set(user_ids)
    if len(users) > MANY_USERS:
        return [(EVENT_ORDER_LOCK, False)]
    keys = sorted({USER_EVENT_NAMESPACE << 32 | _user_hash(user) for user in users})
    return [(EVENT_ORDER_LOCK, True), *((key, False) for key in keys)]


def _user_hash(user_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(user_id.encode(), digest_size=4).digest(), "big")


@dataclass(frozen=True, slots=True)
class Usage:
    """One user's use of the service now, as the plan's limits read it (``jobs.limits``)."""

    nth_newest: datetime | None  # the user's n-th newest submit or retry of the last minute
    active: int  # the user's jobs queued or running, counted up to the cap asked for
    recent: list[Row]  # (created_at, inputs) of the user's jobs of the last day, oldest first


@functools.cache
def _usage_query(pages: bool) -> sa.Select[Any]:
    """Everything the limits read, in one statement: a head row (the rate's n-th newest
    creation, the active count), joined to the day's inputs when the plan counts pages."""
    user = sa.bindparam("u_user", type_=jobs.c.user_id.type)
    minute = sa.bindparam("u_minute", type_=jobs.c.created_at.type)
    # Submits and retries of the last minute: each of the two selects reads its own index.
    admitted = sa.union_all(
        sa.select(jobs.c.created_at.label("at")).where(
            jobs.c.user_id == user, jobs.c.created_at > minute
        ),
        sa.select(job_retries.c.created_at.label("at")).where(
            job_retries.c.user_id == user, job_retries.c.created_at > minute
        ),
    ).subquery("admitted")
    nth_newest = (
        sa.select(admitted.c.at)
        .order_by(admitted.c.at.desc())
        .offset(sa.bindparam("u_offset", type_=sa.Integer))
        .limit(1)
        .scalar_subquery()
    )
    live = (
        sa.select(jobs.c.id)
        .where(jobs.c.user_id == user, jobs.c.status.in_([Status.QUEUED, Status.RUNNING]))
        .limit(sa.bindparam("u_cap", type_=sa.Integer))
        .subquery("live")
    )
    active = sa.select(sa.func.count()).select_from(live).scalar_subquery()
    head = sa.select(nth_newest.label("nth_newest"), active.label("active"))
    if not pages:
        return head
    day = (
        sa.select(jobs.c.created_at, jobs.c.inputs)
        .where(
            jobs.c.user_id == user,
            jobs.c.created_at > sa.bindparam("u_day", type_=jobs.c.created_at.type),
        )
        .subquery("day")
    )
    first = head.subquery("head")
    query = sa.select(first.c.nth_newest, first.c.active, day.c.created_at, day.c.inputs)
    return query.select_from(first.outerjoin(day, sa.true())).order_by(day.c.created_at)


async def usage(
    conn: AsyncConnection,
    user_id: str,
    *,
    nth: int,
    minute_since: datetime,
    active_cap: int,
    day_since: datetime | None,
) -> Usage:
    """The user's ``nth`` newest submit or retry after ``minute_since`` (``nth`` ≥ 1), active jobs
    (counted up to ``active_cap``: a limit needs no more, and a queue of thousands is not
    counted at every submit), and, when ``day_since`` is given, the inputs of the jobs created
    after it, in one read."""
    params: dict[str, Any] = {
        "u_user": user_id,
        "u_minute": minute_since,
        "u_offset": nth - 1,
        "u_cap": active_cap,
    }
    if day_since is not None:
        params["u_day"] = day_since
    rows = (await conn.execute(_usage_query(day_since is not None), params)).all()
    found: datetime | None = rows[0].nth_newest
    # With the day's inputs joined, a user with no job that day still has the head row.
    recent = [row for row in rows if row.created_at is not None] if day_since is not None else []
    return Usage(found, int(rows[0].active), recent)


async def record_retry(conn: AsyncConnection, job_id: str, user_id: str, now: datetime) -> None:
    """Note a user's retry of a job, which the rate limit counts like a submit."""
    await conn.execute(
        sa.insert(job_retries).values(job_id=job_id, user_id=user_id, created_at=now)
    )


async def forget_retries(conn: AsyncConnection, user_id: str, before: datetime) -> None:
    """Drop the user's retries from before ``before``: no rate window counts them any more."""
    await conn.execute(
        sa.delete(job_retries).where(
            job_retries.c.user_id == user_id, job_retries.c.created_at < before
        )
    )
