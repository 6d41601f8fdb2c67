"""The worker runtime: N claim slots, heartbeats, cancel, time limits, maintenance, shutdown.

Each slot claims a job, runs its pipeline under the kind's time limit and records exactly one
outcome. Errors map to outcomes here, at the job boundary: ``PermanentError`` fails now,
``TransientError`` (and anything unexpected) retries with backoff, a time limit fails with
``timeout``, a user's cancel ends ``cancelled``, a shutdown releases the job for another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from foodscan.blobs import BlobStore
from foodscan.catalog.entry import ProductLookup
from foodscan.errors import LeaseLost, PermanentError, TimeLimit, TransientError
from foodscan.events.bus import LocalBus
from foodscan.jobs import sql
from foodscan.jobs.announce import QUIET_S, PositionAnnouncer
from foodscan.jobs.leader import Leader
from foodscan.jobs.maintenance import Maintenance
from foodscan.jobs.queue import JobQueue, Lease
from foodscan.llm.client import LlmProvider
from foodscan.metrics import Metrics
from foodscan.pipelines.base import Context, Pipeline
from foodscan.recognition.reading.ocr import OcrEngine
from foodscan.settings import Settings
from foodscan.uploads.checks import UploadLimits
from foodscan.webhooks.deliverer import Deliverer
from foodscan.worker import memory
from foodscan.worker.ahead import ClaimAhead
from foodscan.worker.cpu import CpuPool

logger = logging.getLogger(__name__)

CANCEL_POLL_S = 0.25  # a cancel of a running job is heard within this (plus the poll read)


@dataclass
class Running:
    """A job this worker is running, and why it is being stopped (if it is).

    ``freed`` is set once its body is over: its slot starts the job it claimed ahead, or claims
    its next job, while the outcome commits; ``done`` once the outcome is recorded."""

    lease: Lease
    task: asyncio.Task[None]
    stop_reason: str | None = None
    started: bool = False
    freed: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Worker:
    """Runs jobs of every registered kind in this process.

    It builds nothing: its collaborators come from the edge (``serve.build_worker``). It stops
    what it started (its CPU pool, the webhook deliverer); the vision-LLM stays the caller's."""

    def __init__(
        self,
        *,
        settings: Settings,
        bus: LocalBus,
        blobs: BlobStore,
        queue: JobQueue,
        maintenance: Maintenance,
        positions: PositionAnnouncer,
        leader: Leader,
        cpu: CpuPool,
        ocr: OcrEngine,
        catalog: ProductLookup,
        webhooks: Deliverer,
        # Any: each kind's steps share a state of its own type (``pipelines.state``).
        pipelines: Mapping[str, Pipeline[Any]],
        metrics: Metrics,
        # The vision-LLM (FOODSCAN_LLM_*), one for every job of this worker; None: not configured.
        llm: LlmProvider | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.bus = bus
        self.blobs = blobs
        self.engine = queue.engine
        self.queue = queue
        self.maintenance = maintenance
        self.positions = positions
        self.leader = leader
        self.cpu = cpu
        self.ocr = ocr
        self.catalog = catalog
        self.llm = llm
        self.webhooks = webhooks
        self.pipelines = dict(pipelines)
        self.kinds = sorted(self.pipelines)
        # Each kind's first step starts with the claim (its job.progress commits with it).
        self.first_steps = {
            kind: (p.steps[0].name, p.steps[0].message) for kind, p in self.pipelines.items()
        }
        self.running: dict[str, Running] = {}
        self.ahead = ClaimAhead(lease_s=settings.lease_s)
        self._jobs: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.limits = UploadLimits(
            max_bytes=settings.max_upload_bytes,
            max_pages=settings.max_pages,
            max_pixels=settings.max_pixels,
        )

    @property
    def id(self) -> str:
        return self.queue.worker_id

    async def start(self) -> None:
        """Register and start the slots and the background loops."""
        await self.queue.register(self.kinds, self.settings.worker_concurrency)
        memory.map_large_allocations()
        self.leader.start()
        loops: list[tuple[str, Callable[[], Coroutine[None, None, None]]]] = [
            (f"slot-{i}", self._slot) for i in range(self.settings.worker_concurrency)
        ]
        loops += [
            ("heartbeat", self._heartbeat_loop),
            ("cancel", self._cancel_loop),
            ("maintenance", self._maintenance_loop),
            ("positions", self._positions_loop),
        ]
        self._tasks = [asyncio.create_task(fn(), name=f"foodscan-{n}") for n, fn in loops]
        if self.webhooks.enabled:
            self.webhooks.start()
        logger.info("worker %s started: %s", self.id, ", ".join(self.kinds))

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop claiming; let running jobs finish for ``grace_s``, then release the rest."""
        self._stopping.set()
        self.bus.wake_workers()
        pending = [r.done for r in self.running.values()]
        if pending:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace_s):
                    await asyncio.gather(*(event.wait() for event in pending))
        for job_id in list(self.running):
            self._stop_job(job_id, "shutdown")
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.leader.stop()
        for job_id in list(self.running):  # claimed while the slots stopped
            self._stop_job(job_id, "shutdown")
        await asyncio.gather(*self._jobs, return_exceptions=True)
        await self.queue.group.drain()
        with contextlib.suppress(Exception):
            await self.queue.deregister()
        self.cpu.close()
        await self.webhooks.stop()
        logger.info("worker %s stopped", self.id)

    async def _slot(self) -> None:
        """Claim a job, run it, claim the next: ahead of the body's end where ``self.ahead``
        says so (the job is held until the body is over), else once it is over."""
        current: Running | None = None  # this slot's job, while its body runs
        while not self._stopping.is_set():
            if current is not None:
                await self.ahead.until_claim(current.lease.job.kind, current.freed)
                if current.freed.is_set():
                    current = None
            asked = time.monotonic()
            try:
                lease = await self.queue.claim(
                    self.kinds, self.first_steps, wanted=lambda: not self._stopping.is_set()
                )
            except Exception:
                logger.exception("claim failed")
                lease = None
            self.ahead.claimed(time.monotonic() - asked)  # a failed claim's time counts too
            if current is not None and (lease is None or not await self._hold(lease, current)):
                await current.freed.wait()  # claim again once the body is over
            elif lease is not None:
                task = self._spawn(self._run(lease), f"job-{lease.job.id}")
                current = self.running[lease.job.id] = Running(lease, task)
                continue
            else:
                await self.bus.wait_for_job(self.settings.poll_s)
            current = None

    async def _hold(self, lease: Lease, current: Running) -> bool:
        """Hold a job claimed ahead until ``current``'s body ends: True, run it (``ahead.hold``)."""
        try:
            reason = await self.ahead.hold(lease.job.id, current.freed, self._stopping)
        except asyncio.CancelledError:  # the worker stopped its slots
            self._hand_back(lease, "shutdown")
            raise
        if reason is not None:
            self._hand_back(lease, reason)
        return reason is None

    def _hand_back(self, lease: Lease, reason: str) -> None:
        """A held job goes back: cancelled (its user asked), else released to the queue; if
        that write fails, its lease runs out and the job is rescued."""
        back = self.queue.cancelled(lease) if reason == "cancel" else self.queue.release(lease)
        extra = {"job_id": lease.job.id, "worker_id": self.id}
        self._spawn(self._record(back, extra, crash_ok=True), f"hand-back-{lease.job.id}")

    def _spawn(self, job: Coroutine[None, None, None], name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(job, name=name)  # ``stop`` waits for it
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        return task

    async def _run(self, lease: Lease) -> None:
        """One job, from its first line to its recorded outcome."""
        running = self.running[lease.job.id]
        running.started = True
        try:
            if running.stop_reason is not None:  # stopped before it began
                await self._stopped(lease)
            else:
                async with memory.job_memory(self.settings.max_pixels):
                    await self._execute(lease, running)
        except Exception as error:
            logger.error(
                "job outcome not recorded; its lease will expire and be rescued",
                exc_info=error,
                extra={"job_id": lease.job.id, "worker_id": self.id},
            )
        finally:
            running.freed.set()
            running.done.set()
            self.running.pop(lease.job.id, None)

    async def _execute(self, lease: Lease, running: Running) -> None:
        job = lease.job
        extra = {"job_id": job.id, "worker_id": self.id}
        pipeline = self.pipelines[job.kind]
        ctx = Context(
            job_id=job.id,
            kind=job.kind,
            lang=job.lang,
            options=job.options,
            inputs=[f.to_json() for f in job.inputs],
            blobs=self.blobs,
            cpu=self.cpu,
            ocr=self.ocr,
            limits=self.limits,
            state=pipeline.new_state(),
            catalog=self.catalog,
            llm=self.llm,
        )

        timer = self.metrics.job_timer(job.kind)
        timer.step(pipeline.steps[0].name)  # started with the claim

        async def report(
            step: str, progress: int, message: str, partial: dict[str, Any] | None
        ) -> None:
            timer.step(step)
            await self.queue.progress(lease, step, progress, message, partial)

        # The outcome is decided by the body alone; recording it is a separate step, whose own
        # failure (the database away) is never taken for the job's: the lease runs out and the
        # job is rescued, rather than retried or failed although its work succeeded.
        limit = self.settings.policy(job.kind).time_limit_s
        began = time.monotonic()
        try:
            try:
                async with asyncio.timeout(limit):
                    with timer:
                        result = await pipeline.run(ctx, report, started=True)
            except TimeoutError as exc:
                raise TimeLimit(f"the job ran past its time limit of {limit:g} s") from exc
        except asyncio.CancelledError:
            await self._stopped(lease)
            return
        except LeaseLost:
            logger.warning("lease lost; result dropped", extra=extra)
            return
        except (PermanentError, TimeLimit) as exc:
            await self._record(self.queue.fail(lease, exc.code, exc.message), extra)
            return
        except TransientError as exc:
            await self._record(self.queue.retry_or_fail(lease, exc.code, exc.message), extra)
            return
        except Exception as exc:
            logger.exception("job crashed", extra=extra)
            await self._record(self.queue.retry_or_fail(lease, "internal", repr(exc)), extra)
            return
        self.ahead.body_ended(job.kind, time.monotonic() - began)
        running.freed.set()  # the slot starts its next job while this one commits
        try:
            await self.queue.succeed(lease, result)
        except asyncio.CancelledError:
            await self._stopped(lease)
        except LeaseLost:
            logger.warning("lease lost; result dropped", extra=extra)

    async def _stopped(self, lease: Lease) -> None:
        running = self.running.get(lease.job.id)
        reason = running.stop_reason if running else "shutdown"
        extra = {"job_id": lease.job.id, "worker_id": self.id}
        if reason == "cancel":
            await self._record(self.queue.cancelled(lease), extra)
        else:
            await self._record(self.queue.release(lease), extra)

    @staticmethod
    async def _record(
        outcome: Awaitable[object], extra: dict[str, str], crash_ok: bool = False
    ) -> None:
        try:
            await outcome
        except LeaseLost:
            logger.warning("lease lost before the outcome was saved", extra=extra)
        except Exception:
            if not crash_ok:
                raise
            logger.exception("outcome not recorded; the lease will expire", extra=extra)

    def _stop_job(self, job_id: str, reason: str) -> None:
        self.ahead.stop(job_id, reason)  # claimed ahead, not started: it goes back
        running = self.running.get(job_id)
        if running is not None and running.stop_reason is None:
            running.stop_reason = reason
            # Not started: it records the stop at its first line. Freed: its body is over and
            # its outcome is committing; stopping it now would only undo finished work.
            if running.started and not running.freed.is_set():
                running.task.cancel()

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_s)
            # Judge only the leases taken before the renewal: a job claimed while it was in
            # flight may have committed after its UPDATE, so its answer says nothing about it.
            before = {job_id: running.lease.token for job_id, running in self.running.items()}
            try:
                held = await self.queue.heartbeat(list(before.values()))
            except Exception:
                logger.exception("heartbeat failed")
                continue
            renewed = {h.job_id: h.token for h in held}
            for job_id, token in before.items():
                if renewed.get(job_id) != token and self._token(job_id) == token:
                    self._stop_job(job_id, "lost")
            for h in held:
                if h.cancel_requested:
                    self._stop_job(h.job_id, "cancel")

    def _token(self, job_id: str) -> str | None:
        running = self.running.get(job_id)
        return running.lease.token if running else None

    async def _cancel_loop(self) -> None:
        while True:
            await asyncio.sleep(CANCEL_POLL_S)
            if not self.running:
                continue
            try:
                async with self.engine.connect() as conn:
                    wanted = await sql.cancel_requested_ids(conn, self.id)
            except Exception:
                logger.exception("cancel poll failed")
                continue
            for job_id in wanted:
                self._stop_job(job_id, "cancel")

    async def _positions_loop(self) -> None:
        """Announce moved queue positions (``jobs.announce``), once per ``QUIET_S``, while
        this process leads (``jobs.leader``)."""
        while True:
            try:
                if self.leader.leading:
                    await self.positions.announce()
            except Exception:
                logger.exception("announcing queue positions failed")
            await asyncio.sleep(QUIET_S)

    async def _maintenance_loop(self) -> None:
        """Rescue, purge and drop dead workers while this process leads (``jobs.leader``)."""
        rescue_every = max(0.2, min(self.settings.lease_s / 2, 5.0))
        since_purge = float("inf")
        while True:
            try:
                if not self.leader.leading:
                    since_purge = float("inf")  # a new leader purges first
                else:
                    await self.maintenance.rescue()
                    if since_purge >= self.settings.maintenance_interval_s:
                        await self.maintenance.purge()
                        await self.maintenance.drop_dead_workers()
                        since_purge = 0.0
            except Exception:
                logger.exception("maintenance failed")
            await asyncio.sleep(rescue_every)
            since_purge += rescue_every
