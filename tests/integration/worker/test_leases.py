"""Leases across workers: several workers share one queue, a frozen worker's job is rescued,
a worker whose lease was taken over stops and writes nothing; heartbeats judge only what they saw.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.blobs import LocalBlobStore
from foodscan.events.bus import LocalBus
from foodscan.jobs.maintenance import Maintenance
from foodscan.jobs.queue import HeldJob
from foodscan.jobs.states import Status
from foodscan.pipelines.base import Context
from foodscan.settings import Settings
from tests.integration.worker.support import (
    Blocker,
    Echo,
    Submit,
    ThreadBlocker,
    Watch,
    WorkerFactory,
    eventually,
    frozen,
    idle,
    job_of,
    pipeline,
    result,
    stamp,
    step,
)

# ---- several workers --------------------------------------------------------------------------


async def test_two_workers_on_one_database_run_every_job_exactly_once(
    *, worker_factory: WorkerFactory, submit: Submit, watch: Watch, peek: Any
) -> None:
    runs: list[tuple[str, str]] = []
    busy = 0
    all_slots_busy = asyncio.Event()

    def counting(name: str) -> Any:
        async def run(ctx: Context) -> None:
            nonlocal busy
            runs.append((name, ctx.job_id))
            busy += 1
            # Three jobs at once needs both workers (two slots each): neither can take them all.
            if busy >= 3:
                all_slots_busy.set()
            await all_slots_busy.wait()
            busy -= 1
            ctx.result = Echo(text=name)

        return run

    await worker_factory(pipeline(step("work", counting("one"))))
    await worker_factory(pipeline(step("work", counting("two"))), own_engine=True)

    job_ids = [await submit() for _ in range(8)]
    for job_id in job_ids:
        await watch.until(job_id, "job.succeeded")

    assert sorted(job_id for _, job_id in runs) == sorted(job_ids)
    assert {name for name, _ in runs} == {"one", "two"}
    for job_id in job_ids:
        types = await peek.types(job_id)
        assert types.count("job.succeeded") == 1
        assert types.count("job.started") == 1
        job = await job_of(peek, job_id)
        assert (job.status, job.attempt) == (Status.SUCCEEDED, 1)
        assert job.result == {"text": {j: n for n, j in runs}[job_id]}


# ---- leases -----------------------------------------------------------------------------------


async def test_a_frozen_workers_job_is_rescued_by_the_other_worker_after_its_lease_expires(
    *,
    worker_factory: WorkerFactory,
    submit: Submit,
    watch: Watch,
    peek: Any,
    settings: Settings,
    blocker: Blocker,
) -> None:
    stalled = await worker_factory(
        pipeline(step("wait", blocker)),
        settings=settings.model_copy(
            update={"worker_concurrency": 1, "lease_s": 0.5, "heartbeat_s": 0.1}
        ),
    )
    job_id = await submit()
    await asyncio.wait_for(blocker.entered.wait(), 10)
    claimed = await job_of(peek, job_id)

    frozen(stalled)  # no more heartbeats or maintenance; its step keeps waiting
    await worker_factory(pipeline(step("finish", result("rescued"))), own_engine=True)

    retrying = await watch.until(job_id, "job.retrying")
    await watch.until(job_id, "job.succeeded")

    assert retrying.record.payload["error"]["code"] == "lease_expired"
    assert claimed.lease_expires_at is not None
    expired = stamp(retrying.record.payload["timestamp"]) + timedelta(milliseconds=1)
    assert expired >= claimed.lease_expires_at
    # The frozen worker wakes up and finishes too late: its result is dropped.
    blocker.release.set()
    await eventually(idle(stalled))
    assert blocker.resumed
    job = await job_of(peek, job_id)
    assert (job.status, job.attempt, job.rescues, job.result) == (
        Status.SUCCEEDED,
        2,
        1,
        {"text": "rescued"},
    )
    types = await peek.types(job_id)
    assert types.count("job.succeeded") == 1
    assert types[-1] == "job.succeeded"


async def test_a_step_blocking_a_pool_thread_does_not_stop_heartbeats(
    *,
    worker_factory: WorkerFactory,
    submit: Submit,
    watch: Watch,
    peek: Any,
    settings: Settings,
    thread_blocker: ThreadBlocker,
) -> None:
    short = settings.model_copy(update={"lease_s": 0.5, "heartbeat_s": 0.1})
    await worker_factory(pipeline(step("ocr", thread_blocker)), settings=short)
    job_id = await submit()
    await asyncio.wait_for(thread_blocker.entered.wait(), 10)
    claimed = await job_of(peek, job_id)
    assert claimed.lease_expires_at is not None
    # Renewed until past the first lease and a round of its own maintenance (every lease_s / 2).
    outlived = claimed.lease_expires_at + timedelta(seconds=short.lease_s * 1.6)

    async def renewed_past_first_lease() -> bool:
        job = await job_of(peek, job_id)
        return job.lease_expires_at is not None and job.lease_expires_at >= outlived

    await eventually(renewed_past_first_lease)
    still = await job_of(peek, job_id)
    assert (still.status, still.lease_token, still.rescues) == (
        Status.RUNNING,
        claimed.lease_token,
        0,
    )

    thread_blocker.release.set()
    await watch.until(job_id, "job.succeeded")
    job = await job_of(peek, job_id)
    assert (job.status, job.attempt, job.rescues) == (Status.SUCCEEDED, 1, 0)


async def test_a_worker_that_lost_its_lease_stops_the_job_and_writes_nothing(
    *,
    worker_factory: WorkerFactory,
    submit: Submit,
    watch: Watch,
    peek: Any,
    engine: AsyncEngine,
    bus: LocalBus,
    blobs: LocalBlobStore,
    settings: Settings,
    blocker: Blocker,
) -> None:
    worker = await worker_factory(pipeline(step("wait", blocker)))
    job_id = await submit()
    await asyncio.wait_for(blocker.entered.wait(), 10)

    # Another process's maintenance, its clock far ahead, takes the lease over; the job's
    # run_at lands in that future, so nobody claims it during the test.
    ahead = datetime.now(UTC) + timedelta(hours=1)
    assert await Maintenance(engine, bus, blobs, settings).rescue(now=ahead) == 1
    await watch.until(job_id, "job.retrying")
    await eventually(idle(worker), within=2.0)  # its next heartbeat (every 0.2 s) tells it

    assert (blocker.cancelled, blocker.resumed) == (True, False)
    job = await job_of(peek, job_id)
    assert (job.status, job.attempt, job.rescues, job.lease_owner) == (Status.QUEUED, 1, 1, None)
    assert await peek.types(job_id) == [
        "job.queued",
        "job.started",
        "job.progress",
        "job.retrying",
    ]


async def test_a_job_claimed_while_a_heartbeat_is_in_flight_is_not_taken_for_lost(
    *,
    worker_factory: WorkerFactory,
    submit: Submit,
    watch: Watch,
    peek: Any,
    blocker: Blocker,
) -> None:
    worker = await worker_factory(pipeline(step("wait", blocker)))
    renew = worker.queue.heartbeat
    renewed = asyncio.Event()
    answered: list[int] = []

    async def slow_answer(tokens: Sequence[str] | None = None) -> list[HeldJob]:
        held = await renew(tokens)
        if not renewed.is_set():
            # The renewal ran before the claim below; its answer arrives after the job started.
            renewed.set()
            await blocker.entered.wait()
        answered.append(len(held))
        return held

    worker.queue.heartbeat = slow_answer  # type: ignore[method-assign]  # a slow round trip
    await asyncio.wait_for(renewed.wait(), 10)
    job_id = await submit()
    await asyncio.wait_for(blocker.entered.wait(), 10)

    async def two_more_heartbeats() -> bool:
        return len(answered) >= 3

    await eventually(two_more_heartbeats)
    assert answered[0] == 0  # the late answer did not know the job
    assert (blocker.cancelled, answered[1:3]) == (False, [1, 1])
    blocker.release.set()
    await watch.until(job_id, "job.succeeded")
    types = await peek.types(job_id)
    assert (types.count("job.started"), types[-1]) == (1, "job.succeeded")
