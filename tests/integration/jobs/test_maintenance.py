"""Maintenance on both engines: lease rescue (and stale workers), retention purge, dead workers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.blobs import BlobStore, LocalBlobStore
from foodscan.db.tables import workers
from foodscan.errors import InvalidTransition, LeaseLost, NotFound
from foodscan.events.bus import LocalBus
from foodscan.jobs.job import InputFile
from foodscan.jobs.maintenance import Maintenance
from foodscan.jobs.queue import JobQueue, Lease
from foodscan.jobs.states import Status
from foodscan.jobs.store import JobStore
from foodscan.settings import Settings

KINDS = ["receipt", "products", "recipe"]
DAY_S = 86_400.0


async def claimed(queue: JobQueue) -> Lease:
    lease = await queue.claim(KINDS)
    assert lease is not None
    return lease


@pytest.fixture
def expire(maintenance: Maintenance, clock, settings: Settings) -> Callable[[], Awaitable[int]]:
    """``await expire()``: let every current lease run out, then run the rescuer at that moment."""

    async def run() -> int:
        return await maintenance.rescue(now=clock.advance(settings.lease_s + 1))

    return run


# ---- lease rescue -----------------------------------------------------------------------------


async def test_expired_lease_is_requeued_for_another_worker(
    job_factory, queue_factory, expire, peek
) -> None:
    view = await job_factory()
    first = queue_factory("worker-a")
    await claimed(first)

    assert await expire() == 1

    job = await peek.job(view.job.id)
    assert job is not None
    assert (job.status, job.rescues, job.attempt) == (Status.QUEUED, 1, 1)
    assert (job.lease_owner, job.lease_token, job.lease_expires_at) == (None, None, None)
    event = (await peek.events(view.job.id))[-1]
    assert event.type == "job.retrying"
    assert event.payload["error"]["code"] == "lease_expired"
    second = await claimed(queue_factory("worker-b"))
    assert second.job.id == view.job.id
    assert (second.job.attempt, second.job.lease_owner) == (2, "worker-b")


async def test_stale_workers_late_writes_are_refused_and_change_nothing(
    job_factory, queue_factory, expire, peek
) -> None:
    view = await job_factory()
    stale_queue = queue_factory("worker-a")
    live_queue = queue_factory("worker-b")
    stale = await claimed(stale_queue)
    await stale_queue.progress(stale, "ocr", 20, "reading")
    await expire()
    live = await claimed(live_queue)
    await live_queue.progress(live, "read", 10, "opening")
    before = await peek.job(view.job.id)
    events_before = await peek.types(view.job.id)

    for late_write in (
        stale_queue.progress(stale, "parse", 90, "late"),
        stale_queue.succeed(stale, {"from": "stale"}),
        stale_queue.fail(stale, "x", "late failure"),
        stale_queue.cancelled(stale),
        stale_queue.retry_or_fail(stale, "x", "late retry"),
        stale_queue.release(stale),
    ):
        with pytest.raises(LeaseLost):
            await late_write
    assert await stale_queue.heartbeat() == []

    assert await peek.job(view.job.id) == before
    assert await peek.types(view.job.id) == events_before
    await live_queue.succeed(live, {"from": "live"})
    job = await peek.job(view.job.id)
    assert job is not None
    assert (job.status, job.result) == (Status.SUCCEEDED, {"from": "live"})


async def test_live_lease_is_not_rescued(
    job_factory, queue: JobQueue, maintenance: Maintenance, peek, clock
) -> None:
    view = await job_factory()
    await claimed(queue)
    assert await maintenance.rescue(now=clock.now()) == 0
    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.RUNNING


async def test_heartbeat_keeps_a_lease_from_expiring(
    job_factory, queue: JobQueue, maintenance: Maintenance, peek, clock
) -> None:
    settings = queue.settings
    view = await job_factory()
    lease = await claimed(queue)
    clock.advance(settings.lease_s * 0.75)
    await queue.heartbeat()
    past_first_lease = clock.advance(settings.lease_s * 0.75)
    assert lease.job.lease_expires_at is not None
    assert past_first_lease > lease.job.lease_expires_at

    assert await maintenance.rescue(now=past_first_lease) == 0
    job = await peek.job(view.job.id)
    assert job is not None
    assert (job.status, job.lease_token) == (Status.RUNNING, lease.token)


async def test_rescue_is_bounded_by_max_rescues_then_the_job_fails_lost(
    job_factory, queue: JobQueue, expire, peek, settings: Settings
) -> None:
    view = await job_factory()
    for rescue in range(1, settings.max_rescues + 1):
        await claimed(queue)
        assert await expire() == 1
        job = await peek.job(view.job.id)
        assert job is not None
        assert (job.status, job.rescues) == (Status.QUEUED, rescue)

    await claimed(queue)
    assert await expire() == 1

    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.FAILED
    assert job.error is not None
    assert job.error["code"] == "lost"
    assert job.finished_at is not None
    assert job.lease_token is None
    types = await peek.types(view.job.id)
    assert types.count("job.retrying") == settings.max_rescues
    assert types[-1] == "job.failed"
    assert (await peek.events(view.job.id))[-1].payload["error"]["code"] == "lost"
    assert await queue.claim(KINDS) is None


async def test_expired_lease_of_a_job_asked_to_cancel_ends_cancelled(
    store: JobStore, job_factory, queue: JobQueue, expire, peek
) -> None:
    view = await job_factory()
    await claimed(queue)
    await store.cancel("alice", view.job.id)

    await expire()

    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.CANCELLED
    assert job.lease_token is None
    assert (await peek.types(view.job.id))[-1] == "job.cancelled"


async def test_rescue_publishes_after_commit_and_wakes_workers(
    job_factory, queue: JobQueue, expire, bus: LocalBus
) -> None:
    view = await job_factory()
    await claimed(queue)
    await bus.wait_for_job(0)
    with bus.hub.subscribe(user_id="alice", job_id=view.job.id) as sub:
        await expire()
        record = await sub.get(within=5)
    assert record is not None
    assert record.type == "job.retrying"
    await bus.wait_for_job(0.01)  # returns at once: the wake-up is already set


async def test_rescue_of_many_jobs_in_one_pass(job_factory, queue_factory, expire, peek) -> None:
    ids = [(await job_factory()).job.id for _ in range(5)]
    for index in range(5):
        await claimed(queue_factory(f"worker-{index}"))
    assert await expire() == 5
    for job_id in ids:
        job = await peek.job(job_id)
        assert job is not None
        assert job.status == Status.QUEUED


# ---- retention --------------------------------------------------------------------------------


async def stored_input(blobs: LocalBlobStore, index: int = 0) -> InputFile:
    key = await blobs.put(b"\xff\xd8 fake jpeg %d" % index, suffix=".jpg")
    return InputFile(
        blob_key=key, sha256=f"{index:064x}", media_type="image/jpeg", size=16, name="r.jpg"
    )


async def test_purge_removes_old_uploads_and_old_jobs_and_keeps_recent_ones(
    *,
    store: JobStore,
    job_factory,
    queue: JobQueue,
    maintenance: Maintenance,
    blobs: LocalBlobStore,
    peek,
    clock,
) -> None:
    old_file = await stored_input(blobs, 0)
    old = await job_factory(inputs=[old_file])
    await queue.fail(await claimed(queue), "no_text", "nothing to read")
    unfinished_files = [await stored_input(blobs, 1), await stored_input(blobs, 2)]
    running = await job_factory(inputs=[unfinished_files[0]])
    await claimed(queue)
    waiting = await job_factory(kind="recipe", inputs=[unfinished_files[1]])

    clock.advance(2 * DAY_S)
    recent_file = await stored_input(blobs, 3)
    recent = await job_factory(inputs=[recent_file])
    lease = await queue.claim(["receipt"])
    assert lease is not None
    assert lease.job.id == recent.job.id
    await queue.succeed(lease, {})

    assert await maintenance.purge(now=clock.now()) == (1, 0)

    assert not await blobs.exists(old_file.blob_key)
    assert await blobs.exists(recent_file.blob_key)
    assert all([await blobs.exists(f.blob_key) for f in unfinished_files])
    old_job = await peek.job(old.job.id)
    assert old_job is not None
    assert old_job.inputs_purged_at is not None
    for job_id in (recent.job.id, running.job.id, waiting.job.id):
        job = await peek.job(job_id)
        assert job is not None
        assert job.inputs_purged_at is None
    with pytest.raises(InvalidTransition, match="purged"):
        await store.retry("alice", old.job.id)
    assert await maintenance.purge(now=clock.now()) == (0, 0)

    clock.advance(29 * DAY_S)  # the old job finished 31 days ago, the recent one 29
    assert await maintenance.purge(now=clock.now()) == (1, 1)

    assert await peek.job(old.job.id) is None
    assert await peek.events(old.job.id) == []
    with pytest.raises(NotFound):
        await store.get("alice", old.job.id)
    assert not await blobs.exists(recent_file.blob_key)
    kept = await peek.job(recent.job.id)
    assert kept is not None
    assert kept.inputs_purged_at is not None
    assert await peek.types(recent.job.id) == ["job.queued", "job.started", "job.succeeded"]
    assert all([await blobs.exists(f.blob_key) for f in unfinished_files])
    assert await peek.job(running.job.id) is not None
    assert await peek.job(waiting.job.id) is not None


async def test_purge_with_nothing_old_does_nothing(
    job_factory, queue: JobQueue, maintenance: Maintenance, blobs: LocalBlobStore, clock
) -> None:
    upload = await stored_input(blobs)
    await job_factory(inputs=[upload])
    await queue.succeed(await claimed(queue), {})
    assert await maintenance.purge(now=clock.now()) == (0, 0)
    assert await blobs.exists(upload.blob_key)


# ---- dead workers -----------------------------------------------------------------------------


async def worker_ids(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(workers.c.id).order_by(workers.c.id))).scalars())


async def test_workers_silent_for_several_leases_are_dropped(
    queue_factory, maintenance: Maintenance, engine: AsyncEngine, clock, settings: Settings
) -> None:
    silent = queue_factory("worker-silent")
    alive = queue_factory("worker-alive")
    await silent.register(KINDS, 1)
    await alive.register(KINDS, 1)
    clock.advance(settings.lease_s * 3 + 1)
    await alive.heartbeat()

    await maintenance.drop_dead_workers(now=clock.now())

    assert await worker_ids(engine) == ["worker-alive"]


async def test_run_once_leaves_live_work_alone(
    job_factory, bus: LocalBus, blobs: LocalBlobStore, peek, engine: AsyncEngine
) -> None:
    # run_once reads the real clock, so this lease must outlast the test.
    settings = Settings(data_dir=blobs.root, lease_s=600)
    queue = JobQueue(engine, bus, settings, worker_id="worker-1")
    await queue.register(KINDS, 1)
    view = await job_factory()
    await claimed(queue)
    await Maintenance(engine, bus, blobs, settings).run_once()
    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.RUNNING
    assert await worker_ids(engine) == ["worker-1"]


async def test_a_dropped_worker_that_is_still_alive_reappears_on_its_next_heartbeat(
    queue: JobQueue, maintenance: Maintenance, engine: AsyncEngine, clock, settings: Settings
) -> None:
    await queue.register(["receipt"], 3)
    await maintenance.drop_dead_workers(now=clock.advance(settings.lease_s * 3 + 1))
    assert await worker_ids(engine) == []

    await queue.heartbeat()

    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(workers))).all()
    assert [(r.id, r.concurrency, r.kinds) for r in rows] == [("worker-1", 3, ["receipt"])]


# ---- purge racing a user's retry --------------------------------------------------------------


def as_blob_store(racing: RetryDuringDelete) -> BlobStore:
    """The racing store as the ``BlobStore`` it stands in for (purge calls only ``delete``)."""
    return cast(BlobStore, racing)  # cast: it implements the one method the purge uses


class RetryDuringDelete:
    """A blob store whose ``delete`` first lets the user retry the job: a request mid-purge."""

    def __init__(self, inner: LocalBlobStore, store: JobStore, job_id: str) -> None:
        self.inner = inner
        self.store = store
        self.job_id = job_id
        self.outcomes: list[str] = []

    async def delete(self, key: str) -> None:
        try:
            await self.store.retry("alice", self.job_id)
            self.outcomes.append("queued")
        except (InvalidTransition, NotFound) as exc:
            self.outcomes.append(exc.code)
        await self.inner.delete(key)


async def test_retry_during_upload_purge_never_queues_a_job_without_its_uploads(
    *, store: JobStore, job_factory, queue: JobQueue, blobs: LocalBlobStore, peek, clock
) -> None:
    upload = await stored_input(blobs)
    view = await job_factory(inputs=[upload])
    await queue.fail(await claimed(queue), "no_text", "nothing to read")
    racing = RetryDuringDelete(blobs, store, view.job.id)
    maintenance = Maintenance(peek.engine, store.bus, as_blob_store(racing), store.settings)

    await maintenance.purge(now=clock.advance(2 * DAY_S))

    job = await peek.job(view.job.id)
    assert job is not None
    if racing.outcomes == ["queued"]:
        assert job.status == Status.QUEUED
        assert job.inputs_purged_at is None
        assert await blobs.exists(upload.blob_key)
    else:
        assert racing.outcomes == ["invalid_transition"]
        assert job.status == Status.FAILED
        assert job.inputs_purged_at is not None
        assert not await blobs.exists(upload.blob_key)


async def test_retry_during_job_purge_never_deletes_the_queued_job(
    *, store: JobStore, job_factory, queue: JobQueue, blobs: LocalBlobStore, peek, clock
) -> None:
    upload = await stored_input(blobs)
    view = await job_factory(inputs=[upload])
    await queue.fail(await claimed(queue), "no_text", "nothing to read")
    racing = RetryDuringDelete(blobs, store, view.job.id)
    keep_uploads_longer = Settings(
        data_dir=blobs.root, upload_retention_days=365, job_retention_days=30
    )
    maintenance = Maintenance(peek.engine, store.bus, as_blob_store(racing), keep_uploads_longer)

    await maintenance.purge(now=clock.advance(31 * DAY_S))

    job = await peek.job(view.job.id)
    if racing.outcomes == ["queued"]:
        assert job is not None
        assert job.status == Status.QUEUED
        assert job.inputs_purged_at is None
        assert await blobs.exists(upload.blob_key)
    else:
        assert racing.outcomes == ["not_found"]
        assert job is None
        assert await peek.events(view.job.id) == []
