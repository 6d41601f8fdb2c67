"""A resuming Server-Sent Events reader: reconnects with ``Last-Event-ID``, yields each event once.

A dropped connection (reset, timeout, a 5xx, a stream that ends early) is followed by a new one
after the server's ``retry:`` delay, doubled for each attempt in a row that brought no event
(capped, with jitter). The cursor sent is the highest id yielded, and ids already yielded are
skipped, so a replay never repeats an event. A per-job stream ends when the server closed it
and the job is over. A refusal (4xx) is raised at once, and so is a server unreachable for
``give_up_s`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field

import httpx
from httpx_sse import SSEError, aconnect_sse

from foodscan.client.errors import UNREACHABLE, ClientError, from_response
from foodscan.client.models import Event
from foodscan.client.seen import SeenIds

logger = logging.getLogger(__name__)

DEFAULT_RETRY_S = 3.0
MAX_DELAY_S = 30.0
# A stream is quiet between events but for heartbeats (15 s by default): a longer silence is a
# dead connection, so the read times out and the reader reconnects.
STREAM_TIMEOUT = httpx.Timeout(10.0, read=60.0)
RETRYABLE_STATUSES = frozenset({408, 425, 429})


@dataclass
class Backoff:
    """The delay before the next connection, and how long the server has been unreachable."""

    retry_s: float = DEFAULT_RETRY_S
    attempts: int = 0
    down_since: float | None = None

    def delay(self) -> float:
        base = min(self.retry_s * 2.0 ** min(self.attempts, 16), MAX_DELAY_S)
        self.attempts += 1
        return base * (0.75 + random.random() / 2)  # noqa: S311 - jitter, not cryptography

    def failed(self, error: ClientError, give_up_s: float) -> None:
        """Note a connection that failed; raise ``error`` once it has failed for too long."""
        now = time.monotonic()
        if self.down_since is None:
            self.down_since = now
        elif now - self.down_since >= give_up_s:
            raise error


def _retryable(status: int) -> bool:
    return status >= 500 or status in RETRYABLE_STATUSES


@dataclass
class Cursor:
    """Where a stream resumes (the highest id yielded) and which ids it already yielded."""

    after: int | None
    seen: SeenIds = field(default_factory=SeenIds)

    def headers(self) -> dict[str, str]:
        return {} if self.after is None else {"Last-Event-ID": str(self.after)}

    def advance(self, event: Event) -> bool:
        """Move past ``event``; False when it was yielded before."""
        self.after = event.id if self.after is None else max(self.after, event.id)
        return self.seen.add(event.id)


async def _connection(
    http: httpx.AsyncClient, path: str, cursor: Cursor, backoff: Backoff, give_up_s: float
) -> AsyncGenerator[Event, None]:
    """The new events of one connection, until the server closes it."""
    async with aconnect_sse(
        http, "GET", path, headers=cursor.headers(), timeout=STREAM_TIMEOUT
    ) as source:
        response = source.response
        if response.status_code >= 400:
            await response.aread()
            error = from_response(response)
            if not _retryable(response.status_code):
                raise error
            backoff.failed(error, give_up_s)
            return
        backoff.down_since = None
        async for sse in source.aiter_sse():
            if sse.retry is not None:
                backoff.retry_s = sse.retry / 1000
            if not sse.data:
                continue  # a retry-only frame (or a heartbeat after an id)
            event = Event.model_validate_json(sse.data)
            backoff.attempts = 0
            if cursor.advance(event):
                yield event


async def follow(
    http: httpx.AsyncClient,
    path: str,
    *,
    after: int | None,
    ends: Callable[[], Awaitable[bool]] | None,
    give_up_s: float,
) -> AsyncGenerator[Event, None]:
    """Every event at ``path`` after ``after``, across reconnections, each once.

    ``ends`` is given for a per-job stream: asked when the server closed the stream, it says
    whether the job is over (a replay may hold an earlier attempt's terminal event, and a purged
    job has no events at all); the iteration then ends.
    """
    cursor = Cursor(after)
    backoff = Backoff()
    while True:
        try:
            async with aclosing(_connection(http, path, cursor, backoff, give_up_s)) as events:
                async for event in events:
                    yield event
            # The server closes a job's stream after its terminal event; one that closed early
            # (or a job retried since) is followed on. The job's own status decides.
            if ends is not None and await ends():
                return
        except (httpx.TransportError, SSEError) as exc:
            logger.info("event stream %s dropped: %s", path, exc)
            error = ClientError(UNREACHABLE, f"the event stream {path} dropped: {exc}")
            backoff.failed(error, give_up_s)
        except ClientError as exc:
            if exc.code != UNREACHABLE:  # a refusal, or the job's own check in ``ends`` refused
                raise
            backoff.failed(exc, give_up_s)
        await asyncio.sleep(backoff.delay())
