"""Queue position and ETA on both engines: claim order, lanes, kinds, measured durations."""

from __future__ import annotations

import pytest

from foodscan.jobs.position import FALLBACK_DURATION_S
from foodscan.jobs.queue import JobQueue
from foodscan.jobs.store import JobStore

KINDS = ["receipt", "products", "recipe"]


async def positions(store: JobStore, user_id: str, job_ids: list[str]) -> list[int | None]:
    return [(await store.get(user_id, job_id)).position for job_id in job_ids]


async def test_queued_jobs_report_positions_one_two_three(
    store: JobStore, job_factory, peek
) -> None:
    views = [await job_factory(user_id=f"user-{i}") for i in range(3)]

    assert [v.position for v in views] == [1, 2, 3]
    queued_events = [(await peek.events(v.job.id))[0] for v in views]
    assert [e.payload["position"] for e in queued_events] == [1, 2, 3]
    assert await positions(store, "user-1", [views[1].job.id]) == [2]


async def test_paid_lane_job_goes_before_free_ones(store: JobStore, job_factory) -> None:
    free = [await job_factory(user_id="free-user", lane="free") for _ in range(3)]

    paid = await job_factory(user_id="paid-user", lane="paid")

    assert paid.position == 1
    assert await positions(store, "free-user", [v.job.id for v in free]) == [2, 3, 4]


async def test_positions_move_up_as_jobs_are_claimed(
    store: JobStore, job_factory, queue: JobQueue
) -> None:
    ids = [(await job_factory()).job.id for _ in range(3)]
    await queue.claim(KINDS)
    assert await positions(store, "alice", ids) == [None, 1, 2]


async def test_position_counts_only_jobs_of_the_same_kind(job_factory) -> None:
    for _ in range(3):
        await job_factory(kind="receipt")
    recipe = await job_factory(kind="recipe")
    assert recipe.position == 1


async def test_eta_without_history_uses_the_fallback_per_wave(job_factory, queue: JobQueue) -> None:
    first = await job_factory()
    second = await job_factory()
    assert (first.eta_seconds, second.eta_seconds) == (
        FALLBACK_DURATION_S,
        2 * FALLBACK_DURATION_S,
    )
    await queue.claim(KINDS)
    third = await job_factory()  # one running and one queued ahead, a single slot
    assert third.eta_seconds == 3 * FALLBACK_DURATION_S


async def test_eta_uses_measured_durations_once_a_job_has_succeeded(
    job_factory, queue: JobQueue, clock
) -> None:
    await job_factory()
    lease = await queue.claim(KINDS)
    assert lease is not None
    clock.advance(12)
    await queue.succeed(lease, {})

    view = await job_factory()

    assert view.eta_seconds == pytest.approx(12.0, abs=0.15)


async def test_eta_spreads_the_queue_over_live_worker_slots(
    job_factory, queue: JobQueue, clock
) -> None:
    await queue.register(KINDS, concurrency=4)
    views = [await job_factory() for _ in range(5)]
    assert [v.eta_seconds for v in views] == [FALLBACK_DURATION_S] * 4 + [2 * FALLBACK_DURATION_S]

    clock.advance(3600)  # the worker has gone silent: its slots no longer count
    late = await job_factory()
    assert late.eta_seconds == 6 * FALLBACK_DURATION_S


async def test_eta_of_a_job_waiting_for_its_retry_includes_the_wait(
    store: JobStore, job_factory, queue: JobQueue, clock
) -> None:
    view = await job_factory()
    lease = await queue.claim(KINDS)
    assert lease is not None
    await queue.retry_or_fail(lease, "provider_timeout", "slow")

    got = await store.get("alice", view.job.id)

    wait = (got.job.run_at - clock.now()).total_seconds()
    assert got.position == 1
    assert got.eta_seconds is not None
    assert got.eta_seconds == pytest.approx(wait + FALLBACK_DURATION_S, abs=0.15)
