"""Queue position and ETA of a queued job, from the queue itself and recent measured durations."""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.jobs import sql
from foodscan.jobs.sql import FairShare, Row
from foodscan.settings import Settings

# Used until a kind has finished a job here; replaced by measurements as soon as one exists.
FALLBACK_DURATION_S = 5.0
LIVE_WORKER_WINDOW_S = 60.0


def fair_share(settings: Settings) -> FairShare:
    """The claim order's policy from the settings (lane shares, window, longest wait)."""
    return FairShare(dict(settings.lane_shares), settings.fair_window, settings.max_wait_s)


def _median_span(spans: list[tuple[datetime, datetime]]) -> float:
    seconds = [(finished - started).total_seconds() for started, finished in spans]
    return float(statistics.median(seconds)) if seconds else FALLBACK_DURATION_S


async def typical_duration(conn: AsyncConnection, kind: str) -> float:
    """Median run time of the recent succeeded jobs of ``kind`` (seconds)."""
    rows = await sql.recent_durations(conn, kind)
    return _median_span(
        [(r.started_at, r.finished_at) for r in rows if r.started_at and r.finished_at]
    )


async def pace_of(conn: AsyncConnection, kind: str, now: datetime) -> tuple[float, int, int]:
    """(typical seconds per job, slots of the live workers (at least 1), jobs running) for
    ``kind``, in one read."""
    since = now - timedelta(seconds=LIVE_WORKER_WINDOW_S)
    spans, slots, busy = await sql.pace_inputs(conn, kind, since)
    return _median_span(spans), max(1, slots), busy


def eta(place: int, duration: float, slots: int, busy: int, wait: timedelta) -> float:
    """Seconds until the job at ``place`` likely finishes: the jobs ahead (and those running)
    drain in waves of ``slots``, this one is in the next wave, after ``wait`` (a backoff)."""
    waves = math.floor((place - 1 + busy) / slots) + 1
    return round(max(0.0, wait.total_seconds()) + waves * duration, 1)


async def estimate(
    conn: AsyncConnection, job: Row, now: datetime, policy: FairShare
) -> tuple[int, float]:
    """(1-based position, seconds until it likely finishes) for a queued job."""
    place = await sql.position(conn, policy, job, now)
    return place, eta(place, *await pace_of(conn, job.kind, now), wait=job.run_at - now)


async def admit(
    conn: AsyncConnection,
    policy: FairShare,
    job: sql.Candidate,
    now: datetime,
    *,
    driver: Any = None,
) -> tuple[int, int, float]:
    """(``fair_tag``, 1-based position, seconds until it likely finishes) of a job about to be
    inserted, in one read (``sql.admit``; ``driver``: its asyncpg connection, to read on it
    directly); it runs from its ``created_at`` on."""
    since = now - timedelta(seconds=LIVE_WORKER_WINDOW_S)
    found = await sql.admit(conn, policy, job, now=now, live_since=since, driver=driver)
    pace = (_median_span(found.spans), max(1, found.slots), found.busy)
    return found.fair_tag, found.place, eta(found.place, *pace, wait=job.created_at - now)
