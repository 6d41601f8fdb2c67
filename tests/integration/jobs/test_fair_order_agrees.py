"""The fair-share order is written three times: the claim statement (``sql.claim_many``), a queued
job's place (``sql.position``: counts, then ``place_from``'s arithmetic; ``sql.admit`` for a new
job) and the whole order (``sql.queue_order``, a heap merge of the lanes). This property test
holds them to one order on queues that hypothesis generates — lanes and their shares, users,
kinds, turns, the window of recent starts, aged jobs, retried and rescued jobs (queued again,
with a past start), jobs waiting out a backoff, and a history of running and finished jobs — on
both engines:

- every queued job's place is its place among its kind in ``queue_order`` (jobs in a backoff
  included: they keep their turn), and the announcer's bounded read of the order's front
  (``sql.queue_front``) is the order's first jobs;
- a new job's admitted place is the place it then has;
- each claim takes the head of ``queue_order`` (read again after every claim, since a claim
  adds a start to its lane's recent count).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.db.tables import jobs, metadata
from foodscan.events.bus import LocalBus
from foodscan.jobs import position, sql
from foodscan.jobs.queue import JobQueue
from foodscan.jobs.states import Status
from foodscan.jobs.store import JobStore, Submission
from foodscan.settings import Settings
from tests.integration.conftest import Clock, make_input

KINDS = ["receipt", "products"]
MAX_WAIT_S = 900.0
# How a generated job stands: waiting since its submit, waiting too long (aged), queued again
# after a failed attempt (retried) or a lost lease (rescued), queued again but in its backoff,
# or not queued (running, finished): the last ones only count as recent starts.
SHAPES = ["fresh", "fresh", "aged", "retried", "rescued", "backoff", "running", "done"]


@dataclass(frozen=True)
class Drawn:
    user: str
    lane: str
    kind: str
    tag: int
    age_s: int
    shape: str


DRAWN = st.builds(
    Drawn,
    user=st.sampled_from(["u1", "u2", "u3"]),
    lane=st.sampled_from(["paid", "free", "bulk"]),  # bulk: a lane some shares name
    kind=st.sampled_from(KINDS),
    tag=st.integers(1, 5),
    age_s=st.integers(1, 600),
    shape=st.sampled_from(SHAPES),
)
SHARES = st.sampled_from(
    [{"paid": 4, "free": 1}, {"paid": 1, "free": 1, "bulk": 2}, {"paid": 2, "free": 3, "bulk": 1}]
)


def _row(index: int, drawn: Drawn, now: datetime, lanes: list[str]) -> dict[str, Any]:
    aged = drawn.shape == "aged"
    created = now - timedelta(seconds=drawn.age_s + (MAX_WAIT_S + 60 if aged else 0))
    # Distinct start times, newest first by index: the window's edge is never a tie.
    started = now - timedelta(seconds=700 - index) if drawn.shape not in {"fresh", "aged"} else None
    status = {"running": Status.RUNNING, "done": Status.SUCCEEDED}.get(drawn.shape, Status.QUEUED)
    return {
        "id": str(uuid.uuid4()),
        "user_id": drawn.user,
        "kind": drawn.kind,
        # Jobs run in a plan's lane (paid, free), or in one the shares name.
        "lane": drawn.lane if drawn.lane in lanes else "free",
        "status": status,
        "attempt": 0 if started is None else 1,
        "max_attempts": 3,
        "rescues": 1 if drawn.shape == "rescued" else 0,
        "run_at": now + timedelta(seconds=30) if drawn.shape == "backoff" else created,
        "inputs": [],
        "options": {},
        "created_at": created,
        "updated_at": created,
        "started_at": started,
        "finished_at": now if drawn.shape == "done" else None,
        "fair_tag": drawn.tag,
    }


async def _reset(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(table.delete())


async def _places_agree(engine: AsyncEngine, policy: sql.FairShare, now: datetime) -> None:
    """Every queued job's ``position`` is its place among its kind in ``queue_order``."""
    async with engine.connect() as conn:
        order = await sql.queue_order(conn, policy, now)
        queued = (await conn.execute(sa.select(jobs).where(jobs.c.status == Status.QUEUED))).all()
        places: Counter[str] = Counter()
        expected = {}
        for row in order:
            places[row.kind] += 1
            expected[row.id] = places[row.kind]
        found = {row.id: await sql.position(conn, policy, row, now) for row in queued}
        # The announcer's bounded read: its front is the order's first jobs, whatever the cut.
        fronts = [await sql.queue_front(conn, policy, now, limit) for limit in (1, 3, 7)]
    assert found == expected
    for front, limit in zip(fronts, (1, 3, 7), strict=True):
        assert [row.id for row in front.order] == [row.id for row in order[:limit]]


async def _claims_follow_the_order(queue: JobQueue, engine: AsyncEngine, clock: Clock) -> None:
    """Each claim takes the head of the order read just before it, until the queue is empty."""
    while True:
        async with engine.connect() as conn:
            order = await sql.queue_order(conn, queue.fair_share, clock.now())
        lease = await queue.claim(KINDS)
        if not order:
            assert lease is None
            return
        assert lease is not None
        assert lease.job.id == order[0].id


@settings(
    max_examples=20,
    deadline=None,
    # The database is the engine fixture's, emptied at the start of every example.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    scenario=st.tuples(st.lists(DRAWN, min_size=1, max_size=14), SHARES, st.sampled_from([3, 200]))
)
async def test_claims_places_and_the_queue_order_are_one_order(
    engine: AsyncEngine,
    bus: LocalBus,
    settings: Settings,
    clock: Clock,
    scenario: tuple[list[Drawn], dict[str, int], int],
) -> None:
    queue, shares, window = scenario  # the jobs, the lanes' shares, the window of recent starts
    config = settings.model_copy(
        update={"lane_shares": shares, "fair_window": window, "max_wait_s": MAX_WAIT_S}
    )
    policy = position.fair_share(config)
    await _reset(engine)
    now = clock.now()
    async with engine.begin() as conn:
        await conn.execute(
            jobs.insert(), [_row(i, d, now, policy.lanes()) for i, d in enumerate(queue)]
        )

    await _places_agree(engine, policy, now)

    newcomer = Submission(user_id="u4", lane="free", kind="receipt", inputs=[make_input()])
    admitted = await JobStore(engine, bus, config, clock=clock.now).submit(newcomer)
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(jobs).where(jobs.c.id == admitted.job.id))).one()
        assert admitted.position == await sql.position(conn, policy, row, clock.now())
    await _places_agree(engine, policy, clock.now())

    clock.advance(60)  # every backoff is over: the claims may take any queued job
    await _places_agree(engine, policy, clock.now())
    await _claims_follow_the_order(
        JobQueue(engine, bus, config, worker_id="w", clock=clock.now), engine, clock
    )
