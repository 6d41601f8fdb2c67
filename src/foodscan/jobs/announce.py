"""Fresh queue positions for waiting clients: ``job.queued`` again when a job's place changes.

A job's place changes with every claim ahead of it and with every job that goes before it (a
new user's, a paid one, an aged one). Once a second a worker reads the whole claim order
(``sql.queue_order``) and announces the places that moved: always near the front (the first
``NEAR_FRONT`` places, where a client is about to start), further back only when the place
moved by a tenth or more, so a long queue does not flood the event log. The announced places
are stored on the jobs by one guarded update per round, which also coalesces: at most one
announcement per job per ``QUIET_S``, however many workers announce.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.clock import Clock, utc_now
from foodscan.jobs import position, sql
from foodscan.jobs.transaction import Bus, write
from foodscan.settings import Settings

NEAR_FRONT = 50
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
        self, engine: AsyncEngine, bus: Bus, settings: Settings, *, clock: Clock = utc_now
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.bus = bus
        self.policy = position.fair_share(settings)

    async def announce(self, now: datetime | None = None) -> int:
        """One round; returns how many jobs got a new position.

        The order is read outside any write, so an idle queue costs one read and no lock;
        only the places worth announcing open a write (guarded: a job claimed meanwhile, or
        announced by another worker, is skipped)."""
        now = now or self.clock()
        async with self.engine.connect() as conn:
            order = await sql.queue_order(conn, self.policy, now)
        places: Counter[str] = Counter()
        moved: list[tuple[str, int]] = []
        for row in order:
            places[row.kind] += 1
            if worth_announcing(row.queue_position, places[row.kind]):
                moved.append((row.id, places[row.kind]))
        if not moved:
            return 0
        async with write(self.engine, self.bus, now) as tx:
            # One guarded update for every moved place; the rows it changed get their event.
            changed = await sql.set_announced(tx.conn, dict(moved), now, QUIET_S)
            rank = {job_id: i for i, (job_id, _) in enumerate(moved)}
            waves: dict[str, tuple[float, int, int]] = {}
            for row in sorted(changed, key=lambda r: rank[r.id]):  # in the claim order
                if row.kind not in waves:
                    waves[row.kind] = await position.pace_of(tx.conn, row.kind, now)
                eta = position.eta(row.queue_position, *waves[row.kind], wait=row.run_at - now)
                await tx.event(row, "job.queued", position=row.queue_position, eta_seconds=eta)
        return len(changed)
