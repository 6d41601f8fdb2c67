"""Fresh queue positions for waiting clients: ``job.queued`` again when a job's place changes.

A job's place changes with every claim ahead of it and with every job that goes before it (a
new user's, a paid one, an aged one). Once a second the leader (``jobs.leader``) reads the front
of the claim order (``sql.queue_front``: the first ``EXACT_PLACES`` jobs, each read stopping
there) and places those jobs exactly; behind them it sweeps the queue a run of ``SWEEP`` jobs
per round, one lane after another, and estimates their places (``far_places``). A round's cost
does not grow with the queue; a job far back is looked at once every depth / ``SWEEP`` rounds.
It announces the places that moved: always near the front (the first ``NEAR_FRONT`` places,
where a client is about to start), further back only when the place moved by a tenth or more,
so a long queue does not flood the event log; at most ``ANNOUNCE_MAX`` a round (near the front
first, then the largest moves; the rest wait a round). The announced places are stored on the
jobs by guarded updates of ``ANNOUNCE_BATCH`` places, which also coalesce: at most one
announcement per job per ``QUIET_S``, however many workers announce.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from foodscan.clock import Clock, utc_now
from foodscan.db.sqlite_loop import on_thread
from foodscan.jobs import far_places, position, sql
from foodscan.jobs.transaction import Bus, write
from foodscan.settings import Settings

NEAR_FRONT = 50
EXACT_PLACES = sql.EXACT_PLACES  # the front, placed exactly every round (as a submit places)
SWEEP = 500  # jobs behind the front placed (estimated) per round
# Counts behind the front stop at this many fronts: a lane's length (how many of its jobs can
# go before another lane's) and a swept run's jobs ahead in its lane, per kind.
COUNT_CAP = 20
# Moved places per write: on SQLite a write holds the one connection and the loop's thread.
ANNOUNCE_BATCH = 20
# Announcements per round at most: the moves a round must announce grow with the claims and
# with the depth (a place p is news after p/10 claims), a round's writes do not.
ANNOUNCE_MAX = 200
QUIET_S = 1.0
_FAR_MOVE = 10  # further back, a move of 1/_FAR_MOVE of the place or more is announced


def worth_announcing(old: int | None, new: int) -> bool:
    """Whether a job's place moving from ``old`` to ``new`` is news to its client."""
    if old is None:
        return True
    if old == new:
        return False
    return new <= NEAR_FRONT or abs(new - old) * _FAR_MOVE >= old


