"""The composition root: what runs where, built once at the edge.

``create_app`` is the API process (``foodscan serve``): the engine, migrations, the event bus
(PostgreSQL LISTEN/NOTIFY or in-process), the blob store, the job store, what this node can
read, and — in embedded mode — a worker, all put on ``app.state`` by the lifespan and stopped in
reverse order (the worker first, gracefully). ``run_worker`` is a worker-only process
(``foodscan worker``). The API and the worker never import each other; this module wires them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.api.app import create_api
from foodscan.api.capabilities import Capabilities
from foodscan.auth import check_bind
from foodscan.blobs import BlobStore, blob_store_for
from foodscan.catalog.store import SqlCatalog
from foodscan.clock import Clock, utc_now
from foodscan.collector import CollectorSchedule
from foodscan.db.checkpoint import checkpointer_for
from foodscan.db.engine import create_engine
from foodscan.db.migrate import migrate
from foodscan.events.bus import LocalBus
from foodscan.events.pg_listen import bus_for
from foodscan.jobs.announce import PositionAnnouncer
from foodscan.jobs.leader import Leader
from foodscan.jobs.maintenance import Maintenance
from foodscan.jobs.queue import JobQueue
from foodscan.jobs.store import JobStore
from foodscan.llm.client import LlmProvider, build_provider
from foodscan.metrics import Metrics, export
from foodscan.pipelines import runnable
from foodscan.pipelines.base import Pipeline
from foodscan.recognition.reading.engines import build_picker, readable_languages
from foodscan.recognition.reading.ocr import OcrEngine
from foodscan.settings import Settings
from foodscan.webhooks.deliverer import Deliverer
from foodscan.worker.cpu import CpuPool
from foodscan.worker.runtime import Worker

logger = logging.getLogger(__name__)


def build_worker(
    engine: AsyncEngine,
    bus: LocalBus,
    settings: Settings,
    blobs: BlobStore,
    *,
    metrics: Metrics | None = None,
    clock: Clock = utc_now,
    pipelines: Mapping[str, Pipeline[Any]] | None = None,
    ocr: OcrEngine | None = None,
    llm: LlmProvider | None = None,
) -> Worker:
    """A worker and the collaborators it runs with: its queue, maintenance and position
    announcer (on ``clock``), CPU pool, OCR engines (``ocr``, by default the Latin/Cyrillic
    picker), leader election (``jobs.leader``), catalogue, webhook deliverer and the kinds'
    pipelines (by default every registered kind). ``llm`` (None: no vision-LLM) stays the
    caller's to close."""
    queue = JobQueue(engine, bus, settings, clock=clock)
    return Worker(
        settings=settings,
        bus=bus,
        blobs=blobs,
        queue=queue,
        maintenance=Maintenance(engine, bus, blobs, settings, clock=clock),
        positions=PositionAnnouncer(engine, bus, settings, clock=clock),
        leader=Leader(engine, lease_s=settings.lease_s, name=queue.worker_id),
        cpu=CpuPool(settings.cpu_pool_size),
        ocr=ocr
        or build_picker(tessdata=settings.tessdata_dir, memory_arena=settings.ocr_memory_arena),
        catalog=SqlCatalog(engine),
        webhooks=Deliverer(engine, settings),
        pipelines=pipelines if pipelines is not None else runnable.PIPELINES,
        # Without one from the edge, durations go to a registry nobody reads.
        metrics=metrics or Metrics(CollectorRegistry()),
        llm=llm,
    )


def create_app(
    settings: Settings,
    *,
    run_worker: bool = True,
    registry: CollectorRegistry | None = None,
    clock: Clock = utc_now,
    collector: bool = False,
) -> FastAPI:
    """The API (and, with ``run_worker``, an embedded worker) configured by ``settings``.

    Its metrics (``GET /metrics``) go to ``registry``, by default one of its own; the job store
    and the worker read the time from ``clock``. ``collector`` runs the garbage-collector
    schedule of a serving process (``foodscan.collector``): for ``foodscan serve`` only.
    """
    check_bind(settings, settings.host)
    instruments = Metrics(registry if registry is not None else CollectorRegistry())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await _start(app, settings, instruments, stack, run_worker=run_worker, clock=clock)
            if collector:
                _schedule_collector(app, stack)
            yield

    return create_api(settings, instruments=instruments, lifespan=lifespan)


async def _start(
    app: FastAPI,
    settings: Settings,
    instruments: Metrics,
    stack: AsyncExitStack,
    *,
    run_worker: bool,
    clock: Clock,
) -> None:
    """Build and start every part; ``stack`` stops them in reverse order on shutdown."""
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    # SQLite: WAL checkpoints in a thread (``db.checkpoint``), not at commits on the loop.
    engine = create_engine(settings.resolved_database_url, wal_checkpoints=False)
    stack.push_async_callback(engine.dispose)
    await migrate(engine)
    checkpoints = checkpointer_for(engine)
    if checkpoints is not None:
        checkpoints.start()
        stack.push_async_callback(checkpoints.stop)

    bus = bus_for(engine)
    bus.observe(instruments.observe)
    await bus.start()
    stack.push_async_callback(bus.stop)

    blobs = blob_store_for(settings)
    stack.push_async_callback(blobs.close)
    app.state.engine = engine
    app.state.hub = bus.hub
    app.state.bus = bus
    app.state.blobs = blobs
    app.state.store = JobStore(engine, bus, settings, clock=clock)
    app.state.capabilities = Capabilities(ocr_languages=readable_languages(settings.tessdata_dir))
    app.state.worker = None
    if run_worker:
        llm = build_provider(settings)
        if llm is not None:
            stack.push_async_callback(llm.close)
        worker = build_worker(
            engine, bus, settings, blobs, metrics=instruments, clock=clock, llm=llm
        )
        await worker.start()
        stack.push_async_callback(worker.stop)
        app.state.worker = worker
    logger.info(
        "foodscan ready (database %s, worker %s)",
        engine.dialect.name,
        "embedded" if run_worker else "off",
    )


def _schedule_collector(app: FastAPI, stack: AsyncExitStack) -> None:
    """Start the collector schedule on the hub's stream counts; stopped first on shutdown."""
    hub = app.state.hub
    schedule = CollectorSchedule(opened=lambda: hub.opened, closed=lambda: hub.closed)
    ticking = asyncio.create_task(schedule.run(), name="collector schedule")

    async def stop() -> None:
        ticking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking

    stack.push_async_callback(stop)


async def run_worker(settings: Settings) -> None:
    """A worker-only process (scale-out mode) until SIGTERM or SIGINT; then it finishes or
    releases its jobs and stops."""
    engine = create_engine(settings.resolved_database_url, wal_checkpoints=False)
    checkpoints = checkpointer_for(engine)
    if checkpoints is not None:
        checkpoints.start()
    bus = bus_for(engine)
    metrics = Metrics(CollectorRegistry())
    bus.observe(metrics.observe)
    await bus.start()
    blobs = blob_store_for(settings)
    llm = build_provider(settings)
    worker = build_worker(engine, bus, settings, blobs, metrics=metrics, llm=llm)
    stop_metrics = None
    if settings.metrics_port is not None:
        stop_metrics = export(metrics, settings.host, settings.metrics_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await worker.start()
    try:
        await stop.wait()
    finally:
        await worker.stop()
        if llm is not None:
            await llm.close()
        if stop_metrics is not None:
            stop_metrics()
        await blobs.close()
        await bus.stop()
        if checkpoints is not None:
            await checkpoints.stop()
        await engine.dispose()
