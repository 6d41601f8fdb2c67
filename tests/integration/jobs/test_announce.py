"""Queue positions announced again as they move (both engines): which moves are news, the
coalescing, and that the announced places are the places ``GET /v1/jobs/{id}`` reports."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from foodscan.jobs.announce import NEAR_FRONT, QUIET_S, PositionAnnouncer, worth_announcing
from foodscan.jobs.sql import order
from foodscan.jobs.store import JobStore

KINDS = ["receipt", "products", "recipe"]


def later(seconds: float = QUIET_S + 0.1) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


@pytest.fixture
def announcer(engine, bus, settings) -> PositionAnnouncer:
    return PositionAnnouncer(engine, bus, settings)


async def queued_positions(peek, job_id: str) -> list[int]:
    return [e.payload["position"] for e in await peek.events(job_id) if e.type == "job.queued"]


@pytest.mark.parametrize(
    ("old", "new", "news"),
    [
        (None, 7, True),
        (3, 3, False),
        (3, 2, True),  # near the front every step counts
        (NEAR_FRONT + 40, NEAR_FRONT + 39, False),  # far back, one step is not news
        (200, 180, True),  # a tenth of the way is
    ],
)
def test_which_moves_are_news(old: int | None, new: int, news: bool) -> None:
    assert worth_announcing(old, new) is news


async def test_claims_ahead_move_the_others_up(job_factory, queue, announcer, peek) -> None:
    ids = [(await job_factory(user_id="alice")).job.id for _ in range(3)]
    await queue.claim(KINDS)

    assert await announcer.announce(later()) == 2
    assert await announcer.announce(later()) == 0  # nothing moved since
    assert [await queued_positions(peek, i) for i in ids[1:]] == [[2, 1], [3, 2]]


async def test_a_move_within_the_quiet_time_waits(job_factory, queue, announcer, peek) -> None:
    ids = [(await job_factory(user_id="alice")).job.id for _ in range(3)]
    await queue.claim(KINDS)

    assert await announcer.announce() == 0  # the jobs were queued less than QUIET_S ago
    assert await announcer.announce(later()) == 2
    await queue.claim(KINDS)
    assert await announcer.announce(later()) == 0  # announced less than QUIET_S ago
    assert await announcer.announce(later(2 * QUIET_S + 0.2)) == 1
    assert await queued_positions(peek, ids[2]) == [3, 2, 1]


async def test_a_round_of_many_moves_is_written_in_chunks(
    job_factory, queue, announcer, peek, monkeypatch
) -> None:
    monkeypatch.setattr(order, "ANNOUNCE_CHUNK", 3)  # 7 moves: statements of 3, 3 and 1
    ids = [(await job_factory(user_id="alice")).job.id for _ in range(8)]
    await queue.claim(KINDS)

    assert await announcer.announce(later()) == 7
    assert [(await queued_positions(peek, i))[-1] for i in ids[1:]] == list(range(1, 8))
    assert await announcer.announce(later()) == 0


async def test_a_job_claimed_after_the_read_is_not_announced(
    job_factory, queue, announcer, peek, engine
) -> None:
    ids = [(await job_factory(user_id="alice")).job.id for _ in range(3)]
    await queue.claim(KINDS)
    await queue.claim(KINDS)  # ids[1] runs now; a stale round still places it first
    async with engine.begin() as conn:
        changed = await order.set_announced(conn, {ids[1]: 1, ids[2]: 1}, later(), QUIET_S)

    assert [row.id for row in changed] == [ids[2]]


async def test_a_new_users_job_moves_the_burst_back(job_factory, announcer, peek) -> None:
    burst = [(await job_factory(user_id="alice")).job.id for _ in range(4)]
    bob = await job_factory(user_id="bob")

    assert await announcer.announce(later()) == 3
    assert bob.position == 2
    assert [(await queued_positions(peek, i))[-1] for i in burst] == [1, 3, 4, 5]


@pytest.mark.parametrize("seed", [4, 5])
async def test_announced_places_are_the_places_a_client_reads(
    store: JobStore, job_factory, queue, announcer, *, peek, seed: int
) -> None:
    draw = random.Random(seed)
    submitted = []
    for _ in range(25):
        user = draw.choice(["alice", "bob", "carol"])
        lane = draw.choice(["paid", "free"])
        kind = draw.choice(["receipt", "receipt", "recipe"])
        view = await job_factory(user_id=user, lane=lane, kind=kind)
        submitted.append((user, view.job.id))
    for _ in range(draw.randrange(1, 6)):
        await queue.claim(KINDS)

    await announcer.announce(later())

    for user, job_id in submitted:
        view = await store.get(user, job_id)
        if view.position is not None:
            assert (await queued_positions(peek, job_id))[-1] == view.position
