"""Server-Sent Events: ``/v1/jobs/{id}/events`` (one job) and ``/v1/events`` (all the user's jobs),
and the tickets browsers open them with (``POST /v1/events/tickets``).

Each stream is a ``Feed`` (replay after the client's cursor — ``Last-Event-ID`` or ``?after=`` —
then live, each id once). Frames are the bytes the log encoded once; they are never re-encoded
here. A per-job stream closes after the job's terminal event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from prometheus_client import Gauge
from pydantic import BaseModel, Field

from foodscan.api import examples
from foodscan.api.client_feed import Feed
from foodscan.api.deps import (
    EngineDep,
    HubDep,
    MetricsDep,
    PrincipalDep,
    SettingsDep,
    StoreDep,
    StreamAccessDep,
)
from foodscan.api.problems import ROUTE_PROBLEMS, documented
from foodscan.api.sse_response import EventStreamResponse
from foodscan.errors import AuthError, CrossSiteRequest, InvalidInput, NotFound, RateLimited
from foodscan.events.sse_frames import HEADERS
from foodscan.jobs import tickets
from foodscan.metrics import Metrics

router = APIRouter(tags=["events"], responses=ROUTE_PROBLEMS)

_STREAM: dict[int | str, dict[str, Any]] = {  # Any: OpenAPI fragments
    200: {
        "content": {
            "text/event-stream": {
                "schema": {"type": "string"},
                "examples": examples.EVENT_STREAM_EXAMPLES,
            }
        },
        "description": "the event stream: an `id:` and a `data:` line (the event's JSON, "
        "`type` first) per event, a `: heartbeat` comment every 15 s",
    },
}
_BAD_CURSOR = {
    InvalidInput.code: "Last-Event-ID must be an event id (an integer from 0 to "
    "9223372036854775807)"
}


async def _counted(frames: AsyncIterator[bytes], open_streams: Gauge) -> AsyncIterator[bytes]:
    """The frames, with the stream counted as open until it ends or the client leaves."""
    with open_streams.track_inprogress():
        async for frame in frames:
            yield frame


def _stream(feed: Feed, instruments: Metrics) -> StreamingResponse:
    gauge = instruments.sse_connections.labels("user" if feed.job_id is None else "job")
    return EventStreamResponse(
        _counted(feed.frames(), gauge), media_type="text/event-stream", headers=HEADERS
    )


@router.get(
    "/v1/jobs/{job_id}/events",
    response_class=StreamingResponse,
    responses=_STREAM | documented(AuthError, NotFound, InvalidInput, details=_BAD_CURSOR),
)
async def job_events(
    *,
    job_id: str,
    access: StreamAccessDep,
    store: StoreDep,
    engine: EngineDep,
    hub: HubDep,
    settings: SettingsDep,
    instruments: MetricsDep,
) -> StreamingResponse:
    """One job's events: its history, then live; the stream ends after the terminal event.

    Authorised by the bearer token, or by ``?ticket=`` (``POST /v1/events/tickets``)."""
    user_id = access.principal.user_id
    if access.only_job is not None and access.only_job != job_id:
        raise AuthError("this ticket opens another job's events")
    await store.get(user_id, job_id)  # another user's job is 404
    feed = Feed(
        engine=engine,
        hub=hub,
        settings=settings,
        user_id=user_id,
        job_id=job_id,
        after=access.after,
    )
    return _stream(feed, instruments)


@router.get(
    "/v1/events",
    response_class=StreamingResponse,
    responses=_STREAM | documented(AuthError, InvalidInput, details=_BAD_CURSOR),
)
async def user_events(
    *,
    access: StreamAccessDep,
    engine: EngineDep,
    hub: HubDep,
    settings: SettingsDep,
    instruments: MetricsDep,
) -> StreamingResponse:
    """Every event of every job of the caller, from the cursor on; long-lived.

    Authorised by the bearer token, or by ``?ticket=`` of a ticket not limited to one job."""
    if access.only_job is not None:
        raise AuthError("this ticket opens one job's events: /v1/jobs/{id}/events")
    feed = Feed(
        engine=engine,
        hub=hub,
        settings=settings,
        user_id=access.principal.user_id,
        job_id=None,
        after=access.after,
    )
    return _stream(feed, instruments)


class TicketRequest(BaseModel):
    """What a ticket may open: one job's stream, or (no ``job_id``) all of the user's."""

    job_id: str | None = Field(default=None, max_length=36)


class TicketOut(BaseModel):
    """A single-use ticket for ``?ticket=`` on an event stream, valid until ``expires_at``."""

    ticket: str
    expires_at: datetime
    job_id: str | None


@router.post(
    "/v1/events/tickets",
    status_code=201,
    response_model=TicketOut,
    responses={
        **examples.json_examples(201, examples.TICKET_EXAMPLES),
        **documented(
            AuthError,
            CrossSiteRequest,
            NotFound,
            InvalidInput,
            RateLimited,
            details={RateLimited.code: "at most 60 event-stream tickets per minute"},
        ),
    },
    openapi_extra={
        "requestBody": {"content": {"application/json": {"examples": examples.TICKET_REQUEST}}}
    },
)
async def new_ticket(
    principal: PrincipalDep,
    store: StoreDep,
    engine: EngineDep,
    settings: SettingsDep,
    body: TicketRequest | None = None,
) -> TicketOut:
    """A ticket that opens an event stream once within 60 s, for browsers' ``EventSource``
    (which cannot send an ``Authorization`` header): never put a long-lived token in a URL."""
    job_id = body.job_id if body is not None else None
    if job_id is not None:
        await store.get(principal.user_id, job_id)  # another user's job is 404
    made = await tickets.issue(
        engine, principal.user_id, principal.plan, job_id, per_minute=settings.tickets_per_minute
    )
    return TicketOut(ticket=made.ticket, expires_at=made.expires_at, job_id=made.job_id)
