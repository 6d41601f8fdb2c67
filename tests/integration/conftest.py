"""Factories for the store/queue/event-log suite; every fixture runs on both engines via ``engine``.

``clock`` moves the jobs layer's notion of "now" forward (real time plus an offset), so leases
expire and backoffs pass without sleeping; the store, queue and maintenance fixtures read it
(``clock=clock.now``), and so must anything a test builds that should follow it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.blobs import LocalBlobStore, new_key
from foodscan.db.engine import create_engine
from foodscan.db.tables import jobs
from foodscan.events import log
from foodscan.events.bus import LocalBus
from foodscan.events.log import EventRecord
from foodscan.jobs.job import InputFile, Job
from foodscan.jobs.maintenance import Maintenance
from foodscan.jobs.queue import JobQueue
from foodscan.jobs.store import JobStore, JobView, Submission
from foodscan.settings import KindPolicy, Settings
from tests.integration.s3_server import S3Server, running_s3

KINDS = ("receipt", "products", "recipe")


class Clock:
    """Real time plus an offset that tests push forward; injected into the jobs layer."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> datetime:
        self.offset += timedelta(seconds=seconds)
        return self.now()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    policy = KindPolicy(max_attempts=3, backoff_base_s=2.0, backoff_max_s=10.0)
    return Settings(
        data_dir=tmp_path,
        lease_s=0.2,
        max_rescues=2,
        kinds=dict.fromkeys(KINDS, policy),
        upload_retention_days=1,
        job_retention_days=30,
    )


@pytest.fixture
def bus() -> LocalBus:
    return LocalBus()


@pytest.fixture
def store(engine: AsyncEngine, bus: LocalBus, settings: Settings, clock: Clock) -> JobStore:
    return JobStore(engine, bus, settings, clock=clock.now)


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@pytest.fixture
def maintenance(
    engine: AsyncEngine, bus: LocalBus, blobs: LocalBlobStore, settings: Settings, clock: Clock
) -> Maintenance:
    return Maintenance(engine, bus, blobs, settings, clock=clock.now)


QueueFactory = Callable[..., JobQueue]


@pytest.fixture
def queue_factory(
    engine: AsyncEngine, bus: LocalBus, settings: Settings, clock: Clock
) -> QueueFactory:
    """``make(worker_id, other_engine=None)``: a worker's queue, on its own engine if given."""

    def make(worker_id: str, other_engine: AsyncEngine | None = None) -> JobQueue:
        return JobQueue(other_engine or engine, bus, settings, worker_id=worker_id, clock=clock.now)

    return make


@pytest.fixture
def queue(queue_factory: QueueFactory) -> JobQueue:
    return queue_factory("worker-1")


@pytest.fixture
async def engine_factory(database_url: str) -> AsyncIterator[Callable[[], AsyncEngine]]:
    """More engines on the same database: separate pools, so separate connections for sure."""
    made: list[AsyncEngine] = []

    def make() -> AsyncEngine:
        extra = create_engine(database_url)
        made.append(extra)
        return extra

    yield make
    for extra in made:
        await extra.dispose()


def make_input(index: int = 0, key: str | None = None) -> InputFile:
    return InputFile(
        blob_key=key or new_key(".jpg"),
        sha256=f"{index:064x}",
        media_type="image/jpeg",
        size=1234 + index,
        name=f"photo-{index}.jpg",
    )


@pytest.fixture
def input_factory() -> Callable[..., InputFile]:
    """``make(index=0, key=None)``: a fake uploaded file (no blob behind it)."""
    return make_input


JobFactory = Callable[..., Awaitable[JobView]]


@pytest.fixture
def job_factory(store: JobStore) -> JobFactory:
    """``await make(user_id="alice", kind="receipt", lane="free", files=1, **extra)``."""

    async def make(
        *,
        user_id: str = "alice",
        kind: str = "receipt",
        lane: str = "free",
        files: int = 1,
        inputs: Sequence[InputFile] | None = None,
        **extra: Any,
    ) -> JobView:
        chosen = inputs if inputs is not None else [make_input(i) for i in range(files)]
        return await store.submit(
            Submission(user_id=user_id, lane=lane, kind=kind, inputs=chosen, **extra)
        )

    return make


class Peek:
    """Reads the database directly, past the store's per-user scoping."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def job(self, job_id: str) -> Job | None:
        async with self.engine.connect() as conn:
            query = sa.select(jobs).where(jobs.c.id == job_id)
            row = (await conn.execute(query)).one_or_none()
        return None if row is None else Job.from_row(row)

    async def events(self, job_id: str) -> list[EventRecord]:
        async with self.engine.connect() as conn:
            return await log.read_job(conn, job_id)

    async def types(self, job_id: str) -> list[str]:
        return [record.type for record in await self.events(job_id)]

    async def count_jobs(self) -> int:
        async with self.engine.connect() as conn:
            return int(
                (await conn.execute(sa.select(sa.func.count()).select_from(jobs))).scalar_one()
            )


@pytest.fixture
def peek(engine: AsyncEngine) -> Peek:
    return Peek(engine)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """One S3-protocol server (moto, on loopback) for the session; each test takes a new bucket."""
    with running_s3() as server:
        yield server


@pytest.fixture
def s3_url(s3_server: S3Server) -> str:
    """The ``FOODSCAN_BLOB_URL`` of a fresh, empty bucket (prefix ``uploads``)."""
    return s3_server.url(s3_server.new_bucket())
