"""The worker side of jobs: register, claim, heartbeat, progress, finish, retry, release.

Each call that changes a job is one guarded UPDATE (``jobs.sql``) plus its event; a worker whose
lease was lost gets ``LeaseLost`` and its late write changes nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.clock import Clock, utc_now
from foodscan.errors import LeaseLost
from foodscan.jobs import sql
from foodscan.jobs.claims import ClaimGatherer
from foodscan.jobs.group_commit import GroupCommit
from foodscan.jobs.job import Job
from foodscan.jobs.position import fair_share
from foodscan.jobs.states import Status
from foodscan.jobs.transaction import Bus, Outcome, Write
from foodscan.retry import backoff_delay
from foodscan.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Lease:
    """A claimed job and the token that proves this worker still holds it."""

    job: Job
    token: str


@dataclass(frozen=True, slots=True)
class HeldJob:
    """One job a heartbeat renewed, and whether its user asked to cancel it."""

    job_id: str
    token: str
    cancel_requested: bool


class JobQueue:
    """Jobs as one worker sees them."""

    def __init__(
        self,
        engine: AsyncEngine,
        bus: Bus,
        settings: Settings,
        worker_id: str | None = None,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self.engine = engine
        self.bus = bus
        self.settings = settings
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.fair_share = fair_share(settings)
        self.clock = clock
        self.group = GroupCommit(engine, bus, clock=clock)
        self._claims: ClaimGatherer[Lease] = ClaimGatherer(self.group, self._give_back)
        self._registration: dict[str, Any] | None = None
        self._background: set[asyncio.Task[None]] = set()

    def _lease_until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.settings.lease_s)

    async def register(self, kinds: Sequence[str], concurrency: int) -> None:
        """Add this worker to the registry (``/readyz`` and ETAs count it)."""
        now = self.clock()
        self._registration = {
            "id": self.worker_id,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "concurrency": concurrency,
            "kinds": list(kinds),
            "started_at": now,
        }
        async with self.engine.begin() as conn:
            await sql.upsert_worker(conn, {**self._registration, "heartbeat_at": now})

    async def deregister(self) -> None:
        async with self.engine.begin() as conn:
            await sql.delete_worker(conn, self.worker_id)

    async def claim(
        self,
        kinds: Sequence[str],
        first_steps: Mapping[str, tuple[str, str]] | None = None,
        *,
        wanted: Callable[[], bool] | None = None,
    ) -> Lease | None:
        """Take the next runnable job, or None; appends ``job.started``.

        With ``first_steps`` (kind → (step, message)) the job starts at its first step and its
        ``job.progress`` for that step commits with the claim, so its body can begin at once.
        ``wanted`` is asked when the claim's batch runs: False (the worker began stopping while
        the claim waited its turn) takes nothing. Claims made while the same batch gathers
        are one statement (``jobs.claims``).
        """
        steps = tuple(sorted((first_steps or {}).items()))
        key = (tuple(kinds), steps)
        return await self._claims.ask(key, functools.partial(self._take, kinds, steps), wanted)

    async def _take(
        self,
        kinds: Sequence[str],
        first_steps: tuple[tuple[str, tuple[str, str]], ...],
        tx: Write,
        n: int,
    ) -> list[Lease]:
        """Up to ``n`` jobs for the slots of one gathering (``jobs.claims``), in one statement;
        each gets ``job.started`` (and its first step's ``job.progress``)."""
        steps = dict(first_steps)
        rows: list[sql.Row] = []
        while len(rows) < n:  # a statement's tokens number its jobs up to ``MAX_CLAIM``
            wanted = min(n - len(rows), sql.MAX_CLAIM)
            taken = await sql.claim_many(
                tx.conn,
                n=wanted,
                worker_id=self.worker_id,
                token_base=uuid.uuid4().hex,
                now=tx.now,
                lease_until=self._lease_until(tx.now),
                kinds=kinds,
                policy=self.fair_share,
                first_steps={kind: name for kind, (name, _) in steps.items()},
            )
            rows += taken
            if len(taken) < wanted:
                break
        leases = []
        for row in rows:
            await tx.event(row, "job.started", attempt=row.attempt)
            if row.kind in steps:
                name, message = steps[row.kind]
                await tx.event(row, "job.progress", step=name, progress=0, message=message)
            leases.append(Lease(Job.from_row(row), row.lease_token))
        return leases

    def _give_back(self, lease: Lease) -> None:
        """A claim whose caller was cancelled while it committed: release the job at once."""
        task = asyncio.create_task(self._release_quietly(lease))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _release_quietly(self, lease: Lease) -> None:
        try:
            await self.release(lease)
        except Exception:  # its lease expires and maintenance rescues it
            logger.exception(
                "could not give back an orphaned claim", extra={"job_id": lease.job.id}
            )

    async def heartbeat(self, tokens: Sequence[str] | None = None) -> list[HeldJob]:
        """Renew this worker's registry row and its leases: those in ``tokens``, or all.

        The runtime passes the leases it is running, so a lease whose job it no longer runs
        (a crashed outcome write, say) expires and is rescued instead of being renewed forever.
        It runs in the group commit, in turn with this worker's claims and outcomes: a renewal
        of many rows in its own transaction could deadlock with a batch finishing some of them.
        """

        async def renew(tx: Write) -> list[HeldJob]:
            touched = await sql.touch_worker(tx.conn, self.worker_id, tx.now)
            if not touched and self._registration is not None:
                # Maintenance dropped this worker as dead after a long stall; it is alive.
                await sql.upsert_worker(tx.conn, {**self._registration, "heartbeat_at": tx.now})
            rows = (
                await sql.renew_leases(tx.conn, self.worker_id, self._lease_until(tx.now), tokens)
                if tokens is None or tokens
                else []
            )
            return [HeldJob(r.id, r.lease_token, bool(r.cancel_requested)) for r in rows]

        return await self.group.run(renew)

    async def progress(
        self,
        lease: Lease,
        step: str,
        progress: int,
        message: str,
        partial: dict[str, Any] | None = None,
    ) -> None:
        """Record the step reached and append ``job.progress`` (with the partial result, if any)."""

        async def record(tx: Write) -> None:
            row = await sql.set_progress(
                tx.conn, lease.job.id, lease.token, step=step, progress=progress, now=tx.now
            )
            if row is None:
                raise LeaseLost
            extra = {} if partial is None else {"partial": partial}
            await tx.event(
                row, "job.progress", step=step, progress=progress, message=message, **extra
            )

        await self.group.run(record)

    async def succeed(self, lease: Lease, result: dict[str, Any]) -> None:
        await self._finish(lease, Status.SUCCEEDED, "job.succeeded", result=result)

    async def fail(self, lease: Lease, code: str, message: str) -> None:
        await self._finish(lease, Status.FAILED, "job.failed", error=_error(code, message))

    async def cancelled(self, lease: Lease) -> None:
        await self._finish(lease, Status.CANCELLED, "job.cancelled")

    async def _finish(
        self,
        lease: Lease,
        status: Status,
        type_: str,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> None:

        async def record(tx: Write) -> Outcome:
            return await tx.finish(
                lease.job.id, lease.token, status, type_, result=result, error=error
            )

        # Its guard is judged with the batch's other outcomes (one statement on PostgreSQL):
        # a lease that was lost wrote nothing.
        if not (await self.group.run(record)).held:
            raise LeaseLost

    async def retry_or_fail(self, lease: Lease, code: str, message: str) -> bool:
        """A transient failure: queue again after a backoff, or fail when out of attempts.

        Returns True when the job will run again.
        """
        job = lease.job
        if job.attempt >= job.max_attempts:
            await self.fail(lease, code, message)
            return False
        error = _error(code, message)
        delay = backoff_delay(self.settings.policy(job.kind), job.attempt)

        async def record(tx: Write) -> bool:
            retry_at = tx.now + timedelta(seconds=delay)
            row = await sql.requeue_running(
                tx.conn, job.id, lease.token, run_at=retry_at, error=error, now=tx.now
            )
            if row is None:
                await self._cancel_instead(tx, lease)
                return False
            await tx.event(
                row,
                "job.retrying",
                attempt=row.attempt,
                retry_at=retry_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                error=error,
            )
            tx.job_queued = True
            return True

        return await self.group.run(record)

    async def release(self, lease: Lease) -> None:
        """Give the job back without counting the attempt (graceful shutdown)."""

        async def record(tx: Write) -> None:
            row = await sql.release(tx.conn, lease.job.id, lease.token, tx.now)
            if row is None:
                await self._cancel_instead(tx, lease)
                return
            tx.job_queued = True

        await self.group.run(record)

    @staticmethod
    async def _cancel_instead(tx: Write, lease: Lease) -> None:
        """A job going back to the queue whose user asked to cancel it ends cancelled."""
        row = await sql.finish(
            tx.conn, lease.job.id, lease.token, status=Status.CANCELLED, now=tx.now
        )
        if row is None:
            raise LeaseLost
        await tx.event(row, "job.cancelled")


def _error(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}
