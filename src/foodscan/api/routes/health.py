"""Liveness and readiness probes; no token needed.

``/healthz`` says the process answers; ``/readyz`` says it can do useful work: the database
answers and at least one worker sent a heartbeat recently. It also says what the queue and the
workers are doing (queued and running per lane, throughput, each live worker), which
``foodscan inspect`` prints.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from foodscan.api import examples
from foodscan.api.deps import CapabilitiesDep, EngineDep, SettingsDep
from foodscan.api.schemas import Health, Readiness, WorkerOut
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
async def readyz(engine: EngineDep, settings: SettingsDep, able: CapabilitiesDep) -> JSONResponse:
    """200 when the database answers and a worker is alive; 503 with the reason otherwise."""
    window = max(settings.lease_s, MISSED_BEATS * settings.heartbeat_s)
    since = datetime.now(UTC) - timedelta(seconds=window)
    now = datetime.now(UTC)
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_S), engine.connect() as conn:
            workers = await sql.live_workers(conn, since)
            counts = await sql.status_counts(conn)
            busy = await sql.running_by_worker(conn)
            moments = [now - timedelta(minutes=m) for m in THROUGHPUT_MINUTES]
            counts_since = await sql.finished_since(conn, moments)
            finished = {f"{m}m": n for m, n in zip(THROUGHPUT_MINUTES, counts_since, strict=True)}
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        logger.warning("readiness: database unreachable: %s", exc)
        body = Readiness(
            status="unavailable",
            database="unreachable",
            workers=0,
            queue_depth={},
            reason=f"the database does not answer: {type(exc).__name__}",
        )
        return JSONResponse(body.model_dump(), status_code=503)
    lanes = {lane.value: 0 for lane in Lane}
    ready = Readiness(
        status="ok",
        database="ok",
        workers=len(workers),
        queue_depth=lanes | {lane: n for (lane, st), n in counts.items() if st == Status.QUEUED},
        running=lanes | {lane: n for (lane, st), n in counts.items() if st == Status.RUNNING},
        finished=finished,
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
    )
    if not workers:
        ready.status = "unavailable"
        ready.reason = f"no worker sent a heartbeat in the last {window:g} s"
        return JSONResponse(ready.model_dump(), status_code=503)
    return JSONResponse(ready.model_dump())
