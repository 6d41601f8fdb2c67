"""A user's cancel of a running job and a worker's graceful stop, on real Workers."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from foodscan.jobs.states import Status
from foodscan.jobs.store import JobStore
from foodscan.settings import Settings
from tests.integration.worker.support import (
    USER,
    Blocker,
    Submit,
    ThreadBlocker,
    Watch,
    WorkerFactory,
    job_of,
    pipeline,
    result,
    step,
)

# ---- cancel -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("blocked_in", "heard_by"),
    [("await", "heartbeat"), ("pool thread", "heartbeat"), ("await", "cancel poll")],
)
async def test_cancelling_a_running_job_ends_it_cancelled_within_a_second(
    *,
    worker_factory: WorkerFactory,
    submit: Submit,
    store: JobStore,
    watch: Watch,
    peek: Any,
    settings: Settings,
    blocker: Blocker,
    thread_blocker: ThreadBlocker,
    blocked_in: str,
    heard_by: str,
    request: pytest.FixtureRequest,
) -> None:
    if heard_by == "cancel poll":  # production-like: no heartbeat during the test
        settings = settings.model_copy(update={"heartbeat_s": 10.0, "lease_s": 30.0})
    blocking = blocker if blocked_in == "await" else thread_blocker
    await worker_factory(
        pipeline(step("wait", blocking), step("after", result())), settings=settings
    )

    job_id = await submit()
    await asyncio.wait_for(blocking.entered.wait(), 10)
    asked = time.monotonic()
    view = await store.cancel(USER, job_id)
    cancelled = await watch.until(job_id, "job.cancelled")

    latency = cancelled.at - asked
    request.node.user_properties.append(("cancel_latency_s", round(latency, 3)))
    assert view.job.status == Status.RUNNING  # the request only asks the worker
    assert latency < 1.0
    assert (blocking.cancelled, blocking.resumed) == (True, False)
    job = await job_of(peek, job_id)
    assert (job.status, job.attempt, job.error, job.lease_owner) == (
        Status.CANCELLED,
        1,
        None,
        None,
    )
    # Not retried: nothing after job.cancelled, and a cancelled job is never claimed again.
    assert await peek.types(job_id) == [
        "job.queued",
        "job.started",
        "job.progress",
        "job.cancelled",
    ]
    if blocked_in == "pool thread":
        assert not thread_blocker.thread_done.is_set()


# ---- shutdown ---------------------------------------------------------------------------------


async def test_stop_lets_a_job_that_finishes_within_the_grace_succeed_and_claims_no_more(
    *, worker_factory: WorkerFactory, submit: Submit, watch: Watch, peek: Any, blocker: Blocker
) -> None:
    worker = await worker_factory(pipeline(step("wait", blocker)))
    job_id = await submit()
    await asyncio.wait_for(blocker.entered.wait(), 10)

    stopping = asyncio.create_task(worker.stop(grace_s=10))
    later_id = await submit()  # after stop began: nobody may claim it
    blocker.release.set()
    await asyncio.wait_for(stopping, 10)

    assert (await watch.until(job_id, "job.succeeded")).record.payload["result"] == {
        "text": "released"
    }
    job = await job_of(peek, job_id)
    assert (job.status, job.attempt) == (Status.SUCCEEDED, 1)
    later = await job_of(peek, later_id)
    assert (later.status, later.attempt) == (Status.QUEUED, 0)
    assert blocker.jobs == [job_id]


async def test_stop_releases_a_job_that_outlives_the_grace_to_another_worker(
    *, worker_factory: WorkerFactory, submit: Submit, watch: Watch, peek: Any, blocker: Blocker
) -> None:
    first = await worker_factory(pipeline(step("wait", blocker)))
    job_id = await submit()
    await asyncio.wait_for(blocker.entered.wait(), 10)

    began = time.monotonic()
    await asyncio.wait_for(first.stop(grace_s=0.3), 10)
    took = time.monotonic() - began

    assert 0.3 <= took < 1.5
    assert (blocker.cancelled, blocker.resumed) == (True, False)
    released = await job_of(peek, job_id)
    assert (released.status, released.attempt, released.step, released.lease_owner) == (
        Status.QUEUED,
        0,
        None,
        None,
    )
    # Released, not failed or retried: no terminal event, no retrying.
    assert await peek.types(job_id) == ["job.queued", "job.started", "job.progress"]

    await worker_factory(pipeline(step("finish", result("second worker"))), own_engine=True)
    await watch.until(job_id, "job.succeeded")

    job = await job_of(peek, job_id)
    assert (job.status, job.attempt, job.result) == (Status.SUCCEEDED, 1, {"text": "second worker"})
    types = await peek.types(job_id)
    assert types.count("job.succeeded") == 1
    assert [e.payload["attempt"] for e in await peek.events(job_id) if e.type == "job.started"] == [
        1,
        1,
    ]
