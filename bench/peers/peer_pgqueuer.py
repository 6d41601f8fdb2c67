"""pgqueuer 1 on PostgreSQL (asyncpg): ``Queries.enqueue`` submits; ``PgQueuer.run`` runs the
jobs, at most ``max_concurrent_tasks`` (the slots) at once, picking ``slots // 2`` per batch
(its rule: the cap is at least twice the batch)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import probe
from pgqueuer import AsyncpgDriver, Job, PgQueuer, Queries

DSN = os.environ.get("BENCH_URL", "postgresql://postgres@127.0.0.1:5432/bench_pgqueuer")


async def reset() -> None:
    conn = await asyncpg.connect(DSN)
    try:
        await Queries(AsyncpgDriver(conn)).install()
    finally:
        await conn.close()


@asynccontextmanager
async def client() -> AsyncIterator[probe.Submit]:
    conn = await asyncpg.connect(DSN)
    queries = Queries(AsyncpgDriver(conn))

    async def submit(job: str, tag: int) -> None:
        await queries.enqueue(job, str(tag).encode())

    try:
        yield submit
    finally:
        await conn.close()


async def _work(slots: int) -> None:
    conn = await asyncpg.connect(DSN)
    pgq = PgQueuer(AsyncpgDriver(conn))

    @pgq.entrypoint("noop")
    async def noop(job: Job) -> None:
        await probe.noop_body(int(job.payload or b"0"))

    @pgq.entrypoint("sleep")
    async def sleep(job: Job) -> None:
        await probe.sleep_body(int(job.payload or b"0"))

    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, pgq.shutdown.set)
    try:
        await pgq.run(batch_size=max(1, slots // 2), max_concurrent_tasks=slots)
    finally:
        await conn.close()


def worker(slots: int, _job: str) -> None:
    asyncio.run(_work(slots))


if __name__ == "__main__":
    probe.client_main(reset, client, worker)
