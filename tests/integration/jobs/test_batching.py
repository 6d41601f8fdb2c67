"""Group commit on both engines: concurrent writes share a transaction and fail alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from foodscan.db.tables import jobs
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

    assert commits == [1]  # four claims, one operation (one statement) in one transaction
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


async def test_a_batch_of_outcomes_is_one_update_on_postgresql_and_keeps_its_events_order(
    job_factory, queue: JobQueue, engine, peek
) -> None:
    ids = [(await job_factory()).job.id for _ in range(4)]
    leases = [lease for lease in await asyncio.gather(*(queue.claim(KINDS) for _ in ids)) if lease]
    assert [lease.job.id for lease in leases] == ids
    updates: list[str] = []

    def count(_conn, _cursor, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE JOBS"):
            updates.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        outcomes = await asyncio.gather(
            queue.succeed(leases[0], {"n": 0}),
            queue.fail(leases[1], "bad_input", "no"),
            queue.succeed(Lease(leases[2].job, "not-its-token"), {"n": 2}),
            queue.cancelled(leases[3]),
            return_exceptions=True,
        )
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", count)

    assert [type(o).__name__ for o in outcomes] == ["NoneType", "NoneType", "LeaseLost", "NoneType"]
    assert len(updates) == (1 if engine.dialect.name == "postgresql" else 4)
    done = [await peek.job(job_id) for job_id in ids]
    assert [j.status for j in done] == [
        Status.SUCCEEDED,
        Status.FAILED,
        Status.RUNNING,
        Status.CANCELLED,
    ]
    assert (done[0].result, done[0].error, done[0].progress) == ({"n": 0}, None, 100)
    assert (done[1].result, done[1].error) == (None, {"code": "bad_input", "message": "no"})
    assert [j.lease_token for j in done] == [None, None, leases[2].token, None]
    last = [(await peek.events(job_id))[-1] for job_id in ids]
    assert [e.type for e in last] == ["job.succeeded", "job.failed", "job.started", "job.cancelled"]
    assert last[0].id < last[1].id < last[3].id  # in the order the outcomes were queued
    assert last[0].payload["result"] == {"n": 0}
    assert "result" not in last[1].payload

    # The empty result and error are stored as the one-row statement stores them.
    one_row = (await job_factory()).job.id
    lease = await queue.claim(KINDS)
    assert lease is not None
    async with engine.begin() as conn:
        now = datetime.now(UTC)
        assert await sql.finish(conn, one_row, lease.token, status=Status.FAILED, now=now)
    async with engine.connect() as conn:
        stored = sa.select(jobs.c.id, jobs.c.result.is_(None), jobs.c.error.is_(None))
        nulls = {row[0]: tuple(row[1:]) for row in await conn.execute(stored)}
    assert nulls[ids[1]] == nulls[one_row]
    assert nulls[ids[0]][1] == nulls[one_row][0]
