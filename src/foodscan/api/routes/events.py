"""Server-Sent Events: ``/v1/jobs/{id}/events`` (one job) and ``/v1/events`` (all the user's jobs),
and the tickets browsers open them with (``POST /v1/events/tickets``).

A ``GET`` of either stream is served before routing, by ``api/sse_endpoint.py`` (no framework
objects kept alive per stream). The two operations here declare the streams to OpenAPI (their
parameters, security and answers) and open the same ``SseStream`` (``open_stream``) for a request
that reaches the router, which only an app assembled without that endpoint lets one do: a
replay after the client's cursor (``Last-Event-ID`` or ``?after=``), then live, each id once, in
the bytes the log encoded once. A per-job stream closes after the job's terminal event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.types import Receive, Scope, Send

from foodscan.api import examples
from foodscan.api.deps import EngineDep, PrincipalDep, SettingsDep, StoreDep, StreamAccessDep
from foodscan.api.problems import ROUTE_PROBLEMS, documented
from foodscan.api.sse_endpoint import open_stream
from foodscan.api.sse_stream import SseStream
from foodscan.errors import AuthError, CrossSiteRequest, InvalidInput, NotFound, RateLimited
from foodscan.jobs import tickets

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


class _StreamResponse(Response):
    """An ``SseStream`` answered through the framework (its head is ``sse_stream.START``)."""

    def __init__(self, stream: SseStream) -> None:
        super().__init__(media_type="text/event-stream")
        self.stream = stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: ARG002 - ASGI
        await self.stream.run(receive, send)


@router.get(
    "/v1/jobs/{job_id}/events",
    response_class=StreamingResponse,
    responses=_STREAM | documented(AuthError, NotFound, InvalidInput, details=_BAD_CURSOR),
)
async def job_events(job_id: str, access: StreamAccessDep, request: Request) -> Response:
    """One job's events: its history, then live; the stream ends after the terminal event.

    Authorised by the bearer token, or by ``?ticket=`` (``POST /v1/events/tickets``)."""
    return _StreamResponse(await open_stream(request.app.state, access, job_id))


@router.get(
    "/v1/events",
    response_class=StreamingResponse,
    responses=_STREAM | documented(AuthError, InvalidInput, details=_BAD_CURSOR),
)
async def user_events(access: StreamAccessDep, request: Request) -> Response:
    """Every event of every job of the caller, from the cursor on; long-lived.

    Authorised by the bearer token, or by ``?ticket=`` of a ticket not limited to one job."""
    return _StreamResponse(await open_stream(request.app.state, access, None))


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
