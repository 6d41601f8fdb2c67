"""Claims for several free slots in one statement: the next ``n`` jobs of the fair order.

One ``UPDATE … FROM picked … RETURNING`` takes them all (``JobQueue.claim`` gathers the slots
that ask in one group-commit batch): on PostgreSQL one round trip instead of one per slot.
``picked`` merges the same candidates a single claim looks at (``fairness.next_job``), each
locked with ``SKIP LOCKED`` on PostgreSQL (SQLite drops the clause: its writers are serialised):

- the aged jobs (queued longer than ``max_wait``), oldest first, up to ``n``: they go before
  every other;
- each lane's first ``n`` young jobs in turn order; a lane's ``k``-th of them has the pace
  ``(recent starts + the starts the claims before it add + 1) / share`` — those claims being
  the lane's aged jobs taken here and its ``k - 1`` earlier young ones, each adding a start
  unless it had one (a retried or rescued job moves its start) — the pace that lane has when a
  single claim after those considers it, so merging the lanes by
  ``(pace, lane rank)`` is the order ``n`` single claims would follow — except that the starts
  this statement makes do not push older ones out of the window of recent starts until the
  next claim reads it (at most ``n`` of ``window`` starts; ``test_claim_many`` holds the two
  orders to one where the window is not full).

Every row is guarded again by ``status = 'queued'``. Each claimed job gets its own lease token,
``<base>-<seq>``, where ``seq`` is its place in the merge: the caller hands the rows out in the
order the jobs were picked (SQLite's ``RETURNING`` cannot name ``picked``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.db.tables import jobs
from foodscan.jobs.sql.fairness import (
    CLAIM_NOW,
    CLAIM_OLDEST,
    TURN,
    FairShare,
    due,
    inline,
    not_a_range,
    recent_starts,
)
from foodscan.jobs.states import Status

Row = sa.Row[*tuple[Any, ...]]  # Any: rows of jobs have many column types

# A token is ``<base>-<seq>``: 32 hex digits, a dash, at most 3 digits — within the column's 36
# characters; a claim for more slots than this takes several statements.
MAX_CLAIM = 999
_N = sa.bindparam("claim_n", type_=sa.Integer)


async def claim_many(
    conn: AsyncConnection,
    *,
    n: int,
    worker_id: str,
    token_base: str,
    now: datetime,
    lease_until: datetime,
    kinds: Sequence[str],
    policy: FairShare,
    first_steps: Mapping[str, str] | None = None,
) -> list[Row]:
    """Take up to ``n`` runnable jobs in the fair order, each at the first step of its kind
    (``first_steps``: kind → step name), if given; returns their rows in the order picked, each
    with its own lease token ``<token_base>-<seq>``."""
    assert 0 < n <= MAX_CLAIM  # noqa: S101 - a programming error, not input
    assert len(token_base) == 32  # noqa: S101 - the token must fit its column
    query = _claim_many_query(policy.key, tuple(kinds), tuple(sorted((first_steps or {}).items())))
    params = {
        "claim_n": n,
        "claim_now": now,
        "claim_oldest": policy.oldest(now),
        "claim_worker": worker_id,
        "claim_token": token_base + "-",
        "claim_lease_until": lease_until,
    }
    rows = (await conn.execute(query, params)).all()
    return sorted(rows, key=lambda row: int(row.lease_token.rsplit("-", 1)[1]))


def _picked(policy: FairShare, kinds: Sequence[str]) -> sa.CTE:
    """The ids of the next ``claim_n`` jobs and their places in the merge (``seq``, from 1)."""
    ready = (
        jobs.c.status == Status.QUEUED,
        due(CLAIM_NOW),
        jobs.c.kind.in_([inline(kind) for kind in kinds]),
    )
    # A job queued again after a start (retried, rescued) keeps its start among the recent
    # ones: claiming it again moves that start, it does not add one to its lane.
    fresh = sa.case((jobs.c.started_at.is_(None), 1), else_=0).label("fresh")
    aged = (
        sa.select(jobs.c.id, jobs.c.lane, jobs.c.created_at, fresh)
        .where(*ready, jobs.c.created_at < CLAIM_OLDEST)
        .order_by(jobs.c.created_at, jobs.c.id)
        .limit(_N)
        .with_for_update(skip_locked=True)
        .cte("aged")
    )
    zero = sa.literal_column("0", sa.Integer)
    candidates = [
        sa.select(
            aged.c.id,
            zero.label("grp"),
            sa.literal_column("0.0", sa.Numeric).label("pace"),
            zero.label("rank"),
            sa.func.row_number().over(order_by=(aged.c.created_at, aged.c.id)).label("ord"),
        )
    ]
    for rank, lane in enumerate(policy.lanes()):
        heads = (
            sa.select(*TURN, fresh)
            .where(*ready, jobs.c.lane == lane, not_a_range(CLAIM_OLDEST))
            .order_by(*TURN)
            .limit(_N)
            .with_for_update(skip_locked=True)
            .subquery(f"heads_{rank}")
        )
        turn = (heads.c.fair_tag, heads.c.created_at, heads.c.id)
        k = sa.func.row_number().over(order_by=turn)
        # Starts the claims before this one add to the lane: its aged jobs taken here, its
        # earlier candidates (``fresh`` ones only); then this one's own.
        aged_here = (
            sa.select(sa.func.coalesce(sa.func.sum(aged.c.fresh), 0))
            .where(aged.c.lane == lane)
            .scalar_subquery()
        )
        earlier = sa.func.sum(heads.c.fresh).over(order_by=turn, rows=(None, 0)) - heads.c.fresh
        added = recent_starts(policy, lane) + aged_here + earlier + 1
        # Constants written into the statement: a numeric on PostgreSQL, a real on SQLite.
        starts = added * sa.literal_column("1.0", sa.Numeric)
        pace = starts / sa.literal_column(str(policy.share(lane)), sa.Numeric)
        candidates.append(
            sa.select(
                heads.c.id,
                sa.literal_column("1", sa.Integer).label("grp"),
                pace.label("pace"),
                sa.literal_column(str(rank), sa.Integer).label("rank"),
                k.label("ord"),
            )
        )
    merged = sa.union_all(*candidates).subquery("candidates")
    order = (merged.c.grp, merged.c.pace, merged.c.rank, merged.c.ord)
    seq = sa.func.row_number().over(order_by=order)
    return sa.select(merged.c.id, seq.label("seq")).order_by(*order).limit(_N).cte("picked")


@functools.cache
def _claim_many_query(
    policy: tuple[tuple[tuple[str, int], ...], int, float],
    kinds: tuple[str, ...],
    first_steps: tuple[tuple[str, str], ...],
) -> sa.Update:
    """The statement, built once per policy, kinds and first steps (the count, the moment,
    the worker and its lease are parameters)."""
    picked = _picked(FairShare.of(policy), kinds)
    step: Any = sa.case(dict(first_steps), value=jobs.c.kind, else_=None) if first_steps else None
    token = sa.bindparam("claim_token", type_=sa.String) + sa.cast(picked.c.seq, sa.String)
    return (
        sa.update(jobs)
        .where(jobs.c.id == picked.c.id, jobs.c.status == Status.QUEUED)
        .values(
            status=Status.RUNNING,
            lease_owner=sa.bindparam("claim_worker"),
            lease_token=token,
            lease_expires_at=sa.bindparam("claim_lease_until", type_=jobs.c.lease_expires_at.type),
            attempt=jobs.c.attempt + 1,
            started_at=CLAIM_NOW,
            step=step,
            progress=0,
            updated_at=CLAIM_NOW,
        )
        .returning(*jobs.c)
    )
