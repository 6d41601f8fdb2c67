"""The event bus: how appended events and new jobs reach hubs and workers.

``LocalBus`` (embedded mode, one process) publishes straight to the hub after commit and wakes
the local worker. ``events.pg_listen.PgBus`` adds PostgreSQL NOTIFY inside the transaction so
every API and worker process hears it, and its hubs hear every event, their own process's too,
only through LISTEN (in commit order). Observers (the metrics) see each batch this process
committed, once, whatever the bus.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.events.hub import Hub
from foodscan.events.log import EventRecord


class LocalBus:
    """In-process delivery: the hub and a wake-up signal for workers."""

    # The channels a write NOTIFYs (events, jobs) on a bus that does: ``PgBus``.
    notify_channels: tuple[str, str] | None = None

    def __init__(self, hub: Hub | None = None) -> None:
        self.hub = hub or Hub()
        self._job_available = asyncio.Event()
        self._observers: list[Callable[[Sequence[EventRecord]], None]] = []

    def observe(self, observer: Callable[[Sequence[EventRecord]], None]) -> None:
        """Call ``observer`` with the events of every transaction this process commits."""
        self._observers.append(observer)

    async def start(self) -> None:
        """Nothing to connect in-process."""

    async def stop(self) -> None:
        """Nothing to close in-process."""

    async def in_transaction(
        self, conn: AsyncConnection, records: Sequence[EventRecord], *, job_queued: bool
    ) -> None:
        """Called inside the writing transaction; nothing to do in-process."""

    def after_commit(self, records: Sequence[EventRecord], *, job_queued: bool) -> None:
        """Called once the transaction committed: deliver the events, wake a worker."""
        self.hub.publish(records)
        self._committed(records, job_queued=job_queued)

    def _committed(self, records: Sequence[EventRecord], *, job_queued: bool) -> None:
        """What follows this process's own commit on any bus: observers, a worker woken."""
        for observer in self._observers:
            observer(records)
        if job_queued:
            self._job_available.set()

    def wake_workers(self) -> None:
        self._job_available.set()

    async def wait_for_job(self, within: float) -> None:
        """Return when a job may be available, or after ``within`` seconds."""
        try:
            await asyncio.wait_for(self._job_available.wait(), within)
        except TimeoutError:
            return
        finally:
            self._job_available.clear()
