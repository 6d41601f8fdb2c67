"""The four workloads of the peer-queue benchmark, the same for every queue (a ``Target``).

- enqueue: N no-op jobs submitted one at a time, no worker running (submits per second);
- drain: those N pre-queued jobs, then a worker with 2 slots (jobs per second, from the start
  of the first job body to the end of the last: a worker's start-up is not counted);
- I/O drain: N pre-queued jobs that wait 50 ms each, a worker with 20 slots (ideal 400/s);
- start latency: a warm, idle worker (2 slots); K no-op jobs submitted at random moments, 5 to
  45 ms apart; submit → the first line of the job body, p50 and p99.

Job bodies report through ``peers.probe`` (its ``Collector``); every wait is bounded.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from peers import probe

DRAIN_SLOTS = 2
IO_SLOTS = 20
LATENCY_SLOTS = 2
WARM_JOBS = 20


class Target(Protocol):
    """One queue under test: how to start clean, submit jobs and run a worker."""

    name: str

    async def reset(self) -> None:
        """An empty queue (a fresh database, a flushed Redis database)."""

    async def fill(self, n: int, job: str, first_tag: int) -> dict[str, float]:
        """Submit ``n`` jobs (``noop`` or ``sleep``) one at a time; ``probe.fill``'s figures."""

    async def arrivals(self, k: int, first_tag: int, seed: int) -> dict[int, float]:
        """Submit ``k`` no-op jobs at random moments; each one's submit time."""

    def worker(self, slots: int, job: str) -> AbstractAsyncContextManager[None]:
        """A worker with ``slots`` slots, running while the context is open."""


def _timeout_s(jobs: int) -> float:
    """How long ``jobs`` may take at worst (the slowest peer polls every 0.5 s)."""
    return 60 + jobs * 0.05


async def enqueue_and_drain(
    target: Target, collector: probe.Collector, n: int, slots: int = DRAIN_SLOTS
) -> dict[str, float]:
    """Enqueue N no-op jobs with no worker running, then drain them."""
    await target.reset()
    collector.clear()
    filled = await target.fill(n, "noop", 0)
    async with target.worker(slots, "noop"):
        spans = await collector.wait(range(n), _timeout_s(n))
    return {"enqueue_per_s": filled["per_s"], "drain_per_s": round(probe.drain_per_s(spans), 1)}


async def io_drain(
    target: Target, collector: probe.Collector, n: int, slots: int = IO_SLOTS
) -> dict[str, float]:
    """Drain N pre-queued 50 ms jobs with ``slots`` slots."""
    await target.reset()
    collector.clear()
    await target.fill(n, "sleep", 0)
    async with target.worker(slots, "sleep"):
        spans = await collector.wait(range(n), _timeout_s(n))
    return {"io_drain_per_s": round(probe.drain_per_s(spans), 1)}


async def start_latency(
    target: Target, collector: probe.Collector, k: int, seed: int = 0, slots: int = LATENCY_SLOTS
) -> dict[str, float]:
    """Submit → job start on a warm idle worker, for K jobs arriving at random moments."""
    await target.reset()
    collector.clear()
    async with target.worker(slots, "noop"):
        await target.fill(WARM_JOBS, "noop", 0)  # the worker is up and warm once these ran
        await collector.wait(range(WARM_JOBS), _timeout_s(WARM_JOBS))
        submitted = await target.arrivals(k, WARM_JOBS, seed)
        spans = await collector.wait(range(WARM_JOBS, WARM_JOBS + k), _timeout_s(k))
    return {f"latency_{key}": value for key, value in probe.latency_ms(submitted, spans).items()}


async def run_all(
    target: Target, collector: probe.Collector, *, n: int, io_n: int, k: int, seed: int
) -> dict[str, float]:
    """Every workload once against ``target``: one flat dict of figures."""
    figures: dict[str, float] = {}
    figures.update(await enqueue_and_drain(target, collector, n))
    figures.update(await io_drain(target, collector, io_n))
    figures.update(await start_latency(target, collector, k, seed))
    return figures
