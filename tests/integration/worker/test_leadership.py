"""Background duties run in one worker per database (``jobs.leader``): on PostgreSQL the
leader's, taken over by another worker when it stops; on SQLite the embedded process's.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.db.tables import jobs
from foodscan.jobs.states import Status
from tests.integration.worker.conftest import Backend
from tests.integration.worker.support import (
    USER,
    WAIT_S,
    Watch,
    WorkerFactory,
    job_of,
    pipeline,
    result,
    step,
)


async def _expire_lease(engine: AsyncEngine, job_id: str) -> None:
    """The job as a dead worker left it: running, its lease run out."""
    past = datetime.now(UTC) - timedelta(seconds=60)
    async with engine.begin() as conn:
        await conn.execute(
            jobs.update()
            .where(jobs.c.id == job_id)
            .values(
                status=Status.RUNNING,
                attempt=1,
                lease_owner="gone",
                lease_token=str(uuid.uuid4()),
                lease_expires_at=past,
                started_at=past,
            )
        )


async def test_only_the_leader_rescues_and_a_follower_takes_over_when_it_stops(
    *,
    backend: Backend,
    engine: AsyncEngine,
    worker_factory: WorkerFactory,
    job_factory: Any,
    watch: Watch,
    peek: Any,
) -> None:
    first = await worker_factory(pipeline(step("finish", result("first"))))
    await asyncio.wait_for(first.leader.wait_leading(), WAIT_S)
    second = await worker_factory(pipeline(step("finish", result("second"))), own_engine=True)
    # SQLite: every process is the embedded one and leads; PostgreSQL: one leader.
    assert await second.leader.step() is (backend.database == "sqlite")

    await first.stop(grace_s=0)  # resigns: the follower's next try wins
    await asyncio.wait_for(second.leader.wait_leading(), WAIT_S)

    # A kind no worker here runs, so nobody claims it once rescued.
    job_id = (await job_factory(user_id=USER, kind="receipt")).job.id
    await _expire_lease(engine, job_id)
    retrying = await watch.until(job_id, "job.retrying")  # rescued by the new leader
    assert retrying.record.payload["error"]["code"] == "lease_expired"
    job = await job_of(peek, job_id)
    assert (job.status, job.rescues) == (Status.QUEUED, 1)
