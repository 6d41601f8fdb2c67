"""One client's event feed: replay from the log after its cursor, then live events from the
hub, each id once, for the WebSocket (``Feed.events``) and the SSE streams (``api/sse_stream.py``,
which share ``catch_up`` and ``replay`` and follow the hub themselves).

The feed subscribes to the hub first, then replays the log after the client's cursor, then
yields live events, skipping ids it already yielded; so nothing committed in between is lost.
A per-job feed ends after the job's terminal event. A user feed without a cursor starts "now":
the latest event of each of the user's unfinished jobs (their current state), then live events,
rather than replaying the user's whole history; a per-job feed without one replays the job's
events from its first. ``events`` yields None after a quiet wait drawn between half and all of
``sse_heartbeat_s``, so feeds opened together do not wake together.
"""

from __future__ import annotations

import random
from collections.abc import AsyncGenerator, AsyncIterator

from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.client.seen import SeenIds
from foodscan.events import log
from foodscan.events.hub import Hub, Subscription
from foodscan.events.log import EventRecord
from foodscan.jobs import sql
from foodscan.jobs.states import TERMINAL, Status
from foodscan.settings import Settings


class Feed:
    """One client's stream: replay from the log, then live events from its subscription.

    ``catch_up`` and ``replay`` are the log side, shared with the SSE streams
    (``api/sse_stream.py``), which subscribe to the hub themselves."""

    __slots__ = ("ended", "engine", "hub", "job_id", "sent", "settings", "starts_now", "user_id")

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        hub: Hub,
        settings: Settings,
        user_id: str,
        job_id: str | None,
        after: int | None,
    ) -> None:
        self.engine = engine
        self.hub = hub
        self.settings = settings
        self.user_id = user_id
        self.job_id = job_id
        self.starts_now = after is None and job_id is None
        self.sent = SeenIds(after or 0)
        self.ended = False  # a per-job feed that sent (or found) its job's end

    async def events(self) -> AsyncIterator[EventRecord | None]:
        """The replay, then live events; ``None`` each time ``sse_heartbeat_s`` passes quietly."""
        with self.hub.subscribe(user_id=self.user_id, job_id=self.job_id) as sub:
            async for record in self.catch_up():
                yield record
            if self.ended:
                return
            async for live in self._live(sub):
                yield live

    async def catch_up(self) -> AsyncGenerator[EventRecord]:
        """What the client missed, from the log: the current state of the user's unfinished
        jobs (a user feed without a cursor), or the events after the cursor. Subscribe first.
        A per-job feed whose job ended sends up to its terminal event and sets ``ended``."""
        if self.starts_now:
            for record in await self._now():
                yield record
        last: EventRecord | None = None
        async for record in self.replay():
            last = record
            yield record
        if self.job_id is not None:
            if last is not None and last.terminal:
                self.ended = True
                return
            if await self._job_finished():
                # It ended before the cursor, or between the replay and this check.
                async for record in self.replay():
                    yield record
                self.ended = True

    async def _live(self, sub: Subscription) -> AsyncIterator[EventRecord | None]:
        while True:
            if sub.overflowed:
                # We fell behind and the hub dropped events: everything is in the log.
                sub.overflowed = False
                sub.drain()
                async for record in self.replay():
                    yield record
                    if self.closes_on(record):
                        return
                continue
            live = await sub.get(self._quiet_wait())
            if sub.overflowed:
                # Marked behind while we waited (a LISTEN reconnect): what it missed has lower
                # ids than this live event, so replay first; the replay carries this one too.
                continue
            if live is None:
                yield None
                continue
            if not self.sent.add(live.id):
                continue
            yield live
            if self.closes_on(live):
                return

    def _quiet_wait(self) -> float:
        """How long to wait for an event before a heartbeat: between half and all of
        ``sse_heartbeat_s``, drawn anew each time, so that thousands of streams opened together
        (a restart, a reconnect storm) do not all beat at once and stall everyone's events."""
        period = self.settings.sse_heartbeat_s
        return period * random.uniform(0.5, 1.0)  # noqa: S311 - spreading load, not secrecy

    def closes_on(self, record: EventRecord) -> bool:
        """Whether ``record`` ends this feed: a per-job feed ends after its terminal event."""
        return self.job_id is not None and record.terminal

    async def replay(self) -> AsyncGenerator[EventRecord]:
        """Every logged event after the highest id sent, page by page, each id once."""
        while True:
            async with self.engine.connect() as conn:
                if self.job_id is not None:
                    page = await log.read_job(conn, self.job_id, after=self.sent.high)
                else:
                    page = await log.read_user(conn, self.user_id, after=self.sent.high)
            for record in page:
                if self.sent.add(record.id):
                    yield record
            if len(page) < log.READ_LIMIT:
                return

    async def _now(self) -> list[EventRecord]:
        """The latest event of each unfinished job; the cursor moves to the log's last id (the
        subscription is already open, so whatever is appended after that id still comes)."""
        async with self.engine.connect() as conn:
            high = await log.last_id(conn)
            current = await log.read_latest(
                conn, self.user_id, (Status.QUEUED.value, Status.RUNNING.value)
            )
        self.sent = SeenIds(high)
        return current

    async def _job_finished(self) -> bool:
        assert self.job_id is not None  # noqa: S101 - only called for per-job streams
        async with self.engine.connect() as conn:
            row = await sql.get_job(conn, self.job_id)
        return row is None or row.status in TERMINAL
