"""The claim order read as rows (its front, or all of it), and the announced places written back.

``queue_front`` reads the first ``limit`` queued jobs in the order ``claim_many`` claims them: the
aged ones oldest first, then the lanes merged by pace (``fairness``). Every read stops at
``limit`` rows (the aged jobs, each lane's young jobs in turn order: index range reads of
``status, created_at`` and ``status, lane, fair_tag``), so the front's cost does not grow with
the queue; the merge never needs more of a lane than ``limit`` jobs to place the first ``limit``.
``lane_after`` reads a lane further back, from a turn on, and ``lane_kinds_before`` counts the
lane's jobs before a turn up to a cap (the announcer's sweep).
"""

from __future__ import annotations

import functools
import heapq
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.db.tables import jobs
from foodscan.jobs.sql.fairness import TURN, FairShare, Row, not_a_range, recent_starts
from foodscan.jobs.states import Status

_COLUMNS = (
    jobs.c.id,
    jobs.c.user_id,
    jobs.c.kind,
    jobs.c.lane,
    jobs.c.queue_position,
    jobs.c.fair_tag,
    jobs.c.created_at,
    jobs.c.updated_at,
)


@dataclass(frozen=True, slots=True)
class Front:
    """The front of the claim order and what it was merged from."""

    order: list[Row]  # the first ``limit`` queued jobs in the claim order (all, if fewer)
    lanes: dict[str, list[Row]]  # each lane's first young jobs (up to ``limit``), by turn
    recent: dict[str, int]  # each lane's starts among the last ``window``
    aged: int  # aged jobs read (up to ``limit``)
    limit: int | None
    # Each lane's young jobs, counted up to ``count_cap`` (for a lane longer than ``limit``).
    waiting: dict[str, int] = field(default_factory=dict)
    count_cap: int | None = None

    def lane_is_longer(self, lane: str) -> bool:
        """Whether more of ``lane``'s young jobs wait behind the ones read."""
        return self.limit is not None and len(self.lanes[lane]) >= self.limit

    def waiting_in(self, lane: str) -> float:
        """How many young jobs wait in ``lane``: read, counted, or (past the count's cap)
        unbounded."""
        if not self.lane_is_longer(lane):
            return len(self.lanes[lane])
        counted = self.waiting.get(lane)
        if counted is None or (self.count_cap is not None and counted >= self.count_cap):
            return math.inf
        return counted


async def queue_front(
    conn: AsyncConnection,
    policy: FairShare,
    now: datetime,
    limit: int | None = None,
    *,
    count_cap: int | None = None,
) -> Front:
    """The first ``limit`` queued jobs (every one when ``None``) in the claim order, as rows
    (``id``, ``user_id``, ``kind``, ``lane``, ``queue_position``, ``fair_tag``, ``created_at``,
    ``updated_at``); with ``count_cap``, the young jobs of each lane longer than ``limit``
    counted up to it (an index-only count, for estimates behind the front)."""
    oldest = policy.oldest(now)
    queued = jobs.c.status == Status.QUEUED
    aged_query = (
        sa.select(*_COLUMNS)
        .where(queued, jobs.c.created_at < oldest)
        .order_by(jobs.c.created_at, jobs.c.id)
        .limit(limit)
    )
    ordered = list((await conn.execute(aged_query)).all())
    aged = len(ordered)
    lanes = policy.lanes()
    by_lane = {lane: await lane_after(conn, lane, None, oldest, limit) for lane in lanes}
    counts = sa.select(
        *(recent_starts(policy, lane).label(f"r{i}") for i, lane in enumerate(lanes))
    )
    recent = dict(zip(lanes, (int(n) for n in (await conn.execute(counts)).one()), strict=True))
    # A lane's pace at its turn t is (recent + t + 1) / share; times the shares' least common
    # multiple it is a whole number (integers compare faster than fractions).
    scale = {
        lane: math.lcm(*(policy.share(x) for x in lanes)) // policy.share(lane) for lane in lanes
    }
    heads = [(scale[lane] * (recent[lane] + 1), rank, lane, 0) for rank, lane in enumerate(lanes)]
    heads = [head for head in heads if by_lane[head[2]]]
    heapq.heapify(heads)
    while heads and (limit is None or len(ordered) < limit):
        _, rank, lane, turn = heapq.heappop(heads)
        ordered.append(by_lane[lane][turn])
        if turn + 1 < len(by_lane[lane]):
            pace = scale[lane] * (recent[lane] + turn + 2)
            heapq.heappush(heads, (pace, rank, lane, turn + 1))
    front = Front(ordered, by_lane, recent, aged, limit, count_cap=count_cap)
    if count_cap is not None:
        for lane in lanes:
            if front.lane_is_longer(lane):
                front.waiting[lane] = await _count_young(conn, lane, oldest, count_cap)
    return front


def _young_in_lane(lane: str, oldest: datetime, name: str) -> list[sa.ColumnElement[bool]]:
    """The filter of ``lane``'s young queued jobs (created after ``oldest``, bound as ``name``)."""
    return [
        jobs.c.status == Status.QUEUED,
        jobs.c.lane == lane,
        not_a_range(sa.bindparam(name, oldest, type_=jobs.c.created_at.type)),
    ]


