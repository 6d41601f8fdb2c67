"""Statements the queue position's ETA reads: recent run times, live slots, running jobs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.db.tables import jobs, workers
from foodscan.jobs.states import Status

Row = sa.Row[*tuple[Any, ...]]  # Any: rows of jobs have many column types


async def recent_durations(conn: AsyncConnection, kind: str, limit: int = 50) -> Sequence[Row]:
    """Start and finish times of the last succeeded jobs of a kind."""
    query = (
        sa.select(jobs.c.started_at, jobs.c.finished_at)
        .where(jobs.c.kind == kind, jobs.c.status == Status.SUCCEEDED)
        .order_by(jobs.c.finished_at.desc())
        .limit(limit)
    )
    return (await conn.execute(query)).all()


def pace_query(limit: int, *also: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """The pace read (bound: ``pace_kind``, ``pace_since``): one row per recent succeeded job
    (at least one row), each with the head's ``slots``, ``busy`` and the columns ``also``."""
    kind: sa.BindParameter[str] = sa.bindparam("pace_kind")
    slots = (
        sa.select(sa.func.coalesce(sa.func.sum(workers.c.concurrency), 0))
        .where(
            workers.c.heartbeat_at >= sa.bindparam("pace_since", type_=workers.c.heartbeat_at.type)
        )
        .scalar_subquery()
    )
    busy = (
        sa.select(sa.func.count())
        .where(jobs.c.kind == kind, jobs.c.status == Status.RUNNING)
        .scalar_subquery()
    )
    head = sa.select(slots.label("slots"), busy.label("busy"), *also).subquery("head")
    recent = (
        sa.select(jobs.c.started_at, jobs.c.finished_at)
        .where(jobs.c.kind == kind, jobs.c.status == Status.SUCCEEDED)
        .order_by(jobs.c.finished_at.desc())
        .limit(limit)
        .subquery("recent")
    )
    query = sa.select(*head.c, recent.c.started_at, recent.c.finished_at)
    return query.select_from(head.outerjoin(recent, sa.true()))


_PACE = pace_query(50)


def spans_of(rows: Sequence[Row]) -> list[tuple[datetime, datetime]]:
    """The (start, finish) pairs of a pace read's rows."""
    return [(r.started_at, r.finished_at) for r in rows if r.started_at and r.finished_at]


async def pace_inputs(
    conn: AsyncConnection, kind: str, live_since: datetime
) -> tuple[list[tuple[datetime, datetime]], int, int]:
    """In one read: (start and finish of the last 50 succeeded jobs of a kind, slots of the
    workers alive since ``live_since``, jobs of the kind running now)."""
    rows = (await conn.execute(_PACE, {"pace_kind": kind, "pace_since": live_since})).all()
    return spans_of(rows), int(rows[0].slots), int(rows[0].busy)


async def running_count(conn: AsyncConnection, kind: str) -> int:
    """Jobs of a kind running now."""
    query = sa.select(sa.func.count()).where(jobs.c.kind == kind, jobs.c.status == Status.RUNNING)
    return int((await conn.execute(query)).scalar_one())
