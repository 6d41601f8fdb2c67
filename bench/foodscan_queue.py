"""foodscan's side of the peer-queue benchmark: ``JobStore.submit`` and the real worker runtime.

Every job is of one kind, ``noop``: a pipeline of one step that notes when it starts, waits
``options.sleep_s`` (0, or 0.05 for the I/O job), sets its result and reports ``options.tag``'s
start and end. Submits are ``JobStore.submit`` with the bus the API builds (``bus_for``), one
at a time, with no Idempotency-Key or plan limits (the HTTP layer's checks around it are not
measured); the worker is ``foodscan.worker.runtime.Worker`` with ``pipelines={"noop": …}`` and
``worker_concurrency`` slots, heartbeats, position announcer and maintenance loops included.

- ``EmbeddedSqlite``: one process, as ``foodscan serve`` runs: store, worker and the in-process
  bus on one SQLite file (WAL); the step hands its report to the collector directly.
- ``ScaleOutPostgres``: the API side (store, ``PgBus``) in this process, the worker in its own
  (``python bench/foodscan_queue.py worker URL --slots N``), woken by LISTEN/NOTIFY, as
  ``foodscan worker`` runs; the step reports over the collector's socket.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import scratch_db
import sqlalchemy as sa
from peers import probe
from pydantic import BaseModel

from foodscan.blobs import blob_store_for
from foodscan.db.engine import create_engine
from foodscan.db.migrate import migrate
from foodscan.db.tables import jobs
from foodscan.events.bus import LocalBus
from foodscan.events.pg_listen import bus_for
from foodscan.jobs.job import InputFile
from foodscan.jobs.store import JobStore, Submission
from foodscan.pipelines.base import Context, Pipeline, Step, no_state
from foodscan.serve import build_worker
from foodscan.settings import Settings

KIND = "noop"
INPUT = InputFile("00/bench.jpg", "0" * 64, "image/jpeg", 1024, "bench.jpg")
Record = Callable[[int, float, float], None]


class NoopResult(BaseModel):
    ok: bool


def noop_pipeline(record: Record) -> Pipeline:
    """The benchmark's kind: one step, a no-op or a ``sleep_s`` wait."""

    async def run(ctx: Context) -> None:
        start = time.perf_counter()
        sleep_s = float(ctx.options.get("sleep_s", 0.0))
        if sleep_s:
            await asyncio.sleep(sleep_s)
        ctx.result = NoopResult(ok=True)
        record(int(ctx.options["tag"]), start, time.perf_counter())

    step = Step("run", 1.0, "Running", run)
    return Pipeline(KIND, NoopResult, (step,), frozenset({"image/jpeg"}), no_state)


def _submission(job: str, tag: int) -> Submission:
    sleep_s = probe.SLEEP_S if job == "sleep" else 0.0
    return Submission(
        user_id="bench",
        lane="paid",
        kind=KIND,
        inputs=[INPUT],
        options={"tag": tag, "sleep_s": sleep_s},
    )


class _Api:
    """The API side of a target: an engine, its bus and a ``JobStore`` on a fresh database."""

    def __init__(self, collector: probe.Collector, folder: Path) -> None:
        self.collector = collector
        self.folder = folder
        self.engine = None
        self.bus: LocalBus | None = None
        self.store: JobStore | None = None

    async def _open(self, settings: Settings) -> None:
        engine = create_engine(settings.resolved_database_url)
        await migrate(engine)
        bus = bus_for(engine)
        await bus.start()
        self.engine, self.bus = engine, bus
        self.store = JobStore(engine, bus, settings)

    async def _submit(self, job: str, tag: int) -> None:
        assert self.store is not None, "reset() first"  # noqa: S101 - a usage error
        await self.store.submit(_submission(job, tag))

    async def fill(self, n: int, job: str, first_tag: int) -> dict[str, float]:
        return await probe.fill(self._submit, n, job, first_tag)

    async def arrivals(self, k: int, first_tag: int, seed: int) -> dict[int, float]:
        return await probe.arrivals(self._submit, k, first_tag, seed)

    async def statuses(self) -> dict[str, int]:
        """How many jobs of the current database are in each status."""
        assert self.engine is not None, "reset() first"  # noqa: S101 - a usage error
        query = sa.select(jobs.c.status, sa.func.count()).group_by(jobs.c.status)
        async with self.engine.connect() as conn:
            return {str(status): count for status, count in (await conn.execute(query)).all()}

    async def close(self) -> None:
        if self.bus is not None:
            await self.bus.stop()
        if self.engine is not None:
            await self.engine.dispose()
        self.engine = self.bus = self.store = None


class EmbeddedSqlite(_Api):
    """foodscan embedded: SQLite file, store and worker in this process."""

    name = "foodscan-sqlite"

    async def reset(self) -> None:
        await self.close()
        for suffix in ("", "-wal", "-shm"):
            (self.folder / f"foodscan.db{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{self.folder / 'foodscan.db'}"
        self.settings = Settings(data_dir=self.folder, database_url=url)
        await self._open(self.settings)

    @asynccontextmanager
    async def worker(self, slots: int, _job: str) -> AsyncIterator[None]:
        assert self.engine is not None, "reset() first"  # noqa: S101 - a usage error
        assert self.bus is not None  # noqa: S101
        settings = self.settings.model_copy(update={"worker_concurrency": slots})
        blobs = blob_store_for(settings)
        pipelines = {KIND: noop_pipeline(self.collector.record)}
        worker = build_worker(self.engine, self.bus, settings, blobs, pipelines=pipelines)
        await worker.start()
        try:
            yield
        finally:
            await worker.stop()
            await blobs.close()


class ScaleOutPostgres(_Api):
    """foodscan scale-out: PostgreSQL, the worker in a process of its own."""

    name = "foodscan-postgresql"

    def __init__(self, url: str, collector: probe.Collector, folder: Path) -> None:
        super().__init__(collector, folder)
        self.url = url

    async def reset(self) -> None:
        await self.close()
        await scratch_db.recreate(self.url)
        await self._open(Settings(data_dir=self.folder, database_url=self.url))

    @asynccontextmanager
    async def worker(self, slots: int, _job: str) -> AsyncIterator[None]:
        command = [sys.executable, __file__, "worker", self.url, "--slots", str(slots)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOODSCAN_")}
        env[probe.REPORT_ENV] = str(self.collector.path)
        async with probe.worker_process(command, env, self.folder / "worker.log"):
            yield


async def serve_worker(url: str, slots: int, folder: Path) -> None:
    """``foodscan worker``'s start-up (cli._run_worker) with the benchmark's pipeline."""
    settings = Settings(data_dir=folder, database_url=url, worker_concurrency=slots)
    engine = create_engine(url)
    bus = bus_for(engine)
    await bus.start()
    blobs = blob_store_for(settings)
    pipelines = {KIND: noop_pipeline(probe.report)}
    worker = build_worker(engine, bus, settings, blobs, pipelines=pipelines)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await worker.start()
    try:
        await stop.wait()
    finally:
        await worker.stop()
        await blobs.close()
        await bus.stop()
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description="the benchmark's foodscan worker process")
    parser.add_argument("command", choices=["worker"])
    parser.add_argument("url")
    parser.add_argument("--slots", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-foodscan-worker-") as folder:
        asyncio.run(serve_worker(args.url, args.slots, Path(folder)))


if __name__ == "__main__":
    main()
