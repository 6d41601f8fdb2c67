"""A slot claims its next job before its body ends (``worker.ahead``), on real Workers: the held
job starts the moment the body ends, and goes back to the queue when held too long, when its
user cancels it and when the worker stops; nobody runs it twice."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from foodscan.jobs.states import Status
from foodscan.jobs.store import JobStore
from foodscan.settings import Settings
from foodscan.worker.ahead import ClaimAhead
from foodscan.worker.runtime import Worker
from tests.integration.worker.support import (
    USER,
    Blocker,
    Submit,
    Watch,
    WorkerFactory,
    eventually,
    job_of,
    pipeline,
    result,
    step,
)


class Eager(ClaimAhead):
    """Claims ahead at every body's first line, without figures to learn first."""

    def delay(self, kind: str) -> float | None:
        return 0.0


async def one_slot(
    worker_factory: WorkerFactory, settings: Settings, blocker: Blocker, *, hold_s: float
) -> Worker:
    """A worker of one slot that claims ahead at once; its job bodies wait for ``blocker``."""
    one = settings.model_copy(update={"worker_concurrency": 1, "lease_s": 4.0})
    worker = await worker_factory(pipeline(step("wait", blocker)), settings=one)
    worker.ahead = Eager(lease_s=one.lease_s, hold_s=hold_s)
    return worker


async def held_by(peek: Any, job_id: str, worker: Worker) -> None:
    async def check() -> bool:
        job = await job_of(peek, job_id)
        return job.status == Status.RUNNING and job.lease_owner == worker.id

    await eventually(check)


async def test_a_job_claimed_ahead_starts_when_the_body_ends(
    *,
    worker_factory: WorkerFactory,
    submit: Submit,
    settings: Settings,
    watch: Watch,
    peek: Any,
    blocker: Blocker,
) -> None:
    first, second = await submit(), await submit()
    worker = await one_slot(worker_factory, settings, blocker, hold_s=1.0)
    await asyncio.wait_for(blocker.entered.wait(), 10)
    await held_by(peek, second, worker)  # claimed while the only slot's body runs

    assert blocker.jobs == [first]
    assert worker.ahead.held == 1
    blocker.release.set()
    await watch.until(second, "job.succeeded")

    assert blocker.jobs == [first, second]
    for job_id in (first, second):
        job = await job_of(peek, job_id)
        assert (job.status, job.attempt) == (Status.SUCCEEDED, 1)
        assert await peek.types(job_id) == [
            "job.queued",
            "job.started",
            "job.progress",
            "job.succeeded",
        ]


async def test_a_job_held_past_the_hold_goes_back_and_another_worker_runs_it(
    *,
    worker_factory: WorkerFactory,
    submit: Submit,
    settings: Settings,
    watch: Watch,
    peek: Any,
    blocker: Blocker,
) -> None:
    first, second = await submit(), await submit()
    worker = await one_slot(worker_factory, settings, blocker, hold_s=0.3)
    await asyncio.wait_for(blocker.entered.wait(), 10)
    await held_by(peek, second, worker)

    async def released() -> bool:
        return (await job_of(peek, second)).status == Status.QUEUED

    began = time.monotonic()
    await eventually(released)
    assert time.monotonic() - began < 1.0
    job = await job_of(peek, second)
    assert (job.attempt, job.lease_owner, job.step) == (0, None, None)

    other = await worker_factory(pipeline(step("finish", result("other"))), own_engine=True)
    await watch.until(second, "job.succeeded")
    job = await job_of(peek, second)
    assert (job.status, job.attempt, job.result) == (Status.SUCCEEDED, 1, {"text": "other"})
    assert other.id != worker.id
    assert blocker.jobs == [first]  # the held job's body never ran here

    blocker.release.set()
    await watch.until(first, "job.succeeded")
    assert (await peek.types(second)).count("job.succeeded") == 1


async def test_cancelling_a_held_job_ends_it_cancelled_without_running_it(
    *,
    worker_factory: WorkerFactory,
    submit: Submit,
    store: JobStore,
    settings: Settings,
    watch: Watch,
    peek: Any,
    blocker: Blocker,
) -> None:
    first, second = await submit(), await submit()
    worker = await one_slot(worker_factory, settings, blocker, hold_s=1.0)
    await asyncio.wait_for(blocker.entered.wait(), 10)
    await held_by(peek, second, worker)

    await store.cancel(USER, second)
    await watch.until(second, "job.cancelled", within=1.0)

    job = await job_of(peek, second)
    assert (job.status, job.lease_owner) == (Status.CANCELLED, None)
    assert await peek.types(second) == [
        "job.queued",
        "job.started",
        "job.progress",
        "job.cancelled",
    ]
    blocker.release.set()
    await watch.until(first, "job.succeeded")
    assert blocker.jobs == [first]


async def test_stop_gives_a_held_job_back_at_once_and_lets_the_running_one_finish(
    *,
    worker_factory: WorkerFactory,
    submit: Submit,
    settings: Settings,
    watch: Watch,
    peek: Any,
    blocker: Blocker,
) -> None:
    first, second = await submit(), await submit()
    worker = await one_slot(worker_factory, settings, blocker, hold_s=1.0)
    await asyncio.wait_for(blocker.entered.wait(), 10)
    await held_by(peek, second, worker)

    stopping = asyncio.create_task(worker.stop(grace_s=10))

    async def released() -> bool:
        return (await job_of(peek, second)).status == Status.QUEUED

    await eventually(released, within=0.5)  # not after the grace, nor the hold
    assert not stopping.done()
    blocker.release.set()
    await asyncio.wait_for(stopping, 10)

    assert (await job_of(peek, first)).status == Status.SUCCEEDED
    job = await job_of(peek, second)
    assert (job.status, job.attempt, job.lease_owner) == (Status.QUEUED, 0, None)
    assert blocker.jobs == [first]
    assert worker.ahead.held == 0
