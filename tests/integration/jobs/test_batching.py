"""Group commit on both engines: concurrent writes share a transaction and fail alone."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa

from foodscan.errors import LeaseLost
from foodscan.jobs import sql
from foodscan.jobs.group_commit import GroupCommit
from foodscan.jobs.queue import JobQueue, Lease
from foodscan.jobs.states import Status
from foodscan.jobs.transaction import Write

KINDS = ["receipt"]


async def test_concurrent_writes_commit_in_one_transaction_in_the_order_queued(
    job_factory, queue: JobQueue, peek
) -> None:
    ids = [(await job_factory()).job.id for _ in range(4)]
    commits: list[int] = []
    original = queue.group._commit

    async def counted(batch: list[Any]) -> None:
        commits.append(len(batch))
        await original(batch)

    queue.group._commit = counted  # type: ignore[method-assign]  # count the transactions

    leases = await asyncio.gather(*(queue.claim(KINDS) for _ in range(4)))

    assert commits == [4]  # four claims, one transaction
    assert [lease.job.id for lease in leases if lease] == ids  # in the fair order, queued first
    assert [(await peek.job(job_id)).status for job_id in ids] == [Status.RUNNING] * 4


async def test_a_write_whose_guard_fails_fails_alone(job_factory, queue: JobQueue, peek) -> None:
    first, second = (await job_factory()).job.id, (await job_factory()).job.id
    one, two = await asyncio.gather(queue.claim(KINDS), queue.claim(KINDS))
    assert one is not None
    assert two is not None
    stale = Lease(two.job, "not-its-token")

    outcomes = await asyncio.gather(
        queue.succeed(one, {"ok": True}), queue.succeed(stale, {"ok": True}), return_exceptions=True
    )

    assert outcomes[0] is None
    assert isinstance(outcomes[1], LeaseLost)
    assert (await peek.job(first)).status == Status.SUCCEEDED
    assert (await peek.job(second)).status == Status.RUNNING
    assert [e.type for e in await peek.events(second)] == ["job.queued", "job.started"]


async def test_an_error_that_aborts_the_batch_sinks_only_its_own_write(
    job_factory, engine, bus, peek
) -> None:
    jobs = [(await job_factory()).job.id for _ in range(3)]
    group = GroupCommit(engine, bus)

    def cancel(job_id: str) -> Any:
        async def operation(tx: Write) -> str:
            row = await sql.cancel_queued(tx.conn, job_id, "alice", tx.now)
            assert row is not None
            await tx.event(row, "job.cancelled")
            return job_id

        return operation

    async def broken(tx: Write) -> None:
        await tx.conn.execute(sa.text("SELECT * FROM no_such_table"))

    outcomes = await asyncio.gather(
        group.run(cancel(jobs[0])),
        group.run(broken),
        group.run(cancel(jobs[1])),
        return_exceptions=True,
    )

    assert outcomes[0] == jobs[0]
    assert outcomes[2] == jobs[1]
    assert isinstance(outcomes[1], sa.exc.DBAPIError)
    statuses = [(await peek.job(job_id)).status for job_id in jobs]
    assert statuses == [Status.CANCELLED, Status.CANCELLED, Status.QUEUED]
    for job_id in jobs[:2]:  # each cancel wrote its event once, despite the retry
        assert [e.type for e in await peek.events(job_id)] == ["job.queued", "job.cancelled"]


async def test_a_caller_cancelled_before_its_batch_ran_writes_nothing(
    job_factory, queue: JobQueue, peek
) -> None:
    job_id = (await job_factory()).job.id
    waiting = asyncio.create_task(queue.claim(KINDS))
    await asyncio.sleep(0)  # its claim is queued; the flusher has not taken it yet
    assert len(queue.group._queue) == 1
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await queue.group.drain()

    assert (await peek.job(job_id)).status == Status.QUEUED
    assert [e.type for e in await peek.events(job_id)] == ["job.queued"]


async def test_a_claim_whose_caller_left_while_it_committed_is_given_back(
    job_factory, queue: JobQueue, peek
) -> None:
    job_id = (await job_factory()).job.id
    original = queue.group._commit
    committing = asyncio.Event()

    async def slow(batch: list[Any]) -> None:
        committing.set()
        await asyncio.sleep(0.2)
        await original(batch)

    queue.group._commit = slow  # type: ignore[method-assign]  # a slow round trip
    waiting = asyncio.create_task(queue.claim(KINDS))
    await committing.wait()
    waiting.cancel()  # the batch is running: its claim commits, nobody gets the lease
    with pytest.raises(asyncio.CancelledError):
        await waiting
    queue.group._commit = original  # type: ignore[method-assign]

    async def released() -> bool:
        job = await peek.job(job_id)
        return job.status == Status.QUEUED and job.attempt == 0

    for _ in range(100):
        if await released():
            break
        await asyncio.sleep(0.05)
    job = await peek.job(job_id)
    assert (job.status, job.attempt, job.lease_token) == (Status.QUEUED, 0, None)
