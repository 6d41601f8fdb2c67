"""Fixtures of the worker runtime suite: the real database, bus, blob store and ``Worker``.

Every test runs three ways: SQLite with ``LocalBus``, PostgreSQL with ``LocalBus`` (one process)
and PostgreSQL with ``bus_for(engine)`` (``PgBus``), where jobs are submitted and cancelled by
another "process" (its own engine and bus), so wake-ups and events travel by LISTEN/NOTIFY.
Pipelines (``support.py``) are the only test code the workers run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.blobs import LocalBlobStore
from foodscan.events.bus import LocalBus
from foodscan.events.pg_listen import PgBus, bus_for
from foodscan.jobs.store import JobStore
from foodscan.pipelines.base import Pipeline
from foodscan.serve import build_worker
from foodscan.settings import KindPolicy, Settings
from foodscan.worker.runtime import Worker
from tests.integration.conftest import Clock
from tests.integration.worker.support import (
    KIND,
    USER,
    Blocker,
    Submit,
    ThreadBlocker,
    Watch,
    WorkerFactory,
)


@dataclass(frozen=True)
class Backend:
    database: str  # "sqlite" or "postgresql"
    notify: bool  # PgBus (LISTEN/NOTIFY between processes) instead of LocalBus


@pytest.fixture(
    params=[
        pytest.param(Backend("sqlite", notify=False), id="sqlite"),
        pytest.param(
            Backend("postgresql", notify=False), id="postgresql", marks=pytest.mark.postgres
        ),
        pytest.param(
            Backend("postgresql", notify=True), id="postgresql-notify", marks=pytest.mark.postgres
        ),
    ]
)
def backend(request: pytest.FixtureRequest) -> Backend:
    chosen: Backend = request.param
    return chosen


@pytest.fixture
def database_url(backend: Backend, request: pytest.FixtureRequest) -> str:
    """The root ``engine`` fixture's database, chosen by ``backend`` (which adds PgBus)."""
    fixture = "sqlite_url" if backend.database == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    policy = KindPolicy(time_limit_s=30.0, max_attempts=3, backoff_base_s=0.05, backoff_max_s=0.2)
    return Settings(
        data_dir=tmp_path,
        lease_s=1.0,
        heartbeat_s=0.2,
        poll_s=0.2,
        worker_concurrency=2,
        cpu_workers=2,
        kinds={KIND: policy},
    )


@pytest.fixture
async def bus(backend: Backend, engine: AsyncEngine) -> AsyncIterator[LocalBus]:
    """The workers' bus, and the hub the tests watch."""
    made = bus_for(engine) if backend.notify else LocalBus()
    assert isinstance(made, PgBus) == backend.notify
    await made.start()
    yield made
    await made.stop()


@pytest.fixture
def store(
    *,
    backend: Backend,
    engine: AsyncEngine,
    bus: LocalBus,
    settings: Settings,
    engine_factory: Callable[[], AsyncEngine],
    clock: Clock,
) -> JobStore:
    """The API side. With PgBus it is another process: its own engine, a bus it never listens on."""
    if backend.notify:
        api_engine = engine_factory()
        return JobStore(api_engine, PgBus(api_engine), settings, clock=clock.now)
    return JobStore(engine, bus, settings, clock=clock.now)


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@pytest.fixture
def submit(job_factory: Callable[..., Awaitable[Any]]) -> Submit:
    """``await submit()``: a queued job of the test kind for ``USER``; returns its id."""

    async def make(**extra: Any) -> str:
        view = await job_factory(user_id=USER, kind=KIND, **extra)
        job_id: str = view.job.id
        return job_id

    return make


@pytest.fixture
async def worker_factory(
    *,
    backend: Backend,
    engine: AsyncEngine,
    bus: LocalBus,
    settings: Settings,
    blobs: LocalBlobStore,
    engine_factory: Callable[[], AsyncEngine],
    clock: Clock,
) -> AsyncIterator[WorkerFactory]:
    """``await make(pipeline, settings=..., own_engine=False)``: a started Worker.

    ``own_engine`` stands for another process: its own engine and, with PgBus, its own bus.
    Every worker is stopped (again, harmlessly, if the test did) without grace at teardown.
    """
    made: list[Worker] = []
    own_buses: list[LocalBus] = []

    async def make(
        pipeline: Pipeline, *, settings: Settings = settings, own_engine: bool = False
    ) -> Worker:
        worker_engine, worker_bus = engine, bus
        if own_engine:
            worker_engine = engine_factory()
            if backend.notify:
                worker_bus = bus_for(worker_engine)
                own_buses.append(worker_bus)
                await worker_bus.start()
        worker = build_worker(
            worker_engine, worker_bus, settings, blobs, clock=clock.now, pipelines={KIND: pipeline}
        )
        made.append(worker)
        await worker.start()
        return worker

    yield make
    for worker in made:
        await worker.stop(grace_s=0)
    for own in own_buses:
        await own.stop()


@pytest.fixture
def blocker() -> Blocker:
    return Blocker()


@pytest.fixture
def thread_blocker() -> Iterator[ThreadBlocker]:
    made = ThreadBlocker()
    yield made
    made.release.set()  # never leave a pool thread waiting behind the test


@pytest.fixture
def watch(bus: LocalBus) -> Iterator[Watch]:
    with Watch(bus) as made:
        yield made
