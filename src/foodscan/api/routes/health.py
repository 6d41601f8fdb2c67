"""Liveness and readiness probes; no token needed.

``/healthz`` says the process answers; ``/readyz`` says it can do useful work: the database
answers and at least one worker sent a heartbeat recently (the bare status a load balancer
needs, to anyone). To the clients ``/metrics`` answers it also says what the queue and the
workers are doing (queued and running per lane, throughput, each live worker: hosts and PIDs),
which ``foodscan inspect`` prints.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.api import examples
from foodscan.api.capabilities import Capabilities
from foodscan.api.deps import CapabilitiesDep, EngineDep, SettingsDep
from foodscan.api.routes.metrics import authorize
from foodscan.api.schemas import Health, Readiness, WorkerOut
from foodscan.errors import AuthError
from foodscan.jobs import sql
from foodscan.jobs.states import Lane, Status

logger = logging.getLogger(__name__)
router = APIRouter(tags=["health"])

DATABASE_TIMEOUT_S = 3.0
# A worker heartbeats every ``heartbeat_s``; one silent for several beats (or a lease) is gone.
MISSED_BEATS = 3
THROUGHPUT_MINUTES = (1, 5, 15)


@router.get("/healthz", responses=examples.json_examples(200, examples.HEALTH_EXAMPLES))
async def healthz() -> Health:
    """The process is up."""
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={
        **examples.json_examples(200, examples.READY_EXAMPLES),
        503: {
            "model": Readiness,
            "description": "not ready: the database does not answer or no worker is alive",
            "content": {"application/json": {"examples": examples.UNREADY_EXAMPLES}},
        },
    },
)
async def readyz(
    request: Request, engine: EngineDep, settings: SettingsDep, able: CapabilitiesDep
) -> JSONResponse:
    """200 when the database answers and a worker is alive; 503 with the reason otherwise.

    The queue and the workers are shown only to the clients ``GET /metrics`` answers (with
    ``FOODSCAN_METRICS_TOKEN``: its bearer; without: loopback); others get the bare status."""
    try:
        authorize(request, settings)
        details = True
    except AuthError:
        details = False
    window = max(settings.lease_s, MISSED_BEATS * settings.heartbeat_s)
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_S), engine.connect() as conn:
            ready = await _read(conn, able, window, details=details)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        logger.warning("readiness: database unreachable: %s", exc)
        ready = Readiness(
            status="unavailable",
            database="unreachable",
            reason=f"the database does not answer: {type(exc).__name__}",
        )
        if details:
            ready.workers, ready.queue_depth = 0, {}
        return _answer(ready, 503)
    return _answer(ready, 200 if ready.status == "ok" else 503)


def _answer(ready: Readiness, status: int) -> JSONResponse:
    # Bare answers leave out what they do not show; detailed ones show every field.
    body = ready.model_dump(exclude_unset=ready.workers is None)
    return JSONResponse(body, status_code=status)


async def _read(
    conn: AsyncConnection, able: Capabilities, window: float, *, details: bool
) -> Readiness:
    now = datetime.now(UTC)
    workers = await sql.live_workers(conn, now - timedelta(seconds=window))
    reason = None if workers else f"no worker sent a heartbeat in the last {window:g} s"
    status = "ok" if workers else "unavailable"
    if not details:
        return Readiness(status=status, database="ok", reason=reason)
    counts = await sql.status_counts(conn)
    busy = await sql.running_by_worker(conn)
    moments = [now - timedelta(minutes=m) for m in THROUGHPUT_MINUTES]
    counts_since = await sql.finished_since(conn, moments)
    lanes = {lane.value: 0 for lane in Lane}
    return Readiness(
        status=status,
        database="ok",
        workers=len(workers),
        queue_depth=lanes | {lane: n for (lane, st), n in counts.items() if st == Status.QUEUED},
        running=lanes | {lane: n for (lane, st), n in counts.items() if st == Status.RUNNING},
        finished={f"{m}m": n for m, n in zip(THROUGHPUT_MINUTES, counts_since, strict=True)},
        worker_list=[
            WorkerOut(
                id=w.id,
                host=w.host,
                pid=w.pid,
                concurrency=w.concurrency,
                running=busy.get(w.id, 0),
                kinds=list(w.kinds),
                heartbeat_age_s=round((now - w.heartbeat_at).total_seconds(), 1),
            )
            for w in workers
        ],
        ocr_languages=sorted(able.ocr_languages),
        reason=reason,
    )
