"""The claim order: paid before free by a share, round robin between users, aging.

One order, followed by ``claim`` (which job runs next) and counted by ``position`` (how many of
a kind's jobs run before a queued one), so a client's place is the order workers really follow.

- **Users, inside a lane** (weighted fair queuing): a job's ``fair_tag``, set when it is queued,
  is one more than the later of its lane's current turn (the tag of the lane's job started last)
  and its user's last tag in the lane. A burst of 200 jobs from one user takes turns 1..200; the
  next user's one job takes turn 1 and runs second, not 201st. A lane runs its jobs by tag.
- **Lanes** (stride scheduling): the lane whose next job has the smallest
  ``(jobs of the lane among the last ``window`` started + 1) / share`` goes. With shares paid 4
  and free 1, four paid jobs run for each free one while both wait; a lane alone takes every slot.
- **Aging**: a job queued longer than ``max_wait`` goes before every younger one, oldest first,
  so a free job never waits much longer than that behind paid work.

Every pick is an index range read (``status, lane, fair_tag``; ``status, created_at``;
``started_at``), not a sort of the queue. A claim adds one recent start to its lane and takes the
lane's first job, so the others keep their order: positions change when jobs are submitted,
cancelled or age, not with every claim.

The order is written three times — ``claim_many`` (SQL), ``places.position``/``place_from``
(counts and arithmetic) and ``order.queue_order`` (a heap merge) — and ``tests/integration/jobs/
test_fair_order_agrees.py`` holds them to one on generated queues, on both engines.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.db.tables import jobs
from foodscan.jobs.states import LANE_RANK, Status

Row = sa.Row[*tuple[Any, ...]]  # Any: rows of jobs have many column types
TURN = (jobs.c.fair_tag, jobs.c.created_at, jobs.c.id)


@dataclass(frozen=True, slots=True)
class FairShare:
    """How workers share their slots between lanes and users (``Settings`` builds it)."""

    shares: dict[str, int]  # lane → weight; a lane not named weighs 1
    window: int = 200  # recent starts that count against a lane
    max_wait_s: float = 900.0  # a job queued this long goes first

    def lanes(self) -> list[str]:
        """Every lane, paid first (``LANE_RANK``), then any other named in the shares."""
        named = [str(lane) for lane in sorted(LANE_RANK, key=LANE_RANK.__getitem__)]
        return named + sorted(set(self.shares) - set(named))

    def share(self, lane: str) -> int:
        return self.shares.get(lane, 1)

    @property
    def key(self) -> tuple[tuple[tuple[str, int], ...], int, float]:
        """The policy as a hashable value (statements built for it are cached by it)."""
        return tuple(sorted(self.shares.items())), self.window, self.max_wait_s

    @classmethod
    def of(cls, key: tuple[tuple[tuple[str, int], ...], int, float]) -> FairShare:
        shares, window, max_wait_s = key
        return cls(dict(shares), window, max_wait_s)

    def oldest(self, now: datetime) -> datetime:
        """Jobs created before this have waited too long: they go first."""
        return now - timedelta(seconds=self.max_wait_s)


def tag_for(
    user_id: str | sa.BindParameter[Any], lane: str | sa.BindParameter[Any]
) -> sa.ScalarSelect[Any]:
    """The ``fair_tag`` of a job queued now: after the lane's current turn and after the
    user's own last job in the lane."""
    current = (
        sa.select(jobs.c.fair_tag)
        .where(jobs.c.lane == lane, jobs.c.started_at.is_not(None))
        .order_by(jobs.c.started_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    # The highest tag as the first of an index range read backwards (a max() over the range
    # was planned as a scan of every row of the user's lane while the table had no statistics).
    users_last = (
        sa.select(jobs.c.fair_tag)
        .where(jobs.c.user_id == user_id, jobs.c.lane == lane)
        .order_by(jobs.c.fair_tag.desc())
        .limit(1)
        .scalar_subquery()
    )
    lane_turn, user_turn = sa.func.coalesce(current, 0), sa.func.coalesce(users_last, 0)
    # CASE, not GREATEST / MAX(a, b): the same on PostgreSQL and SQLite.
    later = sa.case((lane_turn > user_turn, lane_turn), else_=user_turn)
    return sa.select(later + 1).scalar_subquery()


def recent_starts(policy: FairShare, lane: str) -> sa.ScalarSelect[Any]:
    """How many of the last ``window`` jobs started were in ``lane``."""
    last = (
        sa.select(jobs.c.lane)
        .where(jobs.c.started_at.is_not(None))
        .order_by(jobs.c.started_at.desc())
        .limit(policy.window)
        .subquery("last_started")
    )
    return sa.select(sa.func.count()).where(last.c.lane == lane).scalar_subquery()


CLAIM_NOW = sa.bindparam("claim_now", type_=jobs.c.run_at.type)
CLAIM_OLDEST = sa.bindparam("claim_oldest", type_=jobs.c.created_at.type)


def inline(text: str) -> sa.ColumnElement[str]:
    """A string written into the statement, not bound: the claim's kinds are fixed for the
    statement built for them, and an expanding ``IN`` list made SQLAlchemy rewrite the SQL of
    every claim (``_process_parameters_for_postcompile``, 4 % of a worker's time). Kinds are the
    code's own names; quotes are doubled all the same."""
    return sa.literal_column("'" + text.replace("'", "''") + "'", type_=sa.String)


async def place_from(
    conn: AsyncConnection,
    policy: FairShare,
    *,
    lane: str,
    kind: str,
    oldest: datetime,
    counts: Sequence[Any],
) -> int:
    """A young job's 1-based place from ``position_counts``' columns (in their order); one
    more read per other lane with jobs waiting whose next turns go before it."""
    lanes = policy.lanes()
    others = [other for other in lanes if other != lane]
    aged, in_lane, before_in_lane, *rest = (int(n) for n in counts)
    recent = dict(zip(lanes, rest[: len(lanes)], strict=True))
    waiting = dict(zip(others, rest[len(lanes) :], strict=True))
    ahead = aged + in_lane
    pace = Fraction(recent[lane] + before_in_lane + 1, policy.share(lane))
    for other in others:
        turns = turns_before(policy, lane, pace, other, recent[other])
        if turns > 0 and waiting[other]:
            young = jobs.c.created_at >= oldest
            ahead += await _count_first(conn, other, kind, young, min(turns, waiting[other]))
    return ahead + 1


def turns_before(policy: FairShare, lane: str, pace: Fraction, other: str, recent: int) -> int:
    """How many turns of lane ``other`` (with ``recent`` recent starts) go before a job of
    ``lane`` whose pace is ``pace``: turns r go first while (recent + r) / share < pace (at an
    equal pace, the lane listed first goes first)."""
    lanes = policy.lanes()
    bound = pace * policy.share(other) - recent
    before = lanes.index(other) < lanes.index(lane)
    return math.ceil(bound) - 1 if bound.denominator != 1 or not before else int(bound)


@functools.cache
def _position_counts(
    policy_key: tuple[tuple[tuple[str, int], ...], int, float], lane: str
) -> sa.Select[Any]:
    """Every count ``position`` needs for a young job of ``lane``, in one statement, built once
    per policy and lane."""
    tag = sa.bindparam("p_tag", type_=jobs.c.fair_tag.type)
    return sa.select(*position_counts(FairShare.of(policy_key), lane, tag))


def position_counts(
    policy: FairShare,
    lane: str,
    tag: sa.ColumnElement[Any],
    cap: sa.ColumnElement[Any] | None = None,
) -> list[sa.ScalarSelect[Any]]:
    """The counts that place a young job of ``lane`` with turn ``tag`` (bound: ``p_kind``,
    ``p_oldest``, ``p_created``, ``p_id``), for ``place_from``: aged ahead, ahead in its lane,
    before it in its lane, the lanes' recent starts, the other lanes' waiting jobs. With ``cap``
    each count of queued jobs stops there (its cost does not grow with the queue)."""
    _counted = functools.partial(_counted_up_to, cap)
    queued = (jobs.c.status == Status.QUEUED,)
    same_kind = (*queued, jobs.c.kind == sa.bindparam("p_kind"))
    oldest = sa.bindparam("p_oldest", type_=jobs.c.created_at.type)
    young = jobs.c.created_at >= oldest if cap is None else not_a_range(oldest)
    me = (
        tag,
        sa.bindparam("p_created", type_=jobs.c.created_at.type),
        sa.bindparam("p_id", type_=jobs.c.id.type),
    )
    before_me = sa.tuple_(*TURN) < sa.tuple_(*me)
    lanes = policy.lanes()
    return [
        _counted(*same_kind, jobs.c.created_at < oldest),
        _counted(*same_kind, young, jobs.c.lane == lane, before_me),
        _counted(*queued, young, jobs.c.lane == lane, before_me),
        *(recent_starts(policy, other) for other in lanes),
        *(_counted(*queued, young, jobs.c.lane == other) for other in lanes if other != lane),
    ]


def _counted(*where: sa.ColumnElement[bool]) -> sa.ScalarSelect[Any]:
    return sa.select(sa.func.count()).select_from(jobs).where(*where).scalar_subquery()


def not_a_range(oldest: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """``created_at >= oldest`` in a form no planner reads as an index range (a function of the
    column; it is never null), so a capped count walks the lane's index in turn order and stops
    at its cap, rather than walking every young job by ``created_at`` (SQLite's choice without
    statistics)."""
    return sa.func.coalesce(jobs.c.created_at, oldest) >= oldest


def due(now: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """``run_at <= now`` in a form no planner reads as an index range (a function of the column;
    it is never null), so a lane's head is its index walked in turn order up to the first job
    due, rather than every due job of the lane read by ``run_at`` and sorted by turn (SQLite's
    plan with the range: 18 ms a claim with 20,000 queued, on the event loop's thread)."""
    return sa.func.coalesce(jobs.c.run_at, now) <= now


def _counted_up_to(
    cap: sa.ColumnElement[Any] | None, *where: sa.ColumnElement[bool]
) -> sa.ScalarSelect[Any]:
    """``count(*)`` of the matching rows, stopping at ``cap`` rows when given."""
    if cap is None:
        return _counted(*where)
    first = sa.select(jobs.c.id).where(*where).limit(cap).subquery("first_rows")
    return sa.select(sa.func.count()).select_from(first).scalar_subquery()


async def _count_first(
    conn: AsyncConnection, lane: str, kind: str, young: sa.ColumnElement[bool], turns: int
) -> int:
    """How many of ``lane``'s next ``turns`` jobs are of ``kind``."""
    first = (
        sa.select(jobs.c.kind)
        .where(jobs.c.status == Status.QUEUED, young, jobs.c.lane == lane)
        .order_by(*TURN)
        .limit(turns)
        .subquery("first")
    )
    query = sa.select(sa.func.count()).select_from(first).where(first.c.kind == kind)
    return int((await conn.execute(query)).scalar_one())
