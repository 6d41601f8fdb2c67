"""The announcer on a queue deeper than its exact front (both engines): the front's places are
exact, the swept places behind it are estimates that never go ahead of the front or out of
order, a round announces a bounded number of moves, and ``sql.position`` caps its counts too.

The front and the sweep are made small (``exact_places``, ``sweep``) so a few dozen jobs make a
deep queue."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.db.tables import jobs
from foodscan.jobs import announce, sql
from foodscan.jobs.announce import QUIET_S, PositionAnnouncer
from foodscan.jobs.position import fair_share
from foodscan.jobs.states import Status
from foodscan.settings import Settings

EXACT, SWEEP = 6, 4


def at(round_: int) -> datetime:
    """The moment of announcing round ``round_``: each one past the last round's quiet time."""
    return datetime.now(UTC) + timedelta(seconds=(QUIET_S + 0.1) * (round_ + 1))


async def true_places(engine: AsyncEngine, settings: Settings, now: datetime) -> dict[str, int]:
    """Every queued job's place among its kind in the whole claim order."""
    async with engine.connect() as conn:
        order = await sql.queue_order(conn, fair_share(settings), now)
    seen: Counter[str] = Counter()
    places = {}
    for row in order:
        seen[row.kind] += 1
        places[row.id] = seen[row.kind]
    return places


async def announced(engine: AsyncEngine) -> dict[str, int | None]:
    async with engine.connect() as conn:
        query = sa.select(jobs.c.id, jobs.c.queue_position).where(jobs.c.status == Status.QUEUED)
        return {row.id: row.queue_position for row in await conn.execute(query)}


async def forget_places(engine: AsyncEngine) -> None:
    """As if no place was ever announced: every place the announcer finds is news."""
    async with engine.begin() as conn:
        await conn.execute(sa.update(jobs).values(queue_position=None))


async def sweep_all(announcer: PositionAnnouncer, rounds: int) -> None:
    for round_ in range(rounds):
        await announcer.announce(at(round_))


@pytest.fixture
def deep(engine, bus, settings) -> PositionAnnouncer:
    return PositionAnnouncer(engine, bus, settings, exact_places=EXACT, sweep=SWEEP)


async def test_the_front_is_the_claim_orders_first_jobs(
    job_factory, engine: AsyncEngine, settings: Settings
) -> None:
    for i in range(12):
        await job_factory(user_id=f"u{i % 3}", lane="paid" if i % 4 == 0 else "free")
    now = datetime.now(UTC)
    async with engine.connect() as conn:
        whole = await sql.queue_order(conn, fair_share(settings), now)
        for limit in (1, 3, 5, 12, 20):
            front = await sql.queue_front(conn, fair_share(settings), now, limit)
            assert [r.id for r in front.order] == [r.id for r in whole[:limit]]
            assert all(len(rows) <= limit for rows in front.lanes.values())


async def test_one_users_burst_is_placed_exactly_behind_the_front(
    job_factory, engine: AsyncEngine, settings: Settings, deep: PositionAnnouncer
) -> None:
    for _ in range(25):
        await job_factory(user_id="alice")
    await forget_places(engine)

    await sweep_all(deep, rounds=25 // SWEEP + 2)

    # The front's 6 places are counted; the 19 behind are estimated from the turns, which
    # for one user's burst are one job each.
    assert await announced(engine) == await true_places(engine, settings, datetime.now(UTC))


async def test_estimates_behind_the_front_keep_the_order(
    job_factory, queue, engine: AsyncEngine, settings: Settings, deep: PositionAnnouncer
) -> None:
    for i in range(40):
        user = ["alice", "alice", "bob", "carol", "dave"][i % 5]
        await job_factory(
            user_id=user, lane="paid" if i % 3 == 0 else "free", kind=["receipt", "recipe"][i % 2]
        )
    for _ in range(3):
        await queue.claim(["receipt", "recipe"])
    await forget_places(engine)

    await sweep_all(deep, rounds=40 // SWEEP + 3)

    now = datetime.now(UTC)
    truth = await true_places(engine, settings, now)
    stored = await announced(engine)
    assert None not in stored.values()  # the sweep reached every queued job
    found = {job_id: place or 0 for job_id, place in stored.items()}
    async with engine.connect() as conn:
        front = await sql.queue_front(conn, fair_share(settings), now, EXACT)
        order = await sql.queue_order(conn, fair_share(settings), now)
    exact = {row.id for row in front.order}
    for job_id in exact:
        assert found[job_id] == truth[job_id]
    for row in order:
        if row.id in exact:
            continue
        # Behind every exact place of its kind, within a fifth of its true place.
        assert found[row.id] > max(
            (truth[e] for e in exact if _kind(order, e) == row.kind), default=0
        )
        assert abs(found[row.id] - truth[row.id]) <= max(2, truth[row.id] // 5)
    # Along each lane (by turn), the places of a kind never go down.
    for lane in ("paid", "free"):
        for kind in ("receipt", "recipe"):
            run = [found[r.id] for r in order if r.lane == lane and r.kind == kind]
            assert run == sorted(run)


def _kind(order, job_id: str) -> str:
    return next(row.kind for row in order if row.id == job_id)


async def test_a_round_announces_at_most_its_share_near_the_front_first(
    job_factory, engine: AsyncEngine, peek, deep: PositionAnnouncer, monkeypatch
) -> None:
    monkeypatch.setattr(announce, "ANNOUNCE_MAX", 3)
    ids = [(await job_factory(user_id="alice")).job.id for _ in range(10)]
    await forget_places(engine)

    assert await deep.announce(at(0)) == 3
    found = await announced(engine)
    assert [found[i] for i in ids[:3]] == [1, 2, 3]  # the front's first places went first
    assert await deep.announce(at(1)) == 3
    assert await deep.announce(at(2)) == 3


async def test_a_shallow_queue_is_not_swept(
    job_factory, engine: AsyncEngine, deep: PositionAnnouncer
) -> None:
    for _ in range(EXACT - 1):
        await job_factory(user_id="alice")
    await forget_places(engine)

    assert await deep.announce(at(0)) == EXACT - 1
    assert deep._sweep_after is None
    assert deep._sweep_lane == 0


async def test_position_behind_its_cap_is_estimated_from_the_turns(
    job_factory, store, engine: AsyncEngine, settings: Settings
) -> None:
    views = [await job_factory(user_id="alice") for _ in range(20)]
    now = datetime.now(UTC)
    async with engine.connect() as conn:
        rows = {r.id: r for r in await conn.execute(sa.select(jobs))}
        capped = [
            await sql.position(conn, fair_share(settings), rows[v.job.id], now, exact_places=5)
            for v in views
        ]
    assert capped == list(range(1, 21))  # one user's burst: the estimate is the count


async def test_an_aged_position_behind_its_cap_is_estimated_from_the_age(
    engine: AsyncEngine, job_factory, settings: Settings
) -> None:
    views = [await job_factory(user_id=f"u{i}") for i in range(12)]
    start = datetime.now(UTC) - timedelta(seconds=settings.max_wait_s + 600)
    async with engine.begin() as conn:
        for i, view in enumerate(views):  # aged, one a second
            moment = start + timedelta(seconds=i)
            await conn.execute(
                sa.update(jobs).where(jobs.c.id == view.job.id).values(created_at=moment)
            )
    now = datetime.now(UTC)
    async with engine.connect() as conn:
        rows = {r.id: r for r in await conn.execute(sa.select(jobs))}
        found = [
            await sql.position(conn, fair_share(settings), rows[v.job.id], now, exact_places=4)
            for v in views
        ]
    assert found == list(range(1, 13))
