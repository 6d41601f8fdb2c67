"""Helpers of the worker suite: test pipelines whose steps report what happened to them, a hub
watcher that records arrival times, and a deadline helper for conditions only the database shows.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from foodscan.events.bus import LocalBus
from foodscan.events.log import EventRecord
from foodscan.jobs.job import Job
from foodscan.pipelines.base import Context, Pipeline, Step, StepFn, no_state
from foodscan.settings import Settings
from foodscan.worker.runtime import Worker

KIND = "test"
USER = "alice"
WAIT_S = 10.0

Submit = Callable[..., Awaitable[str]]
WorkerFactory = Callable[..., Awaitable[Worker]]


def with_policy(settings: Settings, **changes: Any) -> Settings:
    """The settings with the test kind's policy changed (the store keeps ``max_attempts``)."""
    policy = settings.policy(KIND).model_copy(update=changes)
    return settings.model_copy(update={"kinds": {KIND: policy}})


def stamp(text: str) -> datetime:
    """An event's timestamp (``…Z``) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def job_of(peek: Any, job_id: str) -> Job:
    """The job's row, through the integration suite's ``peek``."""
    job: Job | None = await peek.job(job_id)
    assert job is not None
    return job


# ---- pipelines --------------------------------------------------------------------------------


class Echo(BaseModel):
    text: str


def pipeline(*steps: Step) -> Pipeline:
    return Pipeline(
        kind=KIND,
        result_model=Echo,
        steps=steps,
        accepts=frozenset({"image/jpeg"}),
        new_state=no_state,
        max_files=10,
    )


def step(name: str, run: StepFn, weight: float = 1.0) -> Step:
    return Step(name=name, weight=weight, message=f"{name} running", run=run)


def result(text: str = "done") -> StepFn:
    """A step that sets the job's result."""

    async def run(ctx: Context) -> None:
        ctx.result = Echo(text=text)

    return run


def failing(error: Exception, times: int | None = None) -> tuple[list[int], StepFn]:
    """A step that raises ``error`` on its first ``times`` runs (every run when None).

    Returns the list of runs (1, 2, …) and the step; a run that does not raise sets the result.
    """
    runs: list[int] = []

    async def run(ctx: Context) -> None:
        runs.append(len(runs) + 1)
        if times is None or len(runs) <= times:
            raise error
        ctx.result = Echo(text=f"run {len(runs)}")

    return runs, run


@dataclass
class Blocker:
    """A step that says it started, then awaits ``release`` (forever unless a test sets it).

    ``cancelled`` tells that the await was cancelled, ``resumed`` that code after it ran.
    """

    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    jobs: list[str] = field(default_factory=list)
    cancelled: bool = False
    resumed: bool = False

    async def __call__(self, ctx: Context) -> None:
        self.jobs.append(ctx.job_id)
        self.entered.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        self.resumed = True
        ctx.result = Echo(text="released")


@dataclass
class ThreadBlocker:
    """A step that blocks a CPU-pool thread until ``release`` is set (at teardown at the latest)."""

    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: threading.Event = field(default_factory=threading.Event)
    thread_done: threading.Event = field(default_factory=threading.Event)
    cancelled: bool = False
    resumed: bool = False

    def _block(self) -> None:
        self.release.wait(WAIT_S)
        self.thread_done.set()

    async def __call__(self, ctx: Context) -> None:
        self.entered.set()
        try:
            await ctx.cpu.run(self._block)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        self.resumed = True
        ctx.result = Echo(text="unblocked")


# ---- waiting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    record: EventRecord
    at: float  # time.monotonic() when the test read it from the hub


class Watch:
    """Every event of ``USER`` the hub delivers, with its arrival time; waits by condition."""

    def __init__(self, bus: LocalBus) -> None:
        self._sub = bus.hub.subscribe(user_id=USER)
        self.arrivals: list[Arrival] = []

    def __enter__(self) -> Watch:
        self._sub.__enter__()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._sub.__exit__(None, None, None)

    def of(self, job_id: str) -> list[EventRecord]:
        """The events of one job received so far, in arrival order."""
        return [a.record for a in self.arrivals if a.record.job_id == job_id]

    async def until(
        self, job_id: str, type_: str, *, count: int = 1, within: float = WAIT_S
    ) -> Arrival:
        """Wait for the ``count``-th event of a type about a job; returns its arrival."""
        async with asyncio.timeout(within):
            while True:
                found = [
                    a for a in self.arrivals if (a.record.job_id, a.record.type) == (job_id, type_)
                ]
                if len(found) >= count:
                    return found[count - 1]
                record = await self._sub.queue.get()
                self.arrivals.append(Arrival(record, time.monotonic()))


async def eventually(
    check: Callable[[], Awaitable[bool]], *, within: float = WAIT_S, every: float = 0.02
) -> None:
    """Await ``check`` until it holds; fail after ``within`` seconds."""
    async with asyncio.timeout(within):
        # The database has no change feed for these conditions: poll it under the deadline.
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(every)


def idle(worker: Worker) -> Callable[[], Awaitable[bool]]:
    """A check for ``eventually``: the worker runs no job (every outcome write is over)."""

    async def check() -> bool:
        return not worker.running

    return check


def frozen(worker: Worker) -> None:
    """Stall a worker: its heartbeats, maintenance and leadership renewals hang from now on
    (another worker takes the lead once its lease ran out); its jobs run on."""
    never = asyncio.Event()

    async def stalled(*_args: Any, **_kwargs: Any) -> Any:  # Any: stands in for any method
        await never.wait()

    worker.queue.heartbeat = stalled  # type: ignore[method-assign]  # the simulated stall
    worker.maintenance.rescue = stalled  # type: ignore[method-assign]  # the simulated stall
    worker.leader.step = stalled  # type: ignore[method-assign]  # the simulated stall
