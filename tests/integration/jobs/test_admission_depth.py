"""A submit's place behind the first ``exact_places`` of its lane: estimated from the turns,
without counting the queue (``sql.admit``); exact in front of them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.jobs import sql
from foodscan.jobs.position import fair_share
from foodscan.settings import Settings


async def _place(engine: AsyncEngine, settings: Settings, user_id: str, exact_places: int) -> int:
    now = datetime.now(UTC)
    job = sql.Candidate(str(uuid.uuid4()), user_id, "free", "receipt", now)
    async with engine.begin() as conn:
        found = await sql.admit(
            conn,
            fair_share(settings),
            job,
            now=now,
            live_since=now - timedelta(seconds=60),
            exact_places=exact_places,
        )
    return found.place


async def test_one_users_burst_is_placed_exactly_behind_the_counted_places(
    job_factory, engine: AsyncEngine, settings: Settings
) -> None:
    for _ in range(30):
        await job_factory(user_id="alice")

    assert await _place(engine, settings, "alice", exact_places=1000) == 31
    assert await _place(engine, settings, "alice", exact_places=10) == 31


async def test_several_users_turns_give_the_place_behind_the_counted_places(
    job_factory, engine: AsyncEngine, settings: Settings
) -> None:
    for _ in range(20):
        await job_factory(user_id="alice")
        await job_factory(user_id="bob")
    await job_factory(user_id="carol")

    counted = await _place(engine, settings, "alice", exact_places=1000)
    estimated = await _place(engine, settings, "alice", exact_places=10)
    assert counted == 42  # 20 turns of alice and bob, carol's turn 1, then this one
    assert abs(estimated - counted) <= 2  # two jobs a turn, carol's one extra


async def test_a_place_in_front_of_the_counted_places_is_exact(
    job_factory, engine: AsyncEngine, settings: Settings
) -> None:
    for _ in range(30):
        await job_factory(user_id="alice")

    # A new user's first job goes to turn 1: one job is ahead of it, counted.
    assert await _place(engine, settings, "dave", exact_places=10) == 2
