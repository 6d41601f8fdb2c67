"""Server-Sent Events: ``/v1/jobs/{id}/events`` (one job) and ``/v1/events`` (all the user's jobs).

A stream subscribes to the hub first, then replays the log after the client's cursor
(``Last-Event-ID`` or ``?after=``), then sends live events, skipping ids it already sent; so
nothing committed in between is lost. Frames are the bytes the log encoded once; they are never
re-encoded here. A per-job stream closes after the job's terminal event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.api.deps import EngineDep, HubDep, PrincipalDep, SettingsDep, StoreDep
from foodscan.errors import InvalidInput
from foodscan.events import log
from foodscan.events.hub import Hub, Subscription
from foodscan.events.log import EventRecord
from foodscan.events.seen import SeenIds
from foodscan.events.sse import HEADERS, HEARTBEAT, encode_retry
from foodscan.jobs import sql
from foodscan.jobs.states import TERMINAL
from foodscan.settings import Settings

router = APIRouter(tags=["events"])

_STREAM: dict[int | str, dict[str, Any]] = {  # Any: OpenAPI fragments
    200: {"content": {"text/event-stream": {}}, "description": "the event stream"},
    404: {"content": {"application/problem+json": {}}},
    422: {"content": {"application/problem+json": {}}},
}
AfterQuery = Annotated[int | None, Query(ge=0, description="resume after this event id")]
LastEventIdHeader = Annotated[str | None, Header(description="resume after this event id")]


class Feed:
    """One client's stream: replay from the log, then live events from its subscription."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        hub: Hub,
        settings: Settings,
        user_id: str,
        job_id: str | None,
        after: int,
    ) -> None:
        self.engine = engine
        self.hub = hub
        self.settings = settings
        self.user_id = user_id
        self.job_id = job_id
        self.sent = SeenIds(after)

    async def frames(self) -> AsyncIterator[bytes]:
        """``retry:``, the replay, then live frames and heartbeats until the stream ends."""
        yield encode_retry(self.settings.sse_retry_ms)
        with self.hub.subscribe(user_id=self.user_id, job_id=self.job_id) as sub:
            last: EventRecord | None = None
            async for record in self._replay():
                last = record
                yield record.frame
            if self.job_id is not None:
                if last is not None and last.terminal:
                    return
                if await self._job_finished():
                    # It ended before the cursor, or between the replay and this check.
                    async for record in self._replay():
                        yield record.frame
                    return
            async for frame in self._live(sub):
                yield frame

    async def _live(self, sub: Subscription) -> AsyncIterator[bytes]:
        while True:
            if sub.overflowed:
                # We fell behind and the hub dropped events: everything is in the log.
                sub.overflowed = False
                sub.drain()
                async for record in self._replay():
                    yield record.frame
                    if self._closes_on(record):
                        return
                continue
            live = await sub.get(self.settings.sse_heartbeat_s)
            if live is None:
                yield HEARTBEAT
                continue
            if not self.sent.add(live.id):
                continue
            yield live.frame
            if self._closes_on(live):
                return

    def _closes_on(self, record: EventRecord) -> bool:
        return self.job_id is not None and record.terminal

    async def _replay(self) -> AsyncIterator[EventRecord]:
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

    async def _job_finished(self) -> bool:
        assert self.job_id is not None  # noqa: S101 - only called for per-job streams
        async with self.engine.connect() as conn:
            row = await sql.get_job(conn, self.job_id)
        return row is None or row.status in TERMINAL


def resume_after(after: int | None, last_event_id: str | None) -> int:
    """The cursor to resume after: ``Last-Event-ID`` (the browser's latest) wins over ``after``."""
    if last_event_id is not None and last_event_id.strip():
        try:
            value = int(last_event_id.strip())
        except ValueError:
            value = -1
        if value < 0:
            raise InvalidInput("Last-Event-ID must be an event id (a non-negative integer)")
        return value
    return after or 0


def _stream(feed: Feed) -> StreamingResponse:
    return StreamingResponse(feed.frames(), media_type="text/event-stream", headers=HEADERS)


@router.get("/v1/jobs/{job_id}/events", response_class=StreamingResponse, responses=_STREAM)
async def job_events(
    *,
    job_id: str,
    principal: PrincipalDep,
    store: StoreDep,
    engine: EngineDep,
    hub: HubDep,
    settings: SettingsDep,
    after: AfterQuery = None,
    last_event_id: LastEventIdHeader = None,
) -> StreamingResponse:
    """One job's events: its history, then live; the stream ends after the terminal event."""
    cursor = resume_after(after, last_event_id)
    await store.get(principal.user_id, job_id)  # another user's job is 404
    return _stream(
        Feed(
            engine=engine,
            hub=hub,
            settings=settings,
            user_id=principal.user_id,
            job_id=job_id,
            after=cursor,
        )
    )


@router.get("/v1/events", response_class=StreamingResponse, responses=_STREAM)
async def user_events(
    *,
    principal: PrincipalDep,
    engine: EngineDep,
    hub: HubDep,
    settings: SettingsDep,
    after: AfterQuery = None,
    last_event_id: LastEventIdHeader = None,
) -> StreamingResponse:
    """Every event of every job of the caller, from the cursor on; long-lived."""
    cursor = resume_after(after, last_event_id)
    return _stream(
        Feed(
            engine=engine,
            hub=hub,
            settings=settings,
            user_id=principal.user_id,
            job_id=None,
            after=cursor,
        )
    )