class PositionAnnouncer:
    """Appends ``job.queued`` (position, eta_seconds) for jobs whose place moved."""

    def __init__(
        self,
        engine: AsyncEngine,
        bus: Bus,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        exact_places: int = EXACT_PLACES,
        sweep: int = SWEEP,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.bus = bus
        self.policy = position.fair_share(settings)
        self.exact_places = exact_places
        self.sweep = sweep
        self._sweep_lane = 0  # the lane the sweep is in (an index into ``policy.lanes()``)
        self._sweep_after: tuple[int, datetime, str] | None = None  # its last turn swept

    async def announce(self, now: datetime | None = None) -> int:
        """One round; returns how many jobs got a new position.

        The order is read outside any write, so an idle queue costs one read; only the places
        worth announcing open a write, ``ANNOUNCE_BATCH`` places at a time (guarded: a job
        claimed meanwhile, or announced by another worker, is skipped)."""
        now = now or self.clock()
        # SQLite: the reads run in aiosqlite's thread (``sqlite_loop.on_thread``), not inline.
        with on_thread():
            async with self.engine.connect() as conn:
                front = await sql.queue_front(
                    conn,
                    self.policy,
                    now,
                    self.exact_places,
                    count_cap=COUNT_CAP * self.exact_places,
                )
            # A connection of its own: on SQLite (one connection) requests go in between.
            async with self.engine.connect() as conn:
                behind = await self._sweep_behind(conn, front, now)
        moved = self._worth_announcing(front, behind, now)
        announced = 0
        for i in range(0, len(moved), ANNOUNCE_BATCH):
            if i:  # SQLite runs a write on the loop's thread: let what waits since go first
                await asyncio.sleep(0)
            announced += await self._announce(moved[i : i + ANNOUNCE_BATCH], now)
        return announced

    def _worth_announcing(
        self, front: sql.Front, behind: list[tuple[sql.Row, int]], now: datetime
    ) -> list[tuple[str, int]]:
        """The places worth announcing now (``worth_announcing``, not announced within
        ``QUIET_S``), in the claim order: at most ``ANNOUNCE_MAX``, the moves near the front
        first, then the largest moves for their place; the others wait for a later round."""
        places: Counter[str] = Counter()
        placed: list[tuple[sql.Row, int]] = []
        for row in front.order:
            places[row.kind] += 1
            placed.append((row, places[row.kind]))
        quiet_before = now - timedelta(seconds=QUIET_S)
        moved = [
            (i, row, place)
            for i, (row, place) in enumerate([*placed, *behind])
            if row.updated_at <= quiet_before and worth_announcing(row.queue_position, place)
        ]
        if len(moved) > ANNOUNCE_MAX:
            moved = sorted(moved, key=lambda m: _urgency(m[1].queue_position, m[2]))
            moved = sorted(moved[:ANNOUNCE_MAX], key=lambda m: m[0])
        return [(row.id, place) for _, row, place in moved]

    async def _announce(self, moved: list[tuple[str, int]], now: datetime) -> int:
        """One write: the moved places (in the claim order) stored, guarded, and a
        ``job.queued`` for each job it changed; how many it changed."""
        async with write(self.engine, self.bus, now) as tx:
            changed = await sql.set_announced(tx.conn, dict(moved), now, QUIET_S)
            rank = {job_id: i for i, (job_id, _) in enumerate(moved)}
            waves: dict[str, tuple[float, int, int]] = {}
            for row in sorted(changed, key=lambda r: rank[r.id]):  # in the claim order
                if row.kind not in waves:
                    waves[row.kind] = await position.pace_of(tx.conn, row.kind, now)
                eta = position.eta(row.queue_position, *waves[row.kind], wait=row.run_at - now)
                await tx.event(row, "job.queued", position=row.queue_position, eta_seconds=eta)
        return len(changed)

    async def _sweep_behind(
        self, conn: AsyncConnection, front: sql.Front, now: datetime
    ) -> list[tuple[sql.Row, int]]:
        """The next run of young jobs behind the front, with estimated places: one read of at
        most ``sweep`` jobs of one lane, continuing where the last round stopped (the lane's
        end moves the sweep to the next lane; an empty lane is passed over)."""
        if len(front.order) < self.exact_places:
            return []  # the front is the whole queue
        lanes = self.policy.lanes()
        for _ in lanes:
            lane = lanes[self._sweep_lane % len(lanes)]
            after = _later(self._sweep_after, _last_placed(front, lane))
            oldest = self.policy.oldest(now)
            run = await sql.lane_after(conn, lane, after, oldest, self.sweep)
            if len(run) < self.sweep:
                self._sweep_lane, self._sweep_after = self._sweep_lane + 1, None
            else:
                self._sweep_after = _turn(run[-1])
            if run:
                cap = COUNT_CAP * self.exact_places
                ahead = await sql.lane_kinds_before(conn, lane, _turn(run[0]), oldest, cap)
                return far_places.place_behind(self.policy, front, lane, run, before=ahead, cap=cap)
        return []


def _urgency(old: int | None, new: int) -> tuple[int, float]:
    """Sort key of a move: the ones near the front first, then by how far the place moved for
    its size (a job never announced first of all)."""
    if old is None:
        return (0, -math.inf)
    return (0 if new <= NEAR_FRONT else 1, -abs(new - old) / old)


def _turn(row: sql.Row) -> tuple[int, datetime, str]:
    return row.fair_tag, row.created_at, row.id


def _last_placed(front: sql.Front, lane: str) -> tuple[int, datetime, str] | None:
    """The turn of ``lane``'s last young job in the front's order, if any."""
    taken = sum(1 for row in front.order[front.aged :] if row.lane == lane)
    return _turn(front.lanes[lane][taken - 1]) if taken else None


def _later(
    a: tuple[int, datetime, str] | None, b: tuple[int, datetime, str] | None
) -> tuple[int, datetime, str] | None:
    if a is None or b is None:
        return a or b
    return max(a, b)
