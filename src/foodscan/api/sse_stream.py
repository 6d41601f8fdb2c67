"""``SseStream``: one open Server-Sent Events stream, its own subscriber of the hub.

The stream is one small object (slots, no per-stream queue, timer, generator or framework
response) that runs in the request's own task: it subscribes, sends ``retry:`` and what the
client missed (``Feed.catch_up``), then waits on one future for the hub (``offer``), the
heartbeat wheel (``api/sse_beats.py``) or the client leaving. Frames are the bytes the log
encoded once and shares across every stream; several waiting at once go out in one write.
One watcher task waits for ``http.disconnect`` (uvicorn's ``send`` silently drops frames to a
gone client, so without it a quiet stream would never end). A per-job stream ends after the
job's terminal event; a stream that fell behind (``QUEUE_SIZE`` frames waiting, or the hub
told to resync) reads the log again, each id still once.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import Message, Receive, Send

from foodscan.api.client_feed import Feed
from foodscan.api.sse_beats import Beats
from foodscan.events import hub as fanout
from foodscan.events.log import EventRecord
from foodscan.events.sse_frames import HEADERS, HEARTBEAT, encode_retry
from foodscan.settings import Settings

START: Message = {
    "type": "http.response.start",
    "status": 200,
    "headers": [
        (b"content-type", b"text/event-stream; charset=utf-8"),
        *((name.lower().encode(), value.encode()) for name, value in HEADERS.items()),
    ],
}
END: Message = {"type": "http.response.body", "body": b"", "more_body": False}


class SseStream(Feed):
    """One client's event stream: the feed's replay, then live frames from the hub."""

    __slots__ = (
        "_wake",
        "beat_at",
        "beat_slot",
        "beats",
        "behind",
        "closed",
        "gauge",
        "heartbeat",
        "pending",
    )

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        hub: fanout.Hub,
        settings: Settings,
        beats: Beats,
        gauge: Gauge,
        user_id: str,
        job_id: str | None,
        after: int | None,
    ) -> None:
        super().__init__(
            engine=engine, hub=hub, settings=settings, user_id=user_id, job_id=job_id, after=after
        )
        self.beats = beats
        self.gauge = gauge
        self.pending: list[EventRecord] = []
        self.behind = False
        self.closed = False
        self.heartbeat = False
        self.beat_at = 0.0
        self.beat_slot = 0
        self._wake: asyncio.Future[None] | None = None

    # --- what the hub, the wheel and the watcher call ---------------------------------------

    def offer(self, record: EventRecord) -> None:
        if self.behind:
            return  # it reads the log anyway
        if len(self.pending) >= fanout.QUEUE_SIZE:  # read now: tests lower it
            self.resync()
            return
        self.pending.append(record)
        self._wakeup()

    def resync(self) -> None:
        self.behind = True
        self.pending.clear()
        self._wakeup()

    def beat(self) -> None:
        self.heartbeat = True
        self._wakeup()

    def close(self) -> None:
        """The client left: end the stream."""
        self.closed = True
        self._wakeup()

    def _wakeup(self) -> None:
        wake = self._wake
        if wake is not None and not wake.done():
            wake.set_result(None)

    # --- the request's task --------------------------------------------------------------

    async def run(self, receive: Receive, send: Send) -> None:
        """Send the stream until the job ends or the client leaves."""
        watcher = asyncio.get_running_loop().create_task(self._watch(receive))
        self.gauge.inc()
        self.hub.attach(self)
        try:
            await send(START)
            await _body(send, encode_retry(self.settings.sse_retry_ms))
            await self._catch_up(send)
            if not self.ended and not self.closed:
                self.beats.add(self, asyncio.get_running_loop().time())
                await self._follow(send)
            if not self.closed:
                await send(END)
        finally:
            self.hub.detach(self)
            self.beats.remove(self)
            self.gauge.dec()
            watcher.cancel()

    async def _catch_up(self, send: Send) -> None:
        """What the client missed, from the log (in a frame of its own: the replay's
        generator is not kept while the stream follows)."""
        async with aclosing(self.catch_up()) as missed:
            async for record in missed:
                if self.closed:
                    return
                await _body(send, record.frame)

    async def _follow(self, send: Send) -> None:
        loop = asyncio.get_running_loop()
        while not self.closed:
            if self.behind:
                # The hub dropped events for us (or lost its LISTEN connection): the log has
                # them all, and anything offered meanwhile too.
                self.behind = False
                async with aclosing(self.replay()) as missed:
                    async for record in missed:
                        if self.closed:
                            return
                        await _body(send, record.frame)
                        if self.closes_on(record):
                            return
                continue
            if self.pending:
                if await self._send_pending(send):
                    return
                self.beats.quiet(self, loop.time())
            elif self.heartbeat:
                self.heartbeat = False
                await _body(send, HEARTBEAT)
            else:
                self._wake = loop.create_future()
                await self._wake
                self._wake = None

    async def _send_pending(self, send: Send) -> bool:
        """Send what the hub offered (each id once) in one write; True when it ended the job."""
        records, self.pending = self.pending, []
        self.heartbeat = False
        frames = []
        ending = False
        for record in records:
            if self.sent.add(record.id):
                frames.append(record.frame)
                if self.closes_on(record):
                    ending = True
                    break
        if frames:
            await _body(send, frames[0] if len(frames) == 1 else b"".join(frames))
        return ending

    async def _watch(self, receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.close()
                return


async def _body(send: Send, frame: bytes) -> None:
    await send({"type": "http.response.body", "body": frame, "more_body": True})
