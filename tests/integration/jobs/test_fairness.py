"""The claim order on both engines: round robin between users, lane shares, aging, and queue
positions that are exactly the order in which the workers take the jobs."""

from __future__ import annotations

import random

import pytest

from foodscan.jobs.queue import JobQueue
from foodscan.jobs.store import JobStore
from foodscan.settings import Settings

KINDS = ["receipt", "products", "recipe"]


async def claim_all(queue: JobQueue, count: int) -> list[str]:
    """The ids of the next ``count`` jobs the worker takes, in order."""
    taken = []
    for _ in range(count):
        lease = await queue.claim(KINDS)
        assert lease is not None
        taken.append(lease.job.id)
    return taken


async def test_one_users_burst_does_not_starve_the_next_user(job_factory, queue) -> None:
    burst = [(await job_factory(user_id="alice")).job.id for _ in range(100)]

    bob = await job_factory(user_id="bob")

    assert bob.position == 2
    taken = await claim_all(queue, 3)
    assert taken == [burst[0], bob.job.id, burst[1]]


async def test_users_take_turns_inside_a_lane(job_factory, queue) -> None:
    owners = {}
    for user, count in (("alice", 3), ("bob", 2), ("carol", 1)):
        for _ in range(count):
            owners[(await job_factory(user_id=user)).job.id] = user

    taken = await claim_all(queue, 6)

    assert [owners[i] for i in taken] == ["alice", "bob", "carol", "alice", "bob", "alice"]


async def test_a_new_users_burst_takes_turns_with_a_user_who_ran_many_jobs(
    job_factory, queue
) -> None:
    for _ in range(20):
        await job_factory(user_id="regular")
    await claim_all(queue, 20)
    newcomer = [(await job_factory(user_id="newcomer")).job.id for _ in range(3)]

    regular = await job_factory(user_id="regular")

    assert regular.position == 2  # not 4: the newcomer gets no credit for the regular's past
    assert await claim_all(queue, 4) == [newcomer[0], regular.job.id, *newcomer[1:]]


async def test_paid_jobs_overtake_free_ones_by_their_share_and_free_ones_still_run(
    job_factory, queue
) -> None:
    lanes = {}
    for i in range(20):
        lanes[(await job_factory(user_id=f"payer-{i % 3}", lane="paid")).job.id] = "paid"
        lanes[(await job_factory(user_id=f"freeloader-{i % 3}", lane="free")).job.id] = "free"

    taken = [lanes[i] for i in await claim_all(queue, 25)]

    assert taken.count("free") == 5  # 4 paid : 1 free, the default shares
    assert taken[:5] == ["paid", "paid", "paid", "paid", "free"]


async def test_a_lane_alone_takes_every_slot(job_factory, queue) -> None:
    free = [(await job_factory(user_id="solo")).job.id for _ in range(5)]

    assert await claim_all(queue, 5) == free


async def test_shares_come_from_the_settings(engine, bus, settings: Settings, job_factory) -> None:
    even = settings.model_copy(update={"lane_shares": {"paid": 1, "free": 1}})
    lanes = {}
    for i in range(6):
        lanes[(await job_factory(user_id=f"p{i}", lane="paid")).job.id] = "paid"
        lanes[(await job_factory(user_id=f"f{i}", lane="free")).job.id] = "free"

    taken = await claim_all(JobQueue(engine, bus, even, worker_id="even"), 6)

    assert [lanes[i] for i in taken] == ["paid", "free"] * 3


async def test_a_job_queued_longer_than_the_longest_wait_goes_first(
    engine, bus, settings: Settings, clock, job_factory
) -> None:
    patient = await job_factory(user_id="patient", lane="free")
    clock.advance(settings.max_wait_s + 1)
    payers = [(await job_factory(user_id=f"payer-{i}", lane="paid")).job.id for i in range(8)]

    store = JobStore(engine, bus, settings, clock=clock.now)
    assert (await store.get("patient", patient.job.id)).position == 1
    queue = JobQueue(engine, bus, settings, worker_id="w", clock=clock.now)
    assert await claim_all(queue, 9) == [patient.job.id, *payers]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_positions_are_the_order_the_workers_take_the_jobs(
    store: JobStore, job_factory, queue, seed: int
) -> None:
    draw = random.Random(seed)
    submitted = []
    for _ in range(30):
        user = draw.choice(["alice", "bob", "carol", "dave"])
        lane = draw.choice(["paid", "free", "free"])
        submitted.append((user, (await job_factory(user_id=user, lane=lane)).job.id))
    await claim_all(queue, draw.randrange(0, 5))  # some recent history for the keys to count
    waiting = [(u, j) for u, j in submitted if (await store.get(u, j)).position is not None]

    places = {j: (await store.get(u, j)).position for u, j in waiting}
    taken = await claim_all(queue, len(waiting))

    assert [places[j] for j in taken] == list(range(1, len(waiting) + 1))
