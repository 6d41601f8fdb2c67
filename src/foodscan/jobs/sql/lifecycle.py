"""Statements of a job's life: submit, read, list, cancel, retry, claim, heartbeat, finish.

Every transition is one guarded UPDATE … RETURNING: zero rows means the guard failed and the caller
raises; nothing reads, decides in Python, then writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.db.tables import jobs
from foodscan.jobs.sql.fairness import FairShare, next_job, tag_for
from foodscan.jobs.states import TERMINAL, Status

Row = sa.Row[*tuple[Any, ...]]  # Any: rows of jobs have many column types


async def insert_job(conn: AsyncConnection, values: dict[str, Any]) -> Row:
    """Insert a queued job, with its turn in its lane (``fairness.tag_for``)."""
    tag = tag_for(values["user_id"], values["lane"])
    query = jobs.insert().values({**values, "fair_tag": tag}).returning(*jobs.c)
    return (await conn.execute(query)).one()


async def get_job(conn: AsyncConnection, job_id: str, user_id: str | None = None) -> Row | None:
    """One job by id (and owner, when given)."""
    query = sa.select(jobs).where(jobs.c.id == job_id)
    if user_id is not None:
        query = query.where(jobs.c.user_id == user_id)
    return (await conn.execute(query)).one_or_none()


async def get_by_idempotency_key(conn: AsyncConnection, user_id: str, key: str) -> Row | None:
    """The job a user submitted with this Idempotency-Key."""
    query = sa.select(jobs).where(jobs.c.user_id == user_id, jobs.c.idempotency_key == key)
    return (await conn.execute(query)).one_or_none()


async def find_duplicate(
    conn: AsyncConnection, user_id: str, request_hash: str, since: datetime
) -> Row | None:
    """The newest live or succeeded job of a user with the same request since ``since``."""
    query = (
        sa.select(jobs)
        .where(
            jobs.c.user_id == user_id,
            jobs.c.request_hash == request_hash,
            jobs.c.created_at >= since,
            jobs.c.status.in_([Status.QUEUED, Status.RUNNING, Status.SUCCEEDED]),
            jobs.c.inputs_purged_at.is_(None),
        )
        .order_by(jobs.c.created_at.desc())
        .limit(1)
    )
    return (await conn.execute(query)).first()


async def list_jobs(
    conn: AsyncConnection,
    user_id: str,
    *,
    status: str | None,
    kind: str | None,
    before: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Row]:
    """A user's jobs, newest first, strictly older than the ``before`` cursor."""
    query = sa.select(jobs).where(jobs.c.user_id == user_id)
    if status is not None:
        query = query.where(jobs.c.status == status)
    if kind is not None:
        query = query.where(jobs.c.kind == kind)
    if before is not None:
        query = query.where(sa.tuple_(jobs.c.created_at, jobs.c.id) < sa.tuple_(*before))
    query = query.order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(limit)
    return (await conn.execute(query)).all()


async def cancel_queued(
    conn: AsyncConnection, job_id: str, user_id: str, now: datetime
) -> Row | None:
    """Cancel a queued job at once."""
    query = (
        sa.update(jobs)
        .where(jobs.c.id == job_id, jobs.c.user_id == user_id, jobs.c.status == Status.QUEUED)
        .values(status=Status.CANCELLED, finished_at=now, updated_at=now)
        .returning(*jobs.c)
    )
    return (await conn.execute(query)).one_or_none()


async def request_cancel(
    conn: AsyncConnection, job_id: str, user_id: str, now: datetime
) -> Row | None:
    """Flag a running job so its worker stops it (the worker hears it on its next heartbeat)."""
    query = (
        sa.update(jobs)
        .where(jobs.c.id == job_id, jobs.c.user_id == user_id, jobs.c.status == Status.RUNNING)
        .values(cancel_requested=True, updated_at=now)
        .returning(*jobs.c)
    )
    return (await conn.execute(query)).one_or_none()


async def requeue_finished(
    conn: AsyncConnection, job: Row, now: datetime, max_attempts: int
) -> Row | None:
    """Queue a failed or cancelled job again, as new (the user's retry), with a new turn."""
    job_id, user_id = job.id, job.user_id
    query = (
        sa.update(jobs)
        .where(
            jobs.c.id == job_id,
            jobs.c.user_id == user_id,
            jobs.c.status.in_([Status.FAILED, Status.CANCELLED]),
            jobs.c.inputs_purged_at.is_(None),
        )
        .values(
            status=Status.QUEUED,
            attempt=0,
            rescues=0,
            max_attempts=max_attempts,
            run_at=now,
            step=None,
            progress=0,
            result=None,
            error=None,
            cancel_requested=False,
            started_at=None,
            finished_at=None,
            updated_at=now,
            fair_tag=tag_for(user_id, job.lane),
        )
        .returning(*jobs.c)
    )
    return (await conn.execute(query)).one_or_none()


