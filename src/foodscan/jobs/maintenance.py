"""Periodic upkeep: rescue expired leases, purge old uploads and jobs, drop dead workers."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.blobs import BlobStore
from foodscan.clock import Clock, utc_now
from foodscan.errors import Lost
from foodscan.jobs import sql
from foodscan.jobs.transaction import Bus, write
from foodscan.settings import Settings

logger = logging.getLogger(__name__)

PURGE_BATCH = 200
STALE_WORKER_LEASES = 3


class Maintenance:
    """The maintenance tasks; any process may run them, they are safe to run concurrently."""

    def __init__(
        self,
        engine: AsyncEngine,
        bus: Bus,
        blobs: BlobStore,
        settings: Settings,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self.engine = engine
        self.bus = bus
        self.blobs = blobs
        self.settings = settings
        self.clock = clock

    async def rescue(self, now: datetime | None = None) -> int:
        """Expired leases: cancel if asked, fail (``lost``) when rescued too often, else requeue."""
        now = now or self.clock()
        lost = {"code": Lost.code, "message": "its worker stopped responding too many times"}
        async with write(self.engine, self.bus, now) as tx:
            for row in await sql.cancel_expired(tx.conn, now):
                await tx.event(row, "job.cancelled")
            failed = await sql.fail_expired(tx.conn, now, self.settings.max_rescues, lost)
            for row in failed:
                await tx.event(row, "job.failed", error=lost)
            rescued = await sql.rescue_expired(tx.conn, now)
            for row in rescued:
                error = {"code": "lease_expired", "message": "the job's worker stopped responding"}
                await tx.event(
                    row,
                    "job.retrying",
                    attempt=row.attempt,
                    error=error,
                    retry_at=now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                )
            tx.job_queued = bool(rescued)
        if failed or rescued:
            logger.warning("lease expiry: %d requeued, %d lost", len(rescued), len(failed))
        return len(rescued) + len(failed)

    async def purge(self, now: datetime | None = None) -> tuple[int, int]:
        """Delete uploads and finished jobs past retention (and expired event-stream tickets);
        returns (uploads, jobs) purged."""
        now = now or self.clock()
        uploads_cutoff = now - timedelta(days=self.settings.upload_retention_days)
        jobs_cutoff = now - timedelta(days=self.settings.job_retention_days)
        # Rows first (guarded, so a job retried meanwhile is skipped), blobs after the commit:
        # a failure in between leaves an orphaned blob, never a queued job without its uploads.
        async with self.engine.begin() as conn:
            stale_inputs = await sql.mark_inputs_purged(conn, uploads_cutoff, now, PURGE_BATCH)
            old_jobs = await sql.delete_expired_jobs(conn, jobs_cutoff, PURGE_BATCH)
            await sql.delete_expired_tickets(conn, now)
        unpurged = [r for r in old_jobs if r.inputs_purged_at is None]
        for row in [*stale_inputs, *unpurged]:
            for item in row.inputs:
                await self.blobs.delete(item["blob_key"])
        return len(stale_inputs), len(old_jobs)

    async def drop_dead_workers(self, now: datetime | None = None) -> None:
        now = now or self.clock()
        cutoff = now - timedelta(seconds=self.settings.lease_s * STALE_WORKER_LEASES)
        async with self.engine.begin() as conn:
            await sql.delete_stale_workers(conn, cutoff)

    async def run_once(self) -> None:
        await self.rescue()
        await self.purge()
        await self.drop_dead_workers()
