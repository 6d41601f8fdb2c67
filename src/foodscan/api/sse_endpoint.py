"""``EventStreams``: ``GET /v1/events`` and ``GET /v1/jobs/{id}/events`` as a raw ASGI endpoint.

A stream lives for minutes to hours, and everything on its task's stack lives as long: through
FastAPI (the route's dependency exit stacks, ``Request`` objects, the router's and the
middlewares' frames) that was about 150 objects the garbage collector tracks per open stream,
walked by every full collection. ``EventStreams`` wraps the framework's whole middleware stack
(``api/app.py``) and takes a ``GET`` of the two stream paths before any of it: it makes
``Guard``'s checks (Host, cross-site), then checks the request as the routes' dependencies do
(the cursor first, so a refused request spends no ticket; then the bearer token or
``?ticket=``; then the job's owner), answers a refusal with the same problem document, and runs
the ``SseStream`` in the request's own task.

The routes in ``routes/events.py`` stay: they declare the operations to OpenAPI and open the
same ``SseStream`` through ``open_stream``. Other methods on these paths go to the framework
(``405``, as before).
"""

from __future__ import annotations

import logging
import re
from typing import Annotated, Any
from urllib.parse import parse_qsl

from pydantic import Field, TypeAdapter, ValidationError
from starlette.datastructures import Headers, State
from starlette.types import ASGIApp, Receive, Scope, Send

from foodscan.api.cursor import MAX_EVENT_ID, resume_after
from foodscan.api.deps import StreamAccess
from foodscan.api.guard import Guard
from foodscan.api.problems import answer, invalid, problem
from foodscan.api.sse_stream import SseStream
from foodscan.auth import Principal, authenticate
from foodscan.errors import AuthError, FoodscanError
from foodscan.jobs import tickets
from foodscan.settings import Settings

logger = logging.getLogger(__name__)

USER_STREAM = ""  # ``target`` of ``GET /v1/events``; a job stream's is the job's id
_USER_PATH = "/v1/events"
_JOB_PATH = re.compile(r"/v1/jobs/([^/]+)/events")
# ``?after=`` as the routes declare it (``cursor.AfterQuery``): the same errors, the same 422.
_AFTER = TypeAdapter(Annotated[int, Field(ge=0, le=MAX_EVENT_ID)])


def stream_target(scope: Scope) -> str | None:
    """For a ``GET`` of a stream path: ``USER_STREAM`` or the job's id; None for any other
    request (the framework's)."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    if path == _USER_PATH:
        return USER_STREAM
    found = _JOB_PATH.fullmatch(path)
    return None if found is None else found.group(1)


class EventStreams:
    """ASGI middleware over the whole framework: the two SSE paths (``stream_target``) are
    served here, everything else goes to ``app``."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.guard = Guard(app, settings)  # its checks, for the streams; the framework has its own

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = stream_target(scope)
        if target is None:
            await self.app(scope, receive, send)
            return
        try:
            stream = await self._open(scope, target)
        except _Invalid as exc:
            await invalid(exc.errors)(scope, receive, send)
            return
        except FoodscanError as exc:
            await answer(exc)(scope, receive, send)
            return
        except Exception:  # the last handler of these paths, as ``problems.on_unexpected``
            logger.exception("unhandled error opening %s", scope["path"])
            internal = problem(500, "internal", "An unexpected error occurred; it was logged.")
            await internal(scope, receive, send)
            return
        await stream.run(receive, send)

    async def _open(self, scope: Scope, target: str) -> SseStream:
        """The checks, then the stream (a frame of its own: nothing of them stays referenced
        while the stream runs)."""
        self.guard.check(scope)
        state: State = scope["app"].state
        return await open_stream(state, await _access(scope, state), target or None)


class _Invalid(Exception):
    """The query failed validation: pydantic's errors, located."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:  # Any: pydantic's error details
        super().__init__("invalid query")
        self.errors = errors


async def _access(scope: Scope, state: State) -> StreamAccess:
    """Who opens the stream and from which cursor, as ``deps._stream_access`` decides it."""
    query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
    headers = Headers(scope=scope)
    after = None
    if "after" in query:
        try:
            after = _AFTER.validate_python(query["after"])
        except ValidationError as exc:
            raise _Invalid(
                [{**error, "loc": ("query", "after", *error["loc"])} for error in exc.errors()]
            ) from exc
    cursor = resume_after(after, headers.get("last-event-id"))
    ticket = query.get("ticket")
    if ticket is None:
        principal = authenticate(state.settings, headers.get("authorization"))
        return StreamAccess(principal, after=cursor)
    redeemed = await tickets.redeem(state.engine, ticket)
    if redeemed is None:
        raise AuthError("the ticket is unknown, used or expired; ask for a new one")
    return StreamAccess(Principal(redeemed.user_id, redeemed.plan), redeemed.job_id, cursor)


async def open_stream(state: State, access: StreamAccess, job_id: str | None) -> SseStream:
    """The stream ``access`` may open: one job's (``job_id``: the caller's own, and the one a
    ticket names) or, with ``job_id`` None, all of the user's (not with a one-job ticket)."""
    user_id = access.principal.user_id
    if job_id is None:
        if access.only_job is not None:
            raise AuthError("this ticket opens one job's events: /v1/jobs/{id}/events")
    else:
        if access.only_job is not None and access.only_job != job_id:
            raise AuthError("this ticket opens another job's events")
        await state.store.get(user_id, job_id)  # another user's job is 404
    gauge = state.metrics.sse_connections.labels("user" if job_id is None else "job")
    return SseStream(
        engine=state.engine,
        hub=state.hub,
        settings=state.settings,
        beats=state.sse_beats,
        gauge=gauge,
        user_id=user_id,
        job_id=job_id,
        after=access.after,
    )
