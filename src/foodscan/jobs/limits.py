"""Rate limits and budgets of a plan, checked against the jobs table at submit.

Three limits, each off when 0 or None (``settings.PlanLimits``): jobs created or retried in the
last minute, pages of the jobs created in the last 24 hours (a rolling window, not a calendar
day), and jobs queued or running at once. A retry (``pages=0``) counts against the rate and the
active jobs, not the pages, which the job's first run paid. Over one, ``check`` raises a
``Limited`` error whose ``retry_after`` says when the window frees: from the creation (or retry)
time of the job that must leave it.

``JobStore.submit`` runs ``check`` inside the submit's transaction after ``sql.lock_user``, so two
API processes cannot both let the same user pass by one; the route also runs it once before
storing the uploads, so a refused submit usually stores nothing at all, and ``check_early``
before it reads the body at all: a user already over a limit costs one read, not the parse,
inspection and stripping of up to the whole body limit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from foodscan.errors import QuotaExceeded, RateLimited, TooMany, TooManyActive
from foodscan.jobs import position, sql
from foodscan.jobs.sql import Row
from foodscan.settings import PlanLimits

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
# A full queue frees when one of the user's jobs finishes: about one typical run, within these.
ACTIVE_RETRY_MIN_S = 1
ACTIVE_RETRY_MAX_S = 60


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def pages_of(inputs: list[dict[str, Any]]) -> int:
    """The pages of a job's stored inputs (an image is one page)."""
    return sum(max(1, int(item.get("pages") or 1)) for item in inputs)


def enforced(limits: PlanLimits) -> bool:
    """Whether ``limits`` limits anything (a plan with every limit off needs no read)."""
    return bool(limits.submits_per_minute or limits.pages_per_day or limits.active_jobs)


async def check(
    conn: AsyncConnection,
    limits: PlanLimits,
    *,
    user_id: str,
    kind: str | None,
    pages: int,
    now: datetime,
) -> None:
    """Raise ``RateLimited``, ``QuotaExceeded`` or ``TooManyActive`` if a new job of ``pages``
    pages (0: a retry) would go over ``limits``; ``TooMany`` if it could never fit the daily
    budget. The use they count is one read (``sql.usage``)."""
    if not enforced(limits):
        return
    if limits.pages_per_day and pages > limits.pages_per_day:
        raise TooMany(
            f"this job has {pages} pages; the plan allows {limits.pages_per_day} pages a day"
        )
    used = await sql.usage(
        conn,
        user_id,
        nth=limits.submits_per_minute or 1,
        minute_since=now - MINUTE,
        active_cap=limits.active_jobs or 1,
        day_since=now - DAY if limits.pages_per_day and pages else None,
    )
    if limits.submits_per_minute:
        _check_rate(limits.submits_per_minute, used.nth_newest, now)
    if limits.pages_per_day and pages:
        _check_pages(limits.pages_per_day, used.recent, pages, now)
    if limits.active_jobs and used.active >= limits.active_jobs:
        typical = (
            ACTIVE_RETRY_MIN_S if kind is None else await position.typical_duration(conn, kind)
        )
        wait = min(ACTIVE_RETRY_MAX_S, max(ACTIVE_RETRY_MIN_S, math.ceil(typical)))
        raise TooManyActive(
            f"{used.active} of your jobs are queued or running; the plan allows "
            f"{limits.active_jobs} at once",
            retry_after=wait,
        )


async def check_early(
    engine: AsyncEngine,
    limits: PlanLimits,
    *,
    user_id: str,
    idempotency_key: str | None,
    now: datetime,
) -> None:
    """``check`` for a job of one page (the least a job has) of no known kind, before the body
    is read; a request whose Idempotency-Key already made a job passes (it may be its replay,
    answered 200 whatever the limits)."""
    if not enforced(limits):
        return
    async with engine.connect() as conn:
        replay = idempotency_key is not None and (
            await sql.get_by_idempotency_key(conn, user_id, idempotency_key) is not None
        )
        if replay:
            return
        await check(conn, limits, user_id=user_id, kind=None, pages=1, now=now)


def _check_rate(limit: int, oldest: datetime | None, now: datetime) -> None:
    # Over the limit when ``limit`` jobs are already in the window (``oldest`` is the
    # ``limit``-th newest of them); it frees when that one turns a minute old.
    if oldest is not None:
        raise RateLimited(
            f"at most {limit} submits per minute on this plan",
            retry_after=_seconds_until(oldest + MINUTE, now),
        )


def _check_pages(limit: int, rows: Sequence[Row], pages: int, now: datetime) -> None:
    used = sum(pages_of(row.inputs) for row in rows)
    if used + pages <= limit:
        return
    # Oldest first: the window has room once enough old pages have left it (at the latest
    # when all have, as ``pages <= limit``).
    freed, frees_at = 0, now
    for row in rows:
        freed += pages_of(row.inputs)
        frees_at = row.created_at + DAY
        if used - freed + pages <= limit:
            break
    raise QuotaExceeded(
        f"{used} of the plan's {limit} pages a day are used; this job has {pages}",
        retry_after=_seconds_until(frees_at, now),
    )
