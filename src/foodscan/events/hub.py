"""The hub: one feed of appended events fanned out to many subscriber queues in this process.

Publishing is synchronous and cheap: it offers the already-encoded record to each subscriber
of the event's job or user. A subscriber that falls too far behind is marked ``overflowed`` and
must resynchronise from the log; the hub never blocks on a slow client. An event id seen twice
(local publish and PostgreSQL NOTIFY) is delivered once.

A subscriber is anything with the ``Subscriber`` shape: a ``Subscription`` (an asyncio queue, for
the WebSocket and the tests) or an SSE stream that is its own subscriber (``api/sse_stream.py``).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable
from types import TracebackType
from typing import Protocol

from foodscan.events.log import EventRecord

QUEUE_SIZE = 1024
SEEN_WINDOW = 4096


class Subscriber(Protocol):
    """What the hub delivers to: live events of one user, or of one job of that user."""

    @property
    def user_id(self) -> str: ...

    @property
    def job_id(self) -> str | None: ...

    def offer(self, record: EventRecord) -> None:
        """Take ``record`` now, without blocking; past its limit, mark itself behind."""

    def resync(self) -> None:
        """It may have missed events: it must read the log again before its next live one."""


class Subscription:
    """Live events for one user (or one job of that user), in arrival order."""

    def __init__(self, hub: Hub, user_id: str, job_id: str | None) -> None:
        self.hub = hub
        self.user_id = user_id
        self.job_id = job_id
        self.queue: asyncio.Queue[EventRecord] = asyncio.Queue(QUEUE_SIZE)
        self.overflowed = False

    def offer(self, record: EventRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except asyncio.QueueFull:
            self.overflowed = True

    def resync(self) -> None:
        self.overflowed = True

    async def get(self, within: float) -> EventRecord | None:
        """The next event, or None when ``within`` seconds pass without one."""
        if not self.queue.empty():
            return self.queue.get_nowait()
        # ``asyncio.timeout``, not ``wait_for``: on Python 3.11 ``wait_for`` wraps the wait in a
        # new task, one more task per event and per idle stream.
        try:
            async with asyncio.timeout(within):
                return await self.queue.get()
        except TimeoutError:
            return None

    def drain(self) -> list[EventRecord]:
        """Everything queued now, without waiting."""
        items: list[EventRecord] = []
        while not self.queue.empty():
            items.append(self.queue.get_nowait())
        return items

    def __enter__(self) -> Subscription:
        self.hub.attach(self)
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.hub.detach(self)


class Hub:
    """Fan-out of events to the subscriptions of this process."""

    def __init__(self) -> None:
        self._by_job: dict[str, set[Subscriber]] = {}
        self._by_user: dict[str, set[Subscriber]] = {}
        self._seen: OrderedDict[int, None] = OrderedDict()
        self.opened = 0  # subscriptions ever attached
        self.closed = 0  # subscriptions ever detached (streams ended): the collector schedule's cue

    @property
    def has_subscribers(self) -> bool:
        """Whether any subscription is attached (``detach`` drops emptied keys, so this is O(1))."""
        return bool(self._by_job or self._by_user)

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._by_job.values()) + sum(
            len(s) for s in self._by_user.values()
        )

    def subscribe(self, *, user_id: str, job_id: str | None = None) -> Subscription:
        """A subscription; use it as a context manager so it is always detached."""
        return Subscription(self, user_id, job_id)

    def attach(self, sub: Subscriber) -> None:
        index, key = (self._by_job, sub.job_id) if sub.job_id else (self._by_user, sub.user_id)
        index.setdefault(key, set()).add(sub)
        self.opened += 1

    def detach(self, sub: Subscriber) -> None:
        index, key = (self._by_job, sub.job_id) if sub.job_id else (self._by_user, sub.user_id)
        subs = index.get(key)
        if subs is not None and sub in subs:
            subs.discard(sub)
            self.closed += 1
            if not subs:
                del index[key]

    def resync_all(self) -> None:
        """Tell every subscriber it may have missed events (e.g. the LISTEN connection dropped)."""
        for index in (self._by_job, self._by_user):
            for subs in index.values():
                for sub in subs:
                    sub.resync()

    def publish(self, records: Iterable[EventRecord]) -> None:
        """Deliver each record (once per id) to the subscribers of its job and of its user."""
        for record in records:
            if record.id in self._seen:
                continue
            self._seen[record.id] = None
            if len(self._seen) > SEEN_WINDOW:
                self._seen.popitem(last=False)
            for sub in self._by_job.get(record.job_id, ()):
                sub.offer(record)
            for sub in self._by_user.get(record.user_id, ()):
                sub.offer(record)
