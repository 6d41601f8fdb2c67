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

import foodscan
from foodscan.api import problems
from foodscan.api.routes import events, health, jobs, web
from foodscan.auth import check_bind
from foodscan.blobs import LocalBlobStore
from foodscan.db.engine import create_engine
from foodscan.db.migrate import migrate
from foodscan.events.pg_listen import bus_for
from foodscan.jobs.store import JobStore
from foodscan.settings import Settings
from foodscan.worker.runtime import Worker

logger = logging.getLogger(__name__)


def create_app(settings: Settings, *, run_worker: bool = True) -> FastAPI:
    """The API (and, with ``run_worker``, an embedded worker) configured by ``settings``."""
    check_bind(settings, settings.host)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await _start(app, settings, stack, run_worker=run_worker)
            yield

    app = FastAPI(
        title="foodscan",
        version=getattr(foodscan, "__version__", "0"),
        summary="Background recognition of receipts, product photos and recipes.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    problems.install(app)
    app.include_router(jobs.router)
    app.include_router(events.router)
    app.include_router(health.router)
    app.include_router(web.router)
    return app


async def _start(
    app: FastAPI, settings: Settings, stack: AsyncExitStack, *, run_worker: bool
) -> None:
    """Build and start every part; ``stack`` stops them in reverse order on shutdown."""
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.resolved_database_url)
    stack.push_async_callback(engine.dispose)
    await migrate(engine)

    bus = bus_for(engine)
    await bus.start()
    stack.push_async_callback(bus.stop)

    blobs = LocalBlobStore(settings.resolved_blob_dir)
    store = JobStore(engine, bus, settings)
    app.state.engine = engine
    app.state.hub = bus.hub
    app.state.bus = bus
    app.state.blobs = blobs
    app.state.store = store
    app.state.worker = None
    if run_worker:
        worker = Worker(engine=engine, bus=bus, settings=settings, blobs=blobs)
        await worker.start()
        stack.push_async_callback(worker.stop)
        app.state.worker = worker
    logger.info(
        "foodscan ready (database %s, worker %s)",
        engine.dialect.name,
        "embedded" if run_worker else "off",
    )
