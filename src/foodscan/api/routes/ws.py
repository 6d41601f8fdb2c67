"""``GET /v1/ws``: the event streams over WebSocket, for clients that already speak it.

The same events as SSE (each message is one event's JSON, ``type`` first, with its ``id``), the
same cursor (``?after=``), the same scope: every job of the user, or one (``?job_id=``), in
which case the socket closes after the job's terminal event. Authorised by the bearer token in
the handshake's ``Authorization`` header or by ``?ticket=`` (``POST /v1/events/tickets``).
A refusal is one ``{"type": "error", "code", "message"}`` message, then a close with 4400 +
the HTTP status (4401, 4404, 4422). SSE stays the primary channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from foodscan.api.client_feed import Feed
from foodscan.api.cursor import parse
from foodscan.api.problems import status_of
from foodscan.auth import Principal, authenticate
from foodscan.errors import AuthError, FoodscanError
from foodscan.jobs import tickets
from foodscan.jobs.store import JobStore

router = APIRouter(tags=["events"])

_CLOSE_BASE = 4000  # application close codes: 4000 + the HTTP status of the refusal


async def _principal(websocket: WebSocket, ticket: str | None) -> tuple[Principal, str | None]:
    """The caller and the one job a ticket limits them to."""
    if ticket is None:
        settings = websocket.app.state.settings
        return authenticate(settings, websocket.headers.get("authorization")), None
    redeemed = await tickets.redeem(websocket.app.state.engine, ticket)
    if redeemed is None:
        raise AuthError("the ticket is unknown, used or expired; ask for a new one")
    return Principal(redeemed.user_id, redeemed.plan), redeemed.job_id


async def _open(
    websocket: WebSocket, job_id: str | None, after: str | None, ticket: str | None
) -> Feed:
    # The cursor first: a request refused for it does not spend its ticket.
    cursor = None if after is None else parse("'after'", after)
    principal, only_job = await _principal(websocket, ticket)
    if only_job is not None and job_id != only_job:
        raise AuthError("this ticket opens one job's events: add ?job_id=" + only_job)
    if job_id is not None:
        store: JobStore = websocket.app.state.store
        await store.get(principal.user_id, job_id)  # another user's job is 404
    state = websocket.app.state
    return Feed(
        engine=state.engine,
        hub=state.hub,
        settings=state.settings,
        user_id=principal.user_id,
        job_id=job_id,
        after=cursor,
    )


async def _pump(websocket: WebSocket, feed: Feed) -> None:
    async for record in feed.events():
        if record is not None:  # quiet periods: the protocol's own pings keep the socket alive
            await websocket.send_text(json.dumps(record.payload, ensure_ascii=False))


async def _until_closed(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, until it closes the socket."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()


@router.websocket("/v1/ws")
async def events_socket(
    websocket: WebSocket,
    job_id: str | None = None,
    after: str | None = None,  # text: a bad one is a 4422 close, not a refused handshake
    ticket: str | None = None,
) -> None:
    """Stream events to a WebSocket client (see the module docstring)."""
    await websocket.accept()
    try:
        feed = await _open(websocket, job_id, after, ticket)
    except FoodscanError as exc:
        error = {"type": "error", "code": exc.code, "message": exc.message}
        await websocket.send_text(json.dumps(error))
        await websocket.close(code=_CLOSE_BASE + status_of(type(exc)), reason=exc.code)
        return
    pump = asyncio.create_task(_pump(websocket, feed))
    closed = asyncio.create_task(_until_closed(websocket))
    done, pending = await asyncio.wait({pump, closed}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
            await task
    if pump in done:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            pump.result()  # a send to a client that just left
            await websocket.close(code=1000)
