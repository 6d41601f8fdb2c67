"""Claims of several free slots in one statement (``jobs.claims``, ``sql.claim_many``), on both
engines: one statement for the slots that ask together, the fair order of single claims, each
job to one slot, and the slots that left take nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.db.tables import jobs
from foodscan.events.bus import LocalBus
from foodscan.jobs import position
from foodscan.jobs.queue import JobQueue, Lease
from foodscan.jobs.states import Status
from foodscan.settings import Settings
from tests.integration.conftest import Clock
from tests.integration.jobs.test_fair_order_agrees import (
    DRAWN,
    KINDS,
    MAX_WAIT_S,
    SHARES,
    Drawn,
    _reset,
    _row,
)


def _count_claims(engine: AsyncEngine, seen: list[str]) -> Any:
    def count(_conn, _cursor, statement: str, *_args: Any) -> None:
        if "UPDATE jobs SET status" in statement and "picked" in statement:
            seen.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
    return count


async def test_slots_asking_together_claim_in_one_statement_in_the_order_they_asked(
    job_factory, queue: JobQueue, engine: AsyncEngine, peek
) -> None:
    ids = [(await job_factory(user_id=f"user-{i}")).job.id for i in range(5)]
    seen: list[str] = []
    count = _count_claims(engine, seen)
    try:
        leases = await asyncio.gather(*(queue.claim(KINDS) for _ in range(7)))
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", count)

    assert len(seen) == 1
    assert [lease.job.id if lease else None for lease in leases] == [*ids, None, None]
    taken = [lease for lease in leases if lease is not None]
    assert len({lease.token for lease in taken}) == 5
    for lease in taken:
        job = await peek.job(lease.job.id)
        assert (job.status, job.lease_token, job.attempt) == (Status.RUNNING, lease.token, 1)
        assert await peek.types(lease.job.id) == ["job.queued", "job.started"]
    await queue.succeed(taken[0], {"ok": True})  # the token each slot got holds its job
    assert (await peek.job(ids[0])).status == Status.SUCCEEDED


async def test_a_slot_that_left_before_the_batch_ran_takes_nothing(
    job_factory, queue: JobQueue, peek
) -> None:
    ids = [(await job_factory()).job.id for _ in range(3)]
    asking = [asyncio.create_task(queue.claim(KINDS)) for _ in range(3)]
    await asyncio.sleep(0)  # all three joined the gathering; its batch has not run
    asking[1].cancel()
    leases = await asyncio.gather(*asking, return_exceptions=True)
    await queue.group.drain()

    assert isinstance(leases[1], asyncio.CancelledError)
    taken = [lease.job.id for lease in leases if isinstance(lease, Lease)]
    assert taken == ids[:2]
    assert (await peek.job(ids[2])).status == Status.QUEUED


async def test_a_slot_no_longer_wanted_takes_nothing(job_factory, queue: JobQueue, peek) -> None:
    job_id = (await job_factory()).job.id
    leases = await asyncio.gather(
        queue.claim(KINDS, wanted=lambda: False), queue.claim(KINDS, wanted=lambda: True)
    )
    assert leases[0] is None
    assert leases[1] is not None
    assert leases[1].job.id == job_id


async def test_gathered_claims_of_several_workers_take_each_job_once(
    job_factory, queue_factory, engine_factory, peek
) -> None:
    submitted = {(await job_factory(user_id=f"user-{i % 7}")).job.id for i in range(60)}
    workers = [queue_factory(f"worker-{i}", engine_factory()) for i in range(3)]

    async def slot(queue: JobQueue) -> list[str]:
        taken = []
        while (lease := await queue.claim(KINDS)) is not None:
            taken.append(lease.job.id)
        return taken

    slots = [slot(worker) for worker in workers for _ in range(8)]
    taken = [job_id for one in await asyncio.gather(*slots) for job_id in one]

    assert sorted(taken) == sorted(submitted)
    for job_id in submitted:
        assert (await peek.types(job_id)).count("job.started") == 1


@settings(
    max_examples=20,
    deadline=None,
    # The database is the engine fixture's, emptied at the start of every example.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(scenario=st.tuples(st.lists(DRAWN, min_size=1, max_size=14), SHARES, st.integers(1, 16)))
async def test_one_statement_claims_the_jobs_single_claims_would_in_their_order(
    engine: AsyncEngine,
    bus: LocalBus,
    settings: Settings,
    clock: Clock,
    scenario: tuple[list[Drawn], dict[str, int], int],
) -> None:
    """With a window of recent starts that the claims do not fill (so no start leaves it), the
    ``n`` jobs of one statement are those ``n`` single claims take, one after the other, from
    the same queue, in that order."""
    drawn, shares, slots = scenario
    config = settings.model_copy(
        update={"lane_shares": shares, "fair_window": 200, "max_wait_s": MAX_WAIT_S}
    )
    policy = position.fair_share(config)
    rows = [_row(i, d, clock.now(), policy.lanes()) for i, d in enumerate(drawn)]
    clock.advance(60)  # every backoff is over

    async def claimed(together: bool) -> list[str | None]:
        await _reset(engine)
        async with engine.begin() as conn:
            await conn.execute(jobs.insert(), rows)
        queue = JobQueue(engine, bus, config, worker_id="w", clock=clock.now)
        if together:
            leases = await asyncio.gather(*(queue.claim(KINDS) for _ in range(slots)))
        else:
            leases = [await queue.claim(KINDS) for _ in range(slots)]
        return [lease.job.id if lease else None for lease in leases]

    one_by_one = await claimed(together=False)
    assert await claimed(together=True) == one_by_one


@pytest.mark.postgresql_only  # SKIP LOCKED; SQLite serialises writers instead
async def test_a_gathered_claim_skips_jobs_locked_by_another_transaction(
    job_factory, queue: JobQueue, engine_factory
) -> None:
    locked = await job_factory()
    free = [(await job_factory()).job.id for _ in range(2)]
    other = engine_factory()
    async with other.begin() as conn:
        await conn.execute(sa.select(jobs.c.id).where(jobs.c.id == locked.job.id).with_for_update())
        leases = await asyncio.wait_for(
            asyncio.gather(*(queue.claim(KINDS) for _ in range(3))), timeout=5
        )
    assert [lease.job.id if lease else None for lease in leases] == [*free, None]
