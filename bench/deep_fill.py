"""A deep queue, fast: copies of one really submitted job, inserted in one statement.

Submitting 20,000 jobs one at a time takes minutes and measures the submit, which the deep-queue
benchmark wants to measure against a queue that is already deep. So one job is submitted through
the real path (``JobStore.submit`` or ``POST /v1/jobs``: its blobs, turn and place are real),
and ``copy_queued`` inserts copies of its row with new ids, later turns (``fair_tag``) and, when
asked, a new ``options.tag`` each, so the benchmark's collector can tell them apart. No event is
appended for the copies: nobody follows them.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.db.tables import jobs, workers
from foodscan.events.pg_listen import JOBS_CHANNEL

CHUNK = 2000  # rows per executemany: bounded memory on both engines


async def copy_queued(
    engine: AsyncEngine, job_id: str, n: int, *, first_tag: int | None = None
) -> int:
    """Insert ``n`` queued copies of job ``job_id`` behind it; how many were inserted.

    Copy ``i`` (0-based) has turn ``fair_tag + 1 + i`` and was created ``i`` µs after the
    template (so its place is behind it, and no copy is old enough to be aged to the front);
    with ``first_tag`` its ``options.tag`` is ``first_tag + i``."""
    async with engine.connect() as conn:
        template = (await conn.execute(sa.select(jobs).where(jobs.c.id == job_id))).one()
    base: dict[str, Any] = dict(template._mapping)
    inserted = 0
    async with engine.begin() as conn:
        for start in range(0, n, CHUNK):
            rows = [_copy(base, i, first_tag) for i in range(start, min(n, start + CHUNK))]
            await conn.execute(jobs.insert(), rows)
            inserted += len(rows)
    if engine.dialect.name == "postgresql":
        # A queue that grew over minutes has been analysed by autovacuum; one filled in a
        # second has not, and its plans would be those of an empty table.
        async with engine.connect() as conn:
            await conn.execute(sa.text("ANALYZE jobs"))
            await conn.commit()
    return inserted


def _copy(base: dict[str, Any], i: int, first_tag: int | None) -> dict[str, Any]:
    row = dict(base)
    row["id"] = str(uuid.uuid4())
    row["fair_tag"] = base["fair_tag"] + 1 + i
    row["created_at"] = row["updated_at"] = base["created_at"] + timedelta(microseconds=1 + i)
    row["run_at"] = base["run_at"] + timedelta(microseconds=1 + i)
    row["request_hash"] = None
    row["idempotency_key"] = None
    # The place it was announced at, as a submit would have stored it (none moved since).
    row["queue_position"] = (base["queue_position"] or 1) + 1 + i
    if first_tag is not None:
        row["options"] = {**base["options"], "tag": first_tag + i}
    return row


async def queued_count(engine: AsyncEngine) -> int:
    """How many jobs are queued now."""
    query = sa.select(sa.func.count()).select_from(jobs).where(jobs.c.status == "queued")
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def hold(engine: AsyncEngine, until: datetime) -> None:
    """Make every queued job wait until ``until`` (no worker claims it before)."""
    async with engine.begin() as conn:
        await conn.execute(jobs.update().where(jobs.c.status == "queued").values(run_at=until))


async def release(engine: AsyncEngine, now: datetime) -> None:
    """Make every queued job due now, and wake PostgreSQL's workers (as a submit does)."""
    async with engine.begin() as conn:
        await conn.execute(jobs.update().where(jobs.c.status == "queued").values(run_at=now))
        if conn.dialect.name == "postgresql":
            await conn.execute(sa.select(sa.func.pg_notify(JOBS_CHANNEL, "")))


async def live_workers(engine: AsyncEngine) -> int:
    """How many worker processes are registered."""
    async with engine.connect() as conn:
        return int(
            (await conn.execute(sa.select(sa.func.count()).select_from(workers))).scalar_one()
        )
