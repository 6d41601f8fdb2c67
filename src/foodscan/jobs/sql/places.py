"""A queued job's place, exact among the first ``EXACT_PLACES`` of its lane, estimated behind.

Every count of queued jobs stops at ``EXACT_PLACES`` (so the read's cost does not grow with the
queue). A job with fewer ahead of it in its lane gets its exact place (``fairness.place_from``);
one further back gets an estimate from the turns (``fair_tag``) between it and the lane's
current turn, at the density of jobs per turn among the first ``EXACT_PLACES`` (exact for one
user's burst; for many users a few per cent off). An aged job behind ``EXACT_PLACES`` aged ones
is placed by its age, at the density of the first ``EXACT_PLACES``. ``admission`` places a new
job the same way, in the read that admits it.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.db.tables import jobs
from foodscan.jobs.sql.fairness import (
    FairShare,
    Row,
    not_a_range,
    place_from,
    position_counts,
)
from foodscan.jobs.states import Status

EXACT_PLACES = 1000  # a count of queued jobs stops here; a place further back is estimated


def estimate_columns(lane: str) -> list[sa.Label[Any]]:
    """For an estimate behind the exact places: the lane's current turn (``turn``) and the turn
    of its ``exact_last``-th queued job of kind ``p_kind`` (``last_exact``; bound: ``p_oldest``,
    ``exact_last``)."""
    turn = (
        sa.select(jobs.c.fair_tag)
        .where(jobs.c.lane == lane, jobs.c.started_at.is_not(None))
        .order_by(jobs.c.started_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    last_exact = (
        sa.select(jobs.c.fair_tag)
        .where(
            jobs.c.status == Status.QUEUED,
            jobs.c.kind == sa.bindparam("p_kind"),
            not_a_range(sa.bindparam("p_oldest", type_=jobs.c.created_at.type)),
            jobs.c.lane == lane,
        )
        .order_by(jobs.c.fair_tag, jobs.c.created_at, jobs.c.id)
        .offset(sa.bindparam("exact_last", type_=sa.Integer))
        .limit(1)
        .scalar_subquery()
    )
    return [sa.func.coalesce(turn, 0).label("turn"), last_exact.label("last_exact")]


def beyond(exact: int, tag: int, turn: int, last_exact: int | None) -> int:
    """Jobs ahead of turn ``tag`` in its lane when at least ``exact`` are: the turns between it
    and the lane's current ``turn``, at the density of the first ``exact`` jobs (whose last has
    turn ``last_exact``)."""
    if last_exact is None:  # cannot happen with ``exact`` jobs ahead; stay with what is known
        return exact
    per_turn = exact / max(1, last_exact - turn)
    return max(exact, round((tag - 1 - turn) * per_turn))


@functools.cache
def _position_query(
    policy_key: tuple[tuple[tuple[str, int], ...], int, float], lane: str
) -> tuple[sa.Select[Any], list[str]]:
    """Every count ``place_from`` needs for a young job of ``lane`` (capped at ``exact_cap``),
    and the estimate's columns, in one statement built once per policy and lane; and the names
    of the count columns."""
    tag = sa.bindparam("p_tag", type_=jobs.c.fair_tag.type)
    cap = sa.bindparam("exact_cap", type_=sa.Integer)
    counts = position_counts(FairShare.of(policy_key), lane, tag, cap)
    names = [f"count_{i}" for i in range(len(counts))]
    columns = [c.label(name) for c, name in zip(counts, names, strict=True)]
    return sa.select(*columns, *estimate_columns(lane)), names


async def position(
    conn: AsyncConnection,
    policy: FairShare,
    job: Row,
    now: datetime,
    *,
    exact_places: int = EXACT_PLACES,
) -> int:
    """1-based place of a queued job among the queued jobs of its kind, in the claim order:
    exact while fewer than ``exact_places`` go before it in its lane (or among the aged jobs),
    estimated behind them.

    One read for the common case (every count at once); one more per other lane with jobs
    waiting whose next turns go before this one."""
    oldest = policy.oldest(now)
    if job.created_at < oldest:
        return await _aged_place(conn, job, oldest, exact_places)
    params = {
        "p_kind": job.kind,
        "p_oldest": oldest,
        "p_tag": job.fair_tag,
        "p_created": job.created_at,
        "p_id": job.id,
        "exact_cap": exact_places,
        "exact_last": exact_places - 1,
    }
    query, names = _position_query(policy.key, job.lane)
    head = (await conn.execute(query, params)).one()._mapping
    counts = [int(head[name]) for name in names]
    if counts[1] >= exact_places:  # ahead in its lane, of its kind: behind the exact places
        ahead = beyond(exact_places, int(job.fair_tag), int(head["turn"]), head["last_exact"])
        counts[1] = ahead
        counts[2] = max(counts[2], ahead)  # before it in its lane, of any kind
    return await place_from(
        conn, policy, lane=job.lane, kind=job.kind, oldest=oldest, counts=counts
    )


async def _aged_place(conn: AsyncConnection, job: Row, oldest: datetime, exact: int) -> int:
    """An aged job's place: the aged jobs of its kind created before it, counted up to
    ``exact``; behind them, estimated from its age at the density of the first ``exact``."""
    of_kind = (
        jobs.c.status == Status.QUEUED,
        jobs.c.kind == job.kind,
        jobs.c.created_at < oldest,
    )
    earlier = sa.tuple_(jobs.c.created_at, jobs.c.id) < sa.tuple_(job.created_at, job.id)
    first = (
        sa.select(jobs.c.created_at)
        .where(*of_kind, earlier)
        .order_by(jobs.c.created_at, jobs.c.id)
        .limit(exact)
        .subquery("first_aged")
    )
    query = sa.select(
        sa.func.count(), sa.func.min(first.c.created_at), sa.func.max(first.c.created_at)
    )
    ahead, since, last = (await conn.execute(query)).one()
    if ahead < exact or since is None or last is None or last <= since:
        return int(ahead) + 1
    per_second: float = (exact - 1) / (last - since).total_seconds()
    waited: float = (job.created_at - since).total_seconds()
    return max(exact, round(waited * per_second)) + 1
