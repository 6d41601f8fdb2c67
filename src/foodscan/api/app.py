"""``create_app``: the FastAPI application and the lifespan that builds everything once.

Start-up: engine, migrations, bus (PostgreSQL LISTEN/NOTIFY or in-process), blob store, job
store and — in embedded mode — a worker, all put on ``app.state``. Shutdown stops them in
reverse order (the worker first, gracefully). No request ever builds one of these.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

import foodscan
from foodscan.api import openapi, problems
from foodscan.api.routes import events, health, jobs, metrics, web, ws
from foodscan.auth import check_bind
from foodscan.blobs import blob_store_for
from foodscan.db.engine import create_engine
from foodscan.db.migrate import migrate
from foodscan.events.pg_listen import bus_for
from foodscan.jobs.store import JobStore
from foodscan.metrics import Metrics
from foodscan.settings import Settings
from foodscan.worker.runtime import Worker

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings, *, run_worker: bool = True, registry: CollectorRegistry | None = None
) -> FastAPI:
    """The API (and, with ``run_worker``, an embedded worker) configured by ``settings``.

    Its metrics (``GET /metrics``) go to ``registry``, by default one of its own.
    """
    check_bind(settings, settings.host)
    instruments = Metrics(registry if registry is not None else CollectorRegistry())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await _start(app, settings, instruments, stack, run_worker=run_worker)
            yield

    app = FastAPI(
        title="foodscan",
        version=getattr(foodscan, "__version__", "0"),
        summary="Background recognition of receipts, product photos and recipes.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = instruments
    problems.install(app)
    openapi.install(app)
    app.include_router(jobs.router)
    app.include_router(events.router)
    app.include_router(ws.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(web.router)
    return app


async def _start(
    app: FastAPI,
    settings: Settings,
    instruments: Metrics,
    stack: AsyncExitStack,
    *,
    run_worker: bool,
) -> None:
    """Build and start every part; ``stack`` stops them in reverse order on shutdown."""
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.resolved_database_url)
    stack.push_async_callback(engine.dispose)
    await migrate(engine)

    bus = bus_for(engine)
    bus.observe(instruments.observe)
    await bus.start()
    stack.push_async_callback(bus.stop)

    blobs = blob_store_for(settings)
    stack.push_async_callback(blobs.close)
    store = JobStore(engine, bus, settings)
    app.state.engine = engine
    app.state.hub = bus.hub
    app.state.bus = bus
    app.state.blobs = blobs
    app.state.store = store
    app.state.worker = None
    if run_worker:
        worker = Worker(engine=engine, bus=bus, settings=settings, blobs=blobs, metrics=instruments)
        await worker.start()
        stack.push_async_callback(worker.stop)
        app.state.worker = worker
    logger.info(
        "foodscan ready (database %s, worker %s)",
        engine.dialect.name,
        "embedded" if run_worker else "off",
    )
