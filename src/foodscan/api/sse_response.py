"""``EventStreamResponse``: the ASGI response of a long-lived event stream (SSE).

Starlette's ``StreamingResponse`` (on servers older than ASGI spec 2.4, uvicorn included) runs
every stream inside an anyio task group with a second task that waits for the disconnect: two
tasks and a cancel scope for each of thousands of idle connections. This response sends the
frames from the request's own task and keeps one small watcher task that cancels it when the
client leaves (uvicorn's ``send`` silently drops frames to a gone client, so without a watcher
a quiet stream would never end). Frames are sent as they come; nothing is buffered here.
"""

from __future__ import annotations

import asyncio

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send


class EventStreamResponse(StreamingResponse):
    """A ``StreamingResponse`` (same constructor) whose stream ends when the client leaves."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: ARG002 - ASGI
        streaming = asyncio.current_task()
        assert streaming is not None  # noqa: S101 - ASGI apps always run in a task
        watcher = asyncio.create_task(_watch(receive, streaming))
        try:
            try:
                await send(
                    {
                        "type": "http.response.start",
                        "status": self.status_code,
                        "headers": self.raw_headers,
                    }
                )
                async for chunk in self.body_iterator:
                    body = (
                        chunk
                        if isinstance(chunk, bytes | memoryview)
                        else chunk.encode(self.charset)
                    )
                    await send({"type": "http.response.body", "body": body, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            finally:
                watcher.cancel()
                # The feed's clean-up (leaving the hub) is synchronous: aclose cannot be cut short.
                closing = getattr(self.body_iterator, "aclose", None)
                if closing is not None:
                    await closing()
        except asyncio.CancelledError:
            if not _saw_disconnect(watcher):
                raise  # cancelled from elsewhere (shutdown): let it propagate
            streaming.uncancel()  # the client left: this stream simply ends
            return
        if self.background is not None:
            await self.background()


async def _watch(receive: Receive, streaming: asyncio.Task[object]) -> None:
    """Wait for ``http.disconnect``, then cancel the task that is sending the stream."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            streaming.cancel()
            return


def _saw_disconnect(watcher: asyncio.Task[None]) -> bool:
    """The watcher returned (it cancels itself out of nothing else)."""
    return watcher.done() and not watcher.cancelled()
