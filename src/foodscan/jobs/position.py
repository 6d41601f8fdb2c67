"""Queue position and ETA of a queued job, from the queue itself and recent measured durations."""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.jobs import sql
from foodscan.jobs.sql import Row

# Used until a kind has finished a job here; replaced by measurements as soon as one exists.
FALLBACK_DURATION_S = 5.0
LIVE_WORKER_WINDOW_S = 60.0


async def typical_duration(conn: AsyncConnection, kind: str) -> float:
    """Median run time of the recent succeeded jobs of ``kind`` (seconds)."""
    rows = await sql.recent_durations(conn, kind)
    spans = [
        (r.finished_at - r.started_at).total_seconds()
        for r in rows
        if r.started_at is not None and r.finished_at is not None
    ]
    return float(statistics.median(spans)) if spans else FALLBACK_DURATION_S


async def capacity(conn: AsyncConnection, now: datetime) -> int:
    """How many jobs the live workers run at once (at least 1)."""
    since = now - timedelta(seconds=LIVE_WORKER_WINDOW_S)
    return max(1, sum(int(w.concurrency) for w in await sql.live_workers(conn, since)))


async def estimate(conn: AsyncConnection, job: Row, now: datetime) -> tuple[int, float]:
    """(1-based position, seconds until it likely finishes) for a queued job."""
    place = await sql.position(conn, job)
    duration = await typical_duration(conn, job.kind)
    slots = await capacity(conn, now)
    busy = await sql.running_count(conn, job.kind)
    # Jobs ahead (plus those running) drain in waves of `slots`; this job is in the next wave.
    waves = math.floor((place - 1 + busy) / slots) + 1
    wait = max(0.0, (job.run_at - now).total_seconds())
    return place, round(wait + waves * duration, 1)
