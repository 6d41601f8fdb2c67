"""Statements of a job's life: submit, read, list, cancel, retry, claim, heartbeat, finish.

Every transition is one guarded UPDATE … RETURNING: zero rows means the guard failed and the caller
raises; nothing reads, decides in Python, then writes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.db.tables import jobs
from foodscan.jobs.sql.fairness import tag_for
from foodscan.jobs.states import TERMINAL, Status

Row = sa.Row[*tuple[Any, ...]]  # Any: rows of jobs have many column types


_INSERT = jobs.insert().returning(*jobs.c)


async def insert_job(conn: AsyncConnection, values: dict[str, Any]) -> Row:
    """Insert a queued job; ``values`` carry its turn (``fair_tag``) and announced place
    (``queue_position``), from ``admission.admit``."""
    return (await conn.execute(_INSERT, values)).one()


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


# Built once: a submit runs it in its transaction (and a refused one before storing its upload),
# so building the expression each time cost more than running it. The statuses are three
# plain parameters (an IN list would be expanded again at every execution).
_DUPLICATE = (
    sa.select(jobs)
    .where(
        jobs.c.user_id == sa.bindparam("dup_user", type_=jobs.c.user_id.type),
        jobs.c.request_hash == sa.bindparam("dup_hash", type_=jobs.c.request_hash.type),
        jobs.c.created_at >= sa.bindparam("dup_since", type_=jobs.c.created_at.type),
        sa.or_(
            *(
                jobs.c.status == status
                for status in (Status.QUEUED, Status.RUNNING, Status.SUCCEEDED)
            )
        ),
        jobs.c.inputs_purged_at.is_(None),
    )
    .order_by(jobs.c.created_at.desc())
    .limit(1)
)


async def find_duplicate(
    conn: AsyncConnection, user_id: str, request_hash: str, since: datetime
) -> Row | None:
    """The newest live or succeeded job of a user with the same request since ``since``."""
    params = {"dup_user": user_id, "dup_hash": request_hash, "dup_since": since}
    return (await conn.execute(_DUPLICATE, params)).first()


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


# The worker's hot statements, built once: which job and lease come in as parameters. They
# return only what the job's event and webhook need, not the result just written back.
_EVENT_COLUMNS = (jobs.c.id, jobs.c.user_id, jobs.c.kind, jobs.c.callback_url)
_HELD = sa.and_(
    jobs.c.id == sa.bindparam("held_id"),
    jobs.c.status == Status.RUNNING,
    jobs.c.lease_token == sa.bindparam("held_token"),
)
_PROGRESS = (
    sa.update(jobs)
    .where(_HELD)
    .values(
        step=sa.bindparam("new_step"),
        progress=sa.bindparam("new_progress"),
        updated_at=sa.bindparam("new_updated_at", type_=jobs.c.updated_at.type),
    )
    .returning(*_EVENT_COLUMNS)
)


async def set_progress(
    conn: AsyncConnection, job_id: str, token: str, *, step: str, progress: int, now: datetime
) -> Row | None:
    """Record the step a running job reached, if this lease still holds it (returns the
    job's id, user, kind and callback URL)."""
    params = {
        "held_id": job_id,
        "held_token": token,
        "new_step": step,
        "new_progress": progress,
        "new_updated_at": now,
    }
    return (await conn.execute(_PROGRESS, params)).one_or_none()


@functools.cache
def _finish_query(succeeded: bool) -> sa.Update:
    values: dict[str, Any] = {
        "status": sa.bindparam("new_status"),
        "result": sa.bindparam("new_result", type_=jobs.c.result.type),
        "error": sa.bindparam("new_error", type_=jobs.c.error.type),
        "finished_at": sa.bindparam("new_finished_at", type_=jobs.c.finished_at.type),
        "updated_at": sa.bindparam("new_finished_at", type_=jobs.c.updated_at.type),
        "lease_owner": None,
        "lease_token": None,
        "lease_expires_at": None,
    }
    if succeeded:
        values["progress"] = 100
    return sa.update(jobs).where(_HELD).values(values).returning(*_EVENT_COLUMNS)


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
    """Move a running job held by this lease to a terminal status (returns the job's id,
    user, kind and callback URL)."""
    assert status in TERMINAL  # noqa: S101 - a programming error, not input
    params = {
        "held_id": job_id,
        "held_token": token,
        "new_status": status,
        "new_result": result,
        "new_error": error,
        "new_finished_at": now,
    }
    query = _finish_query(status == Status.SUCCEEDED)
    return (await conn.execute(query, params)).one_or_none()


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
