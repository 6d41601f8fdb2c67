"""arq on Redis: ``ArqRedis.enqueue_job`` submits; ``arq.Worker`` (``max_jobs`` slots) runs the
jobs, polling the queue every 0.5 s (its default ``poll_delay``)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import probe
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker

SETTINGS = RedisSettings.from_dsn(os.environ.get("BENCH_URL", "redis://127.0.0.1:6379/13"))


async def noop(_ctx: Any, tag: int) -> None:
    await probe.noop_body(tag)


async def sleep(_ctx: Any, tag: int) -> None:
    await probe.sleep_body(tag)


async def reset() -> None:
    pool = await create_pool(SETTINGS)
    await pool.flushdb()
    await pool.aclose()


@asynccontextmanager
async def client() -> AsyncIterator[probe.Submit]:
    pool = await create_pool(SETTINGS)

    async def submit(job: str, tag: int) -> None:
        await pool.enqueue_job(job, tag)

    try:
        yield submit
    finally:
        await pool.aclose()


def worker(slots: int, _job: str) -> None:
    Worker(functions=[noop, sleep], redis_settings=SETTINGS, max_jobs=slots).run()


if __name__ == "__main__":
    probe.client_main(reset, client, worker)
