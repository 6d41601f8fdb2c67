"""JobQueue on both engines: claim (and its races), heartbeat, progress, finish, retry, release."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.db.tables import jobs, workers
from foodscan.errors import LeaseLost
from foodscan.jobs import sql
from foodscan.jobs.queue import JobQueue, Lease
from foodscan.jobs.states import Status, can_transition
from foodscan.jobs.store import JobStore
from foodscan.settings import Settings

KINDS = ["receipt", "products", "recipe"]
T = TypeVar("T")


async def claimed(queue: JobQueue, kinds: list[str] | None = None) -> Lease:
    lease = await queue.claim(kinds or KINDS)
    assert lease is not None
    return lease


# ---- claim ------------------------------------------------------------------------------------


async def test_claim_takes_the_oldest_job_and_appends_started(
    job_factory, queue: JobQueue, peek, settings: Settings
) -> None:
    first = await job_factory()
    await job_factory()

    lease = await claimed(queue)

    assert lease.job.id == first.job.id
    job = await peek.job(first.job.id)
    assert job is not None
    assert job.status == Status.RUNNING
    assert (job.attempt, job.lease_owner, job.lease_token) == (1, "worker-1", lease.token)
    assert job.started_at is not None
    assert job.lease_expires_at == job.started_at + timedelta(seconds=settings.lease_s)
    events = await peek.events(first.job.id)
    assert [e.type for e in events] == ["job.queued", "job.started"]
    assert events[1].payload["attempt"] == 1


async def test_claim_with_nothing_runnable_returns_none(job_factory, queue: JobQueue) -> None:
    assert await queue.claim(KINDS) is None
    await job_factory(kind="recipe")
    assert await queue.claim(["receipt", "products"]) is None
    assert await queue.claim(["recipe"]) is not None
    assert await queue.claim(KINDS) is None


async def test_paid_lane_is_claimed_before_older_free_jobs(job_factory, queue: JobQueue) -> None:
    free = await job_factory(lane="free", user_id="bob")
    paid = await job_factory(lane="paid", user_id="carol")
    assert (await claimed(queue)).job.id == paid.job.id
    assert (await claimed(queue)).job.id == free.job.id


async def test_two_claimers_racing_for_one_job_exactly_one_wins(
    job_factory, queue_factory, engine_factory, peek
) -> None:
    first = queue_factory("worker-a", engine_factory())
    second = queue_factory("worker-b", engine_factory())
    winners: list[str] = []
    for _ in range(25):
        view = await job_factory()
        leases = await asyncio.gather(first.claim(KINDS), second.claim(KINDS))
        won = [lease for lease in leases if lease is not None]
        assert len(won) == 1
        assert won[0].job.id == view.job.id
        winners.append(won[0].job.lease_owner or "")
        assert await peek.types(view.job.id) == ["job.queued", "job.started"]
    assert set(winners) <= {"worker-a", "worker-b"}


async def test_many_claimers_claim_each_job_exactly_once(
    job_factory, queue_factory, engine_factory, peek
) -> None:
    submitted = {(await job_factory(user_id=f"user-{i % 5}")).job.id for i in range(40)}
    claimers = [queue_factory(f"worker-{i}", engine_factory()) for i in range(4)]

    async def drain(queue: JobQueue) -> list[str]:
        taken = []
        while (lease := await queue.claim(KINDS)) is not None:
            taken.append(lease.job.id)
        return taken

    taken = [job_id for batch in await asyncio.gather(*map(drain, claimers)) for job_id in batch]

    assert len(taken) == len(submitted)
    assert set(taken) == submitted
    for job_id in submitted:
        job = await peek.job(job_id)
        assert job is not None
        assert (job.status, job.attempt) == (Status.RUNNING, 1)
        assert (await peek.types(job_id)).count("job.started") == 1


@pytest.mark.postgresql_only  # SKIP LOCKED; SQLite serialises writers instead
async def test_claim_skips_a_job_locked_by_another_transaction(
    engine: AsyncEngine, job_factory, queue: JobQueue, engine_factory
) -> None:
    locked = await job_factory()
    free = await job_factory()
    other = engine_factory()
    async with other.begin() as conn:
        await conn.execute(sa.select(jobs.c.id).where(jobs.c.id == locked.job.id).with_for_update())
        lease = await asyncio.wait_for(queue.claim(KINDS), timeout=5)
    assert lease is not None
    assert lease.job.id == free.job.id


# ---- progress and finish ----------------------------------------------------------------------


async def test_progress_records_the_step_and_appends_an_event(
    job_factory, queue: JobQueue, peek
) -> None:
    view = await job_factory()
    lease = await claimed(queue)
    await queue.progress(lease, "ocr", 40, "Reading text (page 1 of 2)")

    job = await peek.job(view.job.id)
    assert job is not None
    assert (job.step, job.progress) == ("ocr", 40)
    event = (await peek.events(view.job.id))[-1]
    assert event.type == "job.progress"
    assert {k: event.payload[k] for k in ("kind", "step", "progress", "message")} == {
        "kind": "receipt",
        "step": "ocr",
        "progress": 40,
        "message": "Reading text (page 1 of 2)",
    }


async def test_succeed_stores_the_result_and_clears_the_lease(
    job_factory, queue: JobQueue, peek
) -> None:
    view = await job_factory()
    lease = await claimed(queue)
    await queue.progress(lease, "parse", 80, "parsing")
    await queue.succeed(lease, {"total": "41.20", "currency": "PLN"})

    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.SUCCEEDED
    assert job.result == {"total": "41.20", "currency": "PLN"}
    assert job.progress == 100
    assert (job.lease_owner, job.lease_token, job.lease_expires_at) == (None, None, None)
    assert job.finished_at is not None
    assert job.terminal
    event = (await peek.events(view.job.id))[-1]
    assert (event.type, event.payload["result"]) == ("job.succeeded", job.result)
    assert event.terminal


async def test_fail_stores_the_error_code(job_factory, queue: JobQueue, peek) -> None:
    view = await job_factory()
    lease = await claimed(queue)
    await queue.fail(lease, "unreadable_file", "the photo could not be decoded")

    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.FAILED
    assert job.error == {"code": "unreadable_file", "message": "the photo could not be decoded"}
    assert job.result is None
    event = (await peek.events(view.job.id))[-1]
    assert (event.type, event.payload["error"]) == ("job.failed", job.error)


async def test_a_finished_job_refuses_a_second_finish(job_factory, queue: JobQueue, peek) -> None:
    view = await job_factory()
    lease = await claimed(queue)
    await queue.succeed(lease, {"n": 1})
    with pytest.raises(LeaseLost):
        await queue.succeed(lease, {"n": 2})
    with pytest.raises(LeaseLost):
        await queue.fail(lease, "x", "y")
    with pytest.raises(LeaseLost):
        await queue.progress(lease, "ocr", 10, "late")
    job = await peek.job(view.job.id)
    assert job is not None
    assert (job.status, job.result) == (Status.SUCCEEDED, {"n": 1})
    assert await peek.types(view.job.id) == ["job.queued", "job.started", "job.succeeded"]


async def test_concurrent_finishes_of_one_lease_end_it_once(
    job_factory, queue_factory, engine_factory, peek
) -> None:
    view = await job_factory()
    first = queue_factory("worker-a", engine_factory())
    second = queue_factory("worker-a", engine_factory())
    lease = await claimed(first)
    outcomes = await asyncio.gather(
        first.succeed(lease, {"by": "first"}),
        second.fail(lease, "x", "by second"),
        return_exceptions=True,
    )
    assert sum(isinstance(o, LeaseLost) for o in outcomes) == 1
    types = await peek.types(view.job.id)
    assert sum(t in {"job.succeeded", "job.failed"} for t in types) == 1


# ---- heartbeat --------------------------------------------------------------------------------


async def test_heartbeat_extends_only_this_workers_leases(
    job_factory, queue_factory, peek, clock, settings: Settings
) -> None:
    mine = queue_factory("worker-a")
    theirs = queue_factory("worker-b")
    await job_factory()
    await job_factory()
    my_lease = await claimed(mine)
    their_lease = await claimed(theirs)

    later = clock.advance(10)
    held = await mine.heartbeat()

    assert [(h.job_id, h.token, h.cancel_requested) for h in held] == [
        (my_lease.job.id, my_lease.token, False)
    ]
    renewed = await peek.job(my_lease.job.id)
    untouched = await peek.job(their_lease.job.id)
    assert renewed is not None
    assert untouched is not None
    assert renewed.lease_expires_at is not None
    assert renewed.lease_expires_at >= later + timedelta(seconds=settings.lease_s)
    assert untouched.lease_expires_at == their_lease.job.lease_expires_at


async def test_heartbeat_without_jobs_holds_nothing(queue: JobQueue) -> None:
    await queue.register(KINDS, concurrency=2)
    assert await queue.heartbeat() == []


# ---- retry_or_fail ----------------------------------------------------------------------------


async def test_transient_failure_requeues_after_a_backoff(
    job_factory, queue: JobQueue, peek, clock, settings: Settings
) -> None:
    view = await job_factory()
    lease = await claimed(queue)
    before = clock.now()

    assert await queue.retry_or_fail(lease, "provider_timeout", "the model timed out") is True

    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.QUEUED
    assert job.lease_token is None
    assert job.error == {"code": "provider_timeout", "message": "the model timed out"}
    policy = settings.policy("receipt")
    assert job.run_at > before
    assert job.run_at - before >= timedelta(seconds=policy.backoff_base_s / 2)
    event = (await peek.events(view.job.id))[-1]
    assert event.type == "job.retrying"
    assert event.payload["attempt"] == 1
    assert event.payload["error"] == job.error
    assert event.payload["retry_at"].endswith("Z")

    assert await queue.claim(KINDS) is None
    clock.advance(policy.backoff_base_s + 0.01)
    again = await claimed(queue)
    assert again.job.id == view.job.id
    assert again.job.attempt == 2


async def test_transient_failure_on_the_last_attempt_fails_the_job(
    job_factory, queue: JobQueue, peek, clock, settings: Settings
) -> None:
    view = await job_factory()
    attempts = settings.policy("receipt").max_attempts
    outcomes = []
    for _ in range(attempts):
        lease = await claimed(queue)
        outcomes.append(await queue.retry_or_fail(lease, "http_503", "provider unavailable"))
        clock.advance(settings.policy("receipt").backoff_max_s + 1)

    assert outcomes == [True] * (attempts - 1) + [False]
    job = await peek.job(view.job.id)
    assert job is not None
    assert (job.status, job.attempt) == (Status.FAILED, attempts)
    assert job.error == {"code": "http_503", "message": "provider unavailable"}
    types = await peek.types(view.job.id)
    assert types.count("job.retrying") == attempts - 1
    assert types[-1] == "job.failed"
    assert await queue.claim(KINDS) is None


async def test_retry_or_fail_with_a_lost_lease_changes_nothing(
    job_factory, queue: JobQueue, peek
) -> None:
    view = await job_factory()
    lease = await claimed(queue)
    await queue.succeed(lease, {})
    with pytest.raises(LeaseLost):
        await queue.retry_or_fail(lease, "x", "y")
    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.SUCCEEDED


# ---- release ----------------------------------------------------------------------------------


async def test_release_gives_the_job_back_without_counting_the_attempt(
    job_factory, queue: JobQueue, queue_factory, peek
) -> None:
    view = await job_factory()
    lease = await claimed(queue)
    await queue.progress(lease, "ocr", 30, "reading")
    await queue.release(lease)

    job = await peek.job(view.job.id)
    assert job is not None
    assert (job.status, job.attempt, job.step, job.progress) == (Status.QUEUED, 0, None, 0)
    assert job.lease_token is None
    with pytest.raises(LeaseLost):
        await queue.release(lease)

    again = await claimed(queue_factory("worker-2"))
    assert again.job.id == view.job.id
    assert again.job.attempt == 1


async def test_release_wakes_a_waiting_worker(job_factory, queue: JobQueue, bus) -> None:
    await job_factory()
    lease = await claimed(queue)
    await bus.wait_for_job(0)  # clear the submit's wake-up
    waiter = asyncio.create_task(bus.wait_for_job(within=60))
    await queue.release(lease)
    await asyncio.wait_for(waiter, timeout=5)


# ---- registry ---------------------------------------------------------------------------------


async def test_register_and_deregister_a_worker(queue: JobQueue, engine: AsyncEngine) -> None:
    await queue.register(["receipt"], concurrency=3)
    await queue.register(["receipt", "recipe"], concurrency=4)  # a restart refreshes the row
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(workers))).all()
    assert [(r.id, r.concurrency, r.kinds) for r in rows] == [
        ("worker-1", 4, ["receipt", "recipe"])
    ]
    await queue.deregister()
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(workers))).all() == []


async def test_cancel_requested_ids_lists_only_this_workers_flagged_jobs(
    store: JobStore, job_factory, queue_factory, engine: AsyncEngine
) -> None:
    mine, theirs = queue_factory("worker-a"), queue_factory("worker-b")
    flagged = await job_factory()
    unflagged = await job_factory()
    other = await job_factory()
    await claimed(mine)
    await claimed(mine)
    await claimed(theirs)
    await store.cancel("alice", flagged.job.id)
    await store.cancel("alice", other.job.id)

    async with engine.connect() as conn:
        assert await sql.cancel_requested_ids(conn, "worker-a") == [flagged.job.id]
        assert await sql.cancel_requested_ids(conn, "worker-b") == [other.job.id]
        any_owner = await sql.get_job(conn, unflagged.job.id)
    assert any_owner is not None
    assert any_owner.cancel_requested is False


async def test_queue_depth_counts_queued_jobs_per_lane(
    job_factory, queue: JobQueue, engine: AsyncEngine
) -> None:
    async with engine.connect() as conn:
        assert await sql.queue_depth(conn) == {}
    for lane in ("paid", "free", "free", "free"):
        await job_factory(lane=lane)
    await claimed(queue)  # takes the paid one
    async with engine.connect() as conn:
        assert await sql.queue_depth(conn) == {"free": 3}


# ---- the state machine ------------------------------------------------------------------------


async def test_every_transition_the_store_and_queue_make_is_in_the_table(
    store: JobStore, job_factory, queue: JobQueue, peek, clock
) -> None:
    observed: list[tuple[Status, Status]] = []

    async def track(job_id: str, action: Awaitable[T]) -> T:
        before = await peek.job(job_id)
        outcome = await action
        after = await peek.job(job_id)
        observed.append((before.status, after.status))
        return outcome

    job_id = (await job_factory()).job.id
    lease = await track(job_id, queue.claim(KINDS))
    assert lease is not None
    await track(job_id, queue.retry_or_fail(lease, "t", "transient"))
    clock.advance(60)
    lease = await track(job_id, queue.claim(KINDS))
    assert lease is not None
    await track(job_id, queue.fail(lease, "p", "permanent"))
    await track(job_id, store.retry("alice", job_id))
    await track(job_id, store.cancel("alice", job_id))
    await track(job_id, store.retry("alice", job_id))
    lease = await track(job_id, queue.claim(KINDS))
    assert lease is not None
    await track(job_id, queue.release(lease))
    lease = await track(job_id, queue.claim(KINDS))
    assert lease is not None
    await track(job_id, queue.cancelled(lease))
    await track(job_id, store.retry("alice", job_id))
    lease = await track(job_id, queue.claim(KINDS))
    assert lease is not None
    await track(job_id, queue.succeed(lease, {}))

    assert all(can_transition(a, b) for a, b in observed), observed
    assert set(observed) == {
        (Status.QUEUED, Status.RUNNING),
        (Status.RUNNING, Status.QUEUED),
        (Status.RUNNING, Status.FAILED),
        (Status.FAILED, Status.QUEUED),
        (Status.QUEUED, Status.CANCELLED),
        (Status.CANCELLED, Status.QUEUED),
        (Status.RUNNING, Status.CANCELLED),
        (Status.RUNNING, Status.SUCCEEDED),
    }


# ---- a cancel request outlives the way back to the queue ---------------------------------------


async def test_a_transient_failure_of_a_job_asked_to_cancel_ends_it_cancelled(
    job_factory, queue: JobQueue, store: JobStore, peek
) -> None:
    view = await job_factory()
    lease = await claimed(queue)
    await store.cancel("alice", view.job.id)

    assert await queue.retry_or_fail(lease, "transient", "provider timeout") is False

    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.CANCELLED
    assert (await peek.types(view.job.id))[-1] == "job.cancelled"
    assert await queue.claim(KINDS) is None


async def test_releasing_a_job_asked_to_cancel_ends_it_cancelled(
    job_factory, queue: JobQueue, store: JobStore, peek
) -> None:
    view = await job_factory()
    lease = await claimed(queue)
    await store.cancel("alice", view.job.id)

    await queue.release(lease)

    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.CANCELLED
    assert (await peek.types(view.job.id))[-2:] == ["job.started", "job.cancelled"]


async def test_heartbeat_with_tokens_renews_only_those_leases(
    job_factory, queue: JobQueue, peek
) -> None:
    first, second = await job_factory(), await job_factory()
    kept, dropped = await claimed(queue), await claimed(queue)
    before = await peek.job(second.job.id)
    assert before is not None

    held = await queue.heartbeat([kept.token])

    assert [h.job_id for h in held] == [kept.job.id]
    after = await peek.job(dropped.job.id)
    assert after is not None
    assert after.lease_expires_at == before.lease_expires_at
    assert {first.job.id, second.job.id} == {kept.job.id, dropped.job.id}