async def recent_durations(conn: AsyncConnection, kind: str, limit: int = 50) -> Sequence[Row]:
    """Start and finish times of the last succeeded jobs of a kind."""
    query = (
        sa.select(jobs.c.started_at, jobs.c.finished_at)
        .where(jobs.c.kind == kind, jobs.c.status == Status.SUCCEEDED)
        .order_by(jobs.c.finished_at.desc())
        .limit(limit)
    )
    return (await conn.execute(query)).all()


async def running_count(conn: AsyncConnection, kind: str) -> int:
    """Jobs of a kind running now."""
    query = sa.select(sa.func.count()).where(jobs.c.kind == kind, jobs.c.status == Status.RUNNING)
    return int((await conn.execute(query)).scalar_one())


async def claim(
    conn: AsyncConnection,
    *,
    worker_id: str,
    token: str,
    now: datetime,
    lease_until: datetime,
    kinds: Sequence[str],
    policy: FairShare,
) -> Row | None:
    """Take the next runnable job in the fair order (``fairness``; SKIP LOCKED on PostgreSQL)."""
    candidate = next_job(policy, now, kinds)
    query = (
        sa.update(jobs)
        .where(jobs.c.id == candidate, jobs.c.status == Status.QUEUED)
        .values(
            status=Status.RUNNING,
            lease_owner=worker_id,
            lease_token=token,
            lease_expires_at=lease_until,
            attempt=jobs.c.attempt + 1,
            started_at=now,
            step=None,
            progress=0,
            updated_at=now,
        )
        .returning(*jobs.c)
    )
    return (await conn.execute(query)).one_or_none()


async def renew_leases(
    conn: AsyncConnection, worker_id: str, lease_until: datetime, tokens: Sequence[str] | None
) -> Sequence[Row]:
    """Extend a worker's leases (those in ``tokens``, or all); returns id, token, cancel flag."""
    query = sa.update(jobs).where(jobs.c.lease_owner == worker_id, jobs.c.status == Status.RUNNING)
    if tokens is not None:
        query = query.where(jobs.c.lease_token.in_(list(tokens)))
    query = query.values(lease_expires_at=lease_until).returning(
        jobs.c.id, jobs.c.lease_token, jobs.c.cancel_requested
    )
    return (await conn.execute(query)).all()


def _held(job_id: str, token: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        jobs.c.id == job_id, jobs.c.status == Status.RUNNING, jobs.c.lease_token == token
    )


async def set_progress(
    conn: AsyncConnection, job_id: str, token: str, *, step: str, progress: int, now: datetime
) -> Row | None:
    """Record the step a running job reached, if this lease still holds it."""
    query = (
        sa.update(jobs)
        .where(_held(job_id, token))
        .values(step=step, progress=progress, updated_at=now)
        .returning(*jobs.c)
    )
    return (await conn.execute(query)).one_or_none()


async def finish(
    conn: AsyncConnection,
    job_id: str,
    token: str,
    *,
    status: Status,
    now: datetime,
    result: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> Row | None:
    """Move a running job held by this lease to a terminal status."""
    assert status in TERMINAL  # noqa: S101 - a programming error, not input
    values: dict[str, Any] = {
        "status": status,
        "result": result,
        "error": error,
        "finished_at": now,
        "updated_at": now,
        "lease_owner": None,
        "lease_token": None,
        "lease_expires_at": None,
    }
    if status == Status.SUCCEEDED:
        values["progress"] = 100
    query = sa.update(jobs).where(_held(job_id, token)).values(values).returning(*jobs.c)
    return (await conn.execute(query)).one_or_none()


async def requeue_running(
    conn: AsyncConnection,
    job_id: str,
    token: str,
    *,
    run_at: datetime,
    error: dict[str, Any],
    now: datetime,
) -> Row | None:
    """Send a running job held by this lease back to the queue, unless its user asked to cancel."""
    query = (
        sa.update(jobs)
        .where(_held(job_id, token), jobs.c.cancel_requested.is_(False))
        .values(
            status=Status.QUEUED,
            run_at=run_at,
            error=error,
            updated_at=now,
            lease_owner=None,
            lease_token=None,
            lease_expires_at=None,
        )
        .returning(*jobs.c)
    )
    return (await conn.execute(query)).one_or_none()


async def release(conn: AsyncConnection, job_id: str, token: str, now: datetime) -> Row | None:
    """Give a running job back (graceful shutdown), unless cancelled; the attempt does not count."""
    query = (
        sa.update(jobs)
        .where(_held(job_id, token), jobs.c.cancel_requested.is_(False))
        .values(
            status=Status.QUEUED,
            run_at=now,
            attempt=jobs.c.attempt - 1,
            step=None,
            progress=0,
            updated_at=now,
            lease_owner=None,
            lease_token=None,
            lease_expires_at=None,
        )
        .returning(*jobs.c)
    )
    return (await conn.execute(query)).one_or_none()


async def cancel_requested_ids(conn: AsyncConnection, worker_id: str) -> list[str]:
    """Jobs a worker is running whose user asked to cancel them."""
    query = sa.select(jobs.c.id).where(
        jobs.c.lease_owner == worker_id,
        jobs.c.status == Status.RUNNING,
        jobs.c.cancel_requested.is_(True),
    )
    return list((await conn.execute(query)).scalars())