async def _count_young(conn: AsyncConnection, lane: str, oldest: datetime, cap: int) -> int:
    """``lane``'s young queued jobs, counted up to ``cap``."""
    first = (
        sa.select(jobs.c.id)
        .where(
            *_young_in_lane(lane, oldest, "count_oldest"),
        )
        .limit(cap)
        .subquery("first_young")
    )
    return int((await conn.execute(sa.select(sa.func.count()).select_from(first))).scalar_one())


async def queue_order(conn: AsyncConnection, policy: FairShare, now: datetime) -> list[Row]:
    """Every queued job in the claim order (``queue_front`` without a limit: for tests and
    small queues; the announcer reads the front)."""
    return (await queue_front(conn, policy, now)).order


async def lane_after(
    conn: AsyncConnection,
    lane: str,
    after: tuple[int, datetime, str] | None,
    oldest: datetime,
    limit: int | None,
) -> list[Row]:
    """Up to ``limit`` of ``lane``'s young queued jobs in turn order, after the turn ``after``
    (``fair_tag``, ``created_at``, ``id``) when given."""
    query = sa.select(*_COLUMNS).where(
        *_young_in_lane(lane, oldest, "lane_oldest"),
    )
    if after is not None:
        query = query.where(sa.tuple_(*TURN) > sa.tuple_(*after))
    return list((await conn.execute(query.order_by(*TURN).limit(limit))).all())


async def lane_kinds_before(
    conn: AsyncConnection, lane: str, before: tuple[int, datetime, str], oldest: datetime, cap: int
) -> dict[str, int]:
    """``lane``'s young queued jobs before the turn ``before``, per kind: the first ``cap`` of
    them counted (the count stops there)."""
    first = (
        sa.select(jobs.c.kind)
        .where(
            *_young_in_lane(lane, oldest, "before_oldest"),
            sa.tuple_(*TURN) < sa.tuple_(*before),
        )
        .order_by(*TURN)
        .limit(cap)
        .subquery("before_run")
    )
    query = sa.select(first.c.kind, sa.func.count()).group_by(first.c.kind)
    return {kind: int(n) for kind, n in (await conn.execute(query)).all()}


# Announced places go in as one JSON object (job id → place), read by the database: one
# statement for a whole round of moved places, the same text however many there are.
ANNOUNCE_CHUNK = 500


@functools.cache
def _announce_query(dialect: str) -> sa.Update:
    places = sa.bindparam("places", type_=sa.String)
    if dialect == "postgresql":
        entry = sa.func.jsonb_extract_path_text(sa.cast(places, JSONB), jobs.c.id)
        # One array parameter: the same SQL (and prepared statement) for any number of ids; an
        # expanding IN made SQLAlchemy rewrite the SQL for each round and asyncpg prepare it
        # again for each new count.
        wanted = jobs.c.id == sa.any_(sa.bindparam("ids", type_=ARRAY(sa.String)))
    else:  # SQLite's JSON path quotes the key: job ids are UUIDs, with no quote in them
        entry = sa.func.json_extract(places, sa.literal('$."') + jobs.c.id + sa.literal('"'))
        wanted = jobs.c.id.in_(sa.bindparam("ids", expanding=True))
    place = sa.cast(entry, sa.Integer)
    return (
        sa.update(jobs)
        .where(
            wanted,
            # A function of the status, so the ids are looked up by the primary key: with a
            # plain ``status = 'queued'`` SQLite walked every queued job by the status index
            # (15 ms for 50 places with 20,000 queued, 0.1 ms by the key).
            sa.func.coalesce(jobs.c.status, "") == Status.QUEUED,
            sa.or_(jobs.c.queue_position.is_(None), jobs.c.queue_position != place),
            jobs.c.updated_at <= sa.bindparam("quiet_before", type_=jobs.c.updated_at.type),
        )
        .values(queue_position=place, updated_at=sa.bindparam("announced_at"))
        .returning(jobs.c.id, jobs.c.user_id, jobs.c.kind, jobs.c.run_at, jobs.c.queue_position)
    )


async def set_announced(
    conn: AsyncConnection, places: Mapping[str, int], now: datetime, quiet_s: float = 0.0
) -> list[Row]:
    """Record each job's place (id → place) as its announced position, where the job is still
    queued, its place changed, and it was not touched in the last ``quiet_s`` seconds
    (coalescing); the rows changed (``id, user_id, kind, run_at, queue_position``), in no
    particular order. One statement per ``ANNOUNCE_CHUNK`` jobs."""
    query = _announce_query(conn.dialect.name)
    quiet_before = now - timedelta(seconds=quiet_s)
    ids = list(places)
    changed: list[Row] = []
    for i in range(0, len(ids), ANNOUNCE_CHUNK):
        chunk = ids[i : i + ANNOUNCE_CHUNK]
        params = {
            "ids": chunk,
            "places": json.dumps({job_id: places[job_id] for job_id in chunk}),
            "quiet_before": quiet_before,
            "announced_at": now,
        }
        changed.extend((await conn.execute(query, params)).all())
    return changed
