"""Celery 5 on Redis: ``task.delay`` submits; ``celery worker`` runs the jobs.

The no-op drain runs on Celery's default prefork pool (``--concurrency`` processes), the 50 ms
I/O job on its threads pool (``--pool threads``), Celery's pool for I/O-bound tasks that needs
no extra package. Results are not stored (``task_ignore_result``), as for fire-and-forget jobs.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import probe
import redis
from celery import Celery

URL = os.environ.get("BENCH_URL", "redis://127.0.0.1:6379/11")

app = Celery("bench", broker=URL)
app.conf.update(task_ignore_result=True, broker_connection_retry_on_startup=True)


@app.task(name="noop")
def noop(tag: int) -> None:
    start = time.perf_counter()
    probe.report(tag, start, time.perf_counter())


@app.task(name="sleep")
def sleep(tag: int) -> None:
    start = time.perf_counter()
    time.sleep(probe.SLEEP_S)
    probe.report(tag, start, time.perf_counter())


async def reset() -> None:
    redis.Redis.from_url(URL).flushdb()


@asynccontextmanager
async def client() -> AsyncIterator[probe.Submit]:
    tasks = {"noop": noop, "sleep": sleep}

    async def submit(job: str, tag: int) -> None:
        tasks[job].delay(tag)

    yield submit


def worker(slots: int, job: str) -> None:
    pool = "threads" if job == "sleep" else "prefork"
    app.worker_main(
        ["worker", "--concurrency", str(slots), "--pool", pool, "--loglevel", "WARNING"]
    )


if __name__ == "__main__":
    probe.client_main(reset, client, worker)
