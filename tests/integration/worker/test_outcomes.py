"""Each way a job ends on a real Worker: success with its progress, permanent and transient
errors, unexpected exceptions and the time limit. Test pipelines only; waits are conditions.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from foodscan.errors import TransientError, UnreadableFile
from foodscan.events.bus import LocalBus
from foodscan.jobs.states import Status
from foodscan.settings import Settings
from tests.integration.worker.support import (
    Blocker,
    Submit,
    ThreadBlocker,
    Watch,
    WorkerFactory,
    failing,
    job_of,
    pipeline,
    result,
    stamp,
    step,
    with_policy,
)

# ---- success ----------------------------------------------------------------------------------


async def test_a_submitted_job_is_woken_at_once_and_reports_each_step_in_order(
    *,
    worker_factory: WorkerFactory,
    submit: Submit,
    watch: Watch,
    peek: Any,
    bus: LocalBus,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One slot and a poll far longer than the test: only the bus's wake-up can start the job.
    await bus.wait_for_job(0)  # drop the wake-up a (re)connect gives
    idle_slot = asyncio.Event()
    wait_for_job = bus.wait_for_job

    async def wait_and_tell(within: float) -> None:
        idle_slot.set()
        await wait_for_job(within)

    monkeypatch.setattr(bus, "wait_for_job", wait_and_tell)
    await worker_factory(
        pipeline(
            step("fetch", result("ignored"), weight=1),
            step("read", result("ignored"), weight=2),
            step("parse", result("parsed"), weight=1),
        ),
        settings=settings.model_copy(update={"poll_s": 60.0, "worker_concurrency": 1}),
    )
    await asyncio.wait_for(idle_slot.wait(), 10)  # it found nothing and waits

    submitted = time.monotonic()
    job_id = await submit()
    started = await watch.until(job_id, "job.started")
    await watch.until(job_id, "job.succeeded")

    assert started.at - submitted < 1.0
    events = await peek.events(job_id)
    assert [e.type for e in events] == [
        "job.queued",
        "job.started",
        "job.progress",
        "job.progress",
        "job.progress",
        "job.succeeded",
    ]
    progress = [
        (e.payload["step"], e.payload["progress"], e.payload["message"])
        for e in events
        if e.type == "job.progress"
    ]
    assert progress == [
        ("fetch", 0, "fetch running"),
        ("read", 25, "read running"),
        ("parse", 75, "parse running"),
    ]
    assert events[-1].payload["result"] == {"text": "parsed"}
    assert [e.id for e in watch.of(job_id)] == [e.id for e in events]
    job = await job_of(peek, job_id)
    assert (job.status, job.progress, job.attempt, job.result) == (
        Status.SUCCEEDED,
        100,
        1,
        {"text": "parsed"},
    )
    assert job.lease_owner is None


# ---- errors -----------------------------------------------------------------------------------


async def test_a_permanent_error_fails_the_job_at_once_with_its_code(
    *, worker_factory: WorkerFactory, submit: Submit, watch: Watch, peek: Any
) -> None:
    runs, run = failing(UnreadableFile("the image is damaged"))
    await worker_factory(pipeline(step("decode", run)))

    job_id = await submit()
    failed = await watch.until(job_id, "job.failed")

    assert failed.record.payload["error"] == {
        "code": "unreadable_file",
        "message": "the image is damaged",
    }
    assert await peek.types(job_id) == ["job.queued", "job.started", "job.progress", "job.failed"]
    job = await job_of(peek, job_id)
    assert (job.status, job.attempt, job.error) == (
        Status.FAILED,
        1,
        {"code": "unreadable_file", "message": "the image is damaged"},
    )
    assert runs == [1]


async def test_a_transient_error_is_retried_with_backoff_until_it_succeeds(
    *, worker_factory: WorkerFactory, submit: Submit, watch: Watch, peek: Any
) -> None:
    runs, run = failing(TransientError("the OCR service is busy"), times=2)
    await worker_factory(pipeline(step("ocr", run)))

    job_id = await submit()
    await watch.until(job_id, "job.succeeded")

    events = await peek.events(job_id)
    assert [e.type for e in events if e.type != "job.progress"] == [
        "job.queued",
        "job.started",
        "job.retrying",
        "job.started",
        "job.retrying",
        "job.started",
        "job.succeeded",
    ]
    retrying = [e.payload for e in events if e.type == "job.retrying"]
    assert [(p["attempt"], p["error"]["code"]) for p in retrying] == [
        (1, "transient"),
        (2, "transient"),
    ]
    started = [e for e in events if e.type == "job.started"]
    assert [e.payload["attempt"] for e in started] == [1, 2, 3]
    retries = [e for e in events if e.type == "job.retrying"]
    delays = [stamp(e.payload["retry_at"]) - stamp(e.payload["timestamp"]) for e in retries]
    # backoff_base_s=0.05 doubling, with equal jitter: [0.025, 0.05] then [0.05, 0.1] (+- 1 ms).
    ms = timedelta(milliseconds=1)
    assert timedelta(seconds=0.025) - ms <= delays[0] <= timedelta(seconds=0.05) + ms
    assert timedelta(seconds=0.05) - ms <= delays[1] <= timedelta(seconds=0.1) + ms
    for retry, again in zip(retries, started[1:], strict=True):
        # Never claimed before its backoff ran out.
        assert stamp(again.payload["timestamp"]) >= stamp(retry.payload["retry_at"])
    job = await job_of(peek, job_id)
    assert (job.status, job.attempt, job.result) == (Status.SUCCEEDED, 3, {"text": "run 3"})
    assert runs == [1, 2, 3]


async def test_a_database_error_while_recording_success_is_not_taken_for_a_crash(
    *,
    worker_factory: WorkerFactory,
    submit: Submit,
    watch: Watch,
    peek: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker = await worker_factory(pipeline(step("parse", result("parsed"))))
    succeed = worker.queue.succeed
    calls = 0

    async def succeed_after_a_lost_connection(lease: Any, outcome: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OperationalError("COMMIT", {}, ConnectionError("the database went away"))
        return await succeed(lease, outcome)

    monkeypatch.setattr(worker.queue, "succeed", succeed_after_a_lost_connection)

    job_id = await submit()
    await watch.until(job_id, "job.succeeded")

    # Not retried as "internal" nor failed: the lease ran out and the job was rescued.
    events = await peek.events(job_id)
    retrying = [e.payload["error"]["code"] for e in events if e.type == "job.retrying"]
    assert retrying == ["lease_expired"]
    assert "job.failed" not in [e.type for e in events]
    job = await job_of(peek, job_id)
    assert (job.status, job.result) == (Status.SUCCEEDED, {"text": "parsed"})
    assert calls == 2


async def test_a_transient_error_fails_the_job_after_max_attempts(
    *, worker_factory: WorkerFactory, submit: Submit, watch: Watch, peek: Any
) -> None:
    runs, run = failing(TransientError("the OCR service is busy"))
    await worker_factory(pipeline(step("ocr", run)))

    job_id = await submit()
    failed = await watch.until(job_id, "job.failed")

    assert failed.record.payload["error"]["code"] == "transient"
    types = [t for t in await peek.types(job_id) if t != "job.progress"]
    assert types == [
        "job.queued",
        *["job.started", "job.retrying"] * 2,
        "job.started",
        "job.failed",
    ]
    job = await job_of(peek, job_id)
    assert (job.status, job.attempt, job.max_attempts) == (Status.FAILED, 3, 3)
    assert runs == [1, 2, 3]


async def test_an_unexpected_exception_is_retried_as_internal(
    *, worker_factory: WorkerFactory, submit: Submit, watch: Watch, peek: Any
) -> None:
    runs, run = failing(RuntimeError("a bug in the parser"), times=1)
    await worker_factory(pipeline(step("parse", run)))

    job_id = await submit()
    retrying = await watch.until(job_id, "job.retrying")
    await watch.until(job_id, "job.succeeded")

    assert retrying.record.payload["attempt"] == 1
    assert retrying.record.payload["error"] == {
        "code": "internal",
        "message": "RuntimeError('a bug in the parser')",
    }
    job = await job_of(peek, job_id)
    assert (job.status, job.attempt, job.result) == (Status.SUCCEEDED, 2, {"text": "run 2"})
    assert runs == [1, 2]


# ---- time limit -------------------------------------------------------------------------------


async def test_the_time_limit_cancels_the_running_step_and_fails_with_timeout(
    *,
    worker_factory: WorkerFactory,
    submit: Submit,
    watch: Watch,
    peek: Any,
    settings: Settings,
    blocker: Blocker,
) -> None:
    await worker_factory(
        pipeline(step("wait", blocker), step("after", result())),
        settings=with_policy(settings, time_limit_s=0.3),
    )

    job_id = await submit()
    started = await watch.until(job_id, "job.started")
    failed = await watch.until(job_id, "job.failed")

    assert 0.3 <= failed.at - started.at < 1.3
    assert failed.record.payload["error"]["code"] == "timeout"
    assert (blocker.cancelled, blocker.resumed) == (True, False)
    assert await peek.types(job_id) == ["job.queued", "job.started", "job.progress", "job.failed"]
    job = await job_of(peek, job_id)
    assert (job.status, job.attempt, job.step) == (Status.FAILED, 1, "wait")


async def test_the_time_limit_does_not_wait_for_a_step_blocked_in_a_pool_thread(
    *,
    worker_factory: WorkerFactory,
    submit: Submit,
    watch: Watch,
    peek: Any,
    settings: Settings,
    thread_blocker: ThreadBlocker,
) -> None:
    await worker_factory(
        pipeline(step("ocr", thread_blocker)), settings=with_policy(settings, time_limit_s=0.3)
    )

    job_id = await submit()
    failed = await watch.until(job_id, "job.failed")

    assert failed.record.payload["error"]["code"] == "timeout"
    assert not thread_blocker.thread_done.is_set()  # the thread still runs; the job is over
    thread_blocker.release.set()
    assert await asyncio.to_thread(thread_blocker.thread_done.wait, 5)
    # The thread's late result is dropped: the step never resumes, the job stays failed.
    assert (thread_blocker.cancelled, thread_blocker.resumed) == (True, False)
    assert (await job_of(peek, job_id)).status == Status.FAILED
    assert await peek.types(job_id) == ["job.queued", "job.started", "job.progress", "job.failed"]
