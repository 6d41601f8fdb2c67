"""The one read that admits a new job: its turn in its lane, its place and its pace.

A submit used to insert the job (its ``fair_tag`` computed by the insert), then read its place,
then the ETA's inputs, then store the announced place: four statements. The new job's place does
not depend on its own row (only jobs strictly before its turn count, and it is not aged), so all
of it is read before the insert, in one statement, and the insert carries the turn and place.

Its cost does not grow with the queue: every count stops at ``ADMISSION_EXACT`` jobs, and a
place behind them is estimated (``places``: exact for one user's burst, a few per cent off for
many users). The announcer (``jobs.announce``), which reads the exact places of the queue's first
``EXACT_PLACES`` every second, corrects it once the place moved by a tenth or more. The cap is
lower than the announcer's: a count walks its index entries one by one, so with 1,000 a submit
behind a deep queue cost 1.3-1.7x one behind 200 jobs (PostgreSQL 3.1 against 1.8 ms); a new
job joins the back, where an estimate is what a client can be told anyway.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.jobs.sql.enqueue import fetch
from foodscan.jobs.sql.fairness import FairShare, place_from, position_counts, tag_for
from foodscan.jobs.sql.pace import pace_query, spans_of
from foodscan.jobs.sql.places import beyond, estimate_columns

RECENT_RUNS = 50  # succeeded jobs whose run times make the ETA (as ``pace_inputs``)
ADMISSION_EXACT = 100  # a submit's counts stop here (``EXACT_PLACES`` for the announcer's)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A job about to be queued: who it is, before its row exists."""

    job_id: str
    user_id: str
    lane: str
    kind: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Admission:
    """What a new job is inserted with and answered with."""

    fair_tag: int
    place: int  # 1-based, among the queued jobs of its kind
    spans: list[tuple[datetime, datetime]]  # start and finish of recent runs of its kind
    slots: int  # slots of the live workers
    busy: int  # jobs of its kind running now


@functools.cache
def _admission_query(
    policy_key: tuple[tuple[tuple[str, int], ...], int, float], lane: str
) -> tuple[sa.Select[Any], list[str]]:
    """The statement for a job of ``lane`` (built once per policy and lane) and the names of
    its count columns, in ``place_from``'s order."""
    # The turn is read once (a CTE), not once per count that compares with it.
    me = sa.select(tag_for(sa.bindparam("tag_user"), lane).label("fair_tag")).cte("me")
    tag = sa.select(me.c.fair_tag).scalar_subquery()
    cap = sa.bindparam("exact_cap", type_=sa.Integer)
    counts = position_counts(FairShare.of(policy_key), lane, tag, cap)
    names = [f"count_{i}" for i in range(len(counts))]
    columns = [c.label(name) for c, name in zip(counts, names, strict=True)]
    estimate = estimate_columns(lane)
    return pace_query(RECENT_RUNS, tag.label("fair_tag"), *columns, *estimate), names


async def admit(
    conn: AsyncConnection,
    policy: FairShare,
    job: Candidate,
    *,
    now: datetime,
    live_since: datetime,
    exact_places: int = ADMISSION_EXACT,
    driver: Any = None,
) -> Admission:
    """The turn, place and pace of a job about to be queued (not inserted yet) in this
    transaction; it is young (``created_at`` is now), so ``place_from`` places it. Its place
    is exact among the first ``exact_places`` of its lane, an estimate behind them.

    ``driver``: ``conn``'s driver connection (asyncpg's; SQLite's ``LoopConnection``), to send
    the read on it directly, without SQLAlchemy's per-execution work (``enqueue.fetch``);
    ``conn`` then serves only the rare extra reads of ``place_from``."""
    oldest = policy.oldest(now)
    params = {
        "tag_user": job.user_id,
        "p_kind": job.kind,
        "p_oldest": oldest,
        "p_created": job.created_at,
        "p_id": job.job_id,
        "pace_kind": job.kind,
        "pace_since": live_since,
        "exact_cap": exact_places,
        "exact_last": exact_places - 1,
    }
    query, names = _admission_query(policy.key, job.lane)
    rows: Sequence[Any]
    if driver is not None:
        rows = await fetch(driver, query, conn.dialect, params)
        head = rows[0]
        spans = [
            (r["started_at"], r["finished_at"])
            for r in rows
            if r["started_at"] and r["finished_at"]
        ]
    else:
        rows = (await conn.execute(query, params)).all()
        head = rows[0]._mapping
        spans = spans_of(rows)
    counts = [int(head[name]) for name in names]
    if counts[1] >= exact_places:  # ahead in its lane, of its kind: behind the exact places
        ahead = beyond(exact_places, int(head["fair_tag"]), int(head["turn"]), head["last_exact"])
        counts[1] = ahead
        counts[2] = max(counts[2], ahead)  # before it in its lane, of any kind
    place = await place_from(
        conn, policy, lane=job.lane, kind=job.kind, oldest=oldest, counts=counts
    )
    return Admission(int(head["fair_tag"]), place, spans, int(head["slots"]), int(head["busy"]))
