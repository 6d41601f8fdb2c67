"""procrastinate 3 on PostgreSQL (psycopg 3): ``Task.defer_async`` submits;
``App.run_worker_async`` (``concurrency`` slots, LISTEN/NOTIFY on) runs the jobs. The app and
its tasks are in ``procrastinate_tasks``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import probe
from procrastinate_tasks import app, noop, sleep


async def reset() -> None:
    async with app.open_async():
        await app.schema_manager.apply_schema_async()


@asynccontextmanager
async def client() -> AsyncIterator[probe.Submit]:
    tasks = {"noop": noop, "sleep": sleep}
    async with app.open_async():

        async def submit(job: str, tag: int) -> None:
            await tasks[job].defer_async(tag=tag)

        yield submit


async def _work(slots: int) -> None:
    async with app.open_async():
        await app.run_worker_async(concurrency=slots, install_signal_handlers=True)


def worker(slots: int, _job: str) -> None:
    asyncio.run(_work(slots))


if __name__ == "__main__":
    probe.client_main(reset, client, worker)
