"""SAQ on Redis: ``Queue.enqueue`` submits; ``saq.Worker`` (``concurrency`` slots) runs the jobs."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import probe
from redis.asyncio import Redis
from saq import Queue, Worker

URL = os.environ.get("BENCH_URL", "redis://127.0.0.1:6379/12")


async def noop(_ctx: Any, *, tag: int) -> None:
    await probe.noop_body(tag)


async def sleep(_ctx: Any, *, tag: int) -> None:
    await probe.sleep_body(tag)


async def reset() -> None:
    connection = Redis.from_url(URL)
    await connection.flushdb()
    await connection.aclose()


@asynccontextmanager
async def client() -> AsyncIterator[probe.Submit]:
    queue = Queue.from_url(URL)
    await queue.connect()

    async def submit(job: str, tag: int) -> None:
        await queue.enqueue(job, tag=tag)

    try:
        yield submit
    finally:
        await queue.disconnect()


async def _work(slots: int) -> None:
    """As ``saq.worker.start`` does; ``Worker.start`` stops on SIGTERM."""
    queue = Queue.from_url(URL)
    await queue.connect()
    try:
        await Worker(queue, functions=[noop, sleep], concurrency=slots).start()
    finally:
        await queue.disconnect()


def worker(slots: int, _job: str) -> None:
    asyncio.run(_work(slots))


if __name__ == "__main__":
    probe.client_main(reset, client, worker)
