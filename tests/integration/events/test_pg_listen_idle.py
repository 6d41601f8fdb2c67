"""PgBus with no subscriber: notified events are dropped unread, and no stream misses one.

The listening bus stands for another process (its own engine); a second PgBus, whose listener
is never started, writes and notifies. The listener's queue of notified ids is watched, so a
test knows when the publisher has taken (and so handled) a notification without sleeping, and
can hold the publisher back; reads of the event log on the listener's engine are counted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.api.client_feed import Feed
from foodscan.events.log import EventRecord
from foodscan.events.pg_listen import PgBus
from foodscan.jobs.job import InputFile
from foodscan.jobs.queue import JobQueue
from foodscan.jobs.store import JobStore, Submission
from foodscan.settings import Settings

KINDS = ["receipt", "products", "recipe"]
WAIT_S = 10

pytestmark = pytest.mark.postgresql_only  # LISTEN/NOTIFY


class WatchedQueue(asyncio.Queue[list[int]]):
    """The listener's queue of notified ids, recording what was queued and what was taken;
    ``hold`` (before the bus starts) keeps the publisher from taking anything until
    ``release``."""

    def __init__(self) -> None:
        super().__init__()
        self.queued: set[int] = set()
        self.taken: set[int] = set()
        self._changed = asyncio.Event()
        self._open = asyncio.Event()
        self._open.set()

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def put_nowait(self, item: list[int]) -> None:
        super().put_nowait(item)
        self.queued.update(item)
        self._changed.set()

    async def get(self) -> list[int]:
        await self._open.wait()
        return await super().get()

    def get_nowait(self) -> list[int]:
        item = super().get_nowait()
        self.taken.update(item)
        self._changed.set()
        return item

    async def until(self, condition: Callable[[], bool]) -> None:
        """Return once ``condition()`` holds (checked each time the queue changes)."""
        async with asyncio.timeout(WAIT_S):
            while not condition():
                self._changed.clear()
                await self._changed.wait()


@dataclass
class Listener:
    """The listening process: its bus, its watched queue, its reads of the event log."""

    bus: PgBus
    notified: WatchedQueue
    reads: list[str] = field(default_factory=list)


@dataclass
class Writer:
    """The writing process: a store and a queue on a bus that notifies but does not listen."""

    store: JobStore
    queue: JobQueue
    committed: list[EventRecord] = field(default_factory=list)

    def ids(self) -> set[int]:
        return {r.id for r in self.committed}


@pytest.fixture
async def listener(engine_factory: Callable[[], AsyncEngine]) -> AsyncIterator[Listener]:
    """Not started: a test may hold its queue first."""
    bus = PgBus(engine_factory())
    notified = WatchedQueue()
    bus._notified = notified
    watched = Listener(bus, notified)

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        # Any: SQLAlchemy's event signature (DBAPI connection, cursor, parameters, context).
        if "FROM job_events" in statement:
            watched.reads.append(statement)

    sync_engine = bus._engine.sync_engine
    sa.event.listen(sync_engine, "before_cursor_execute", count)
    yield watched
    await bus.stop()
    sa.event.remove(sync_engine, "before_cursor_execute", count)


@pytest.fixture
def writer(engine: AsyncEngine, settings: Settings) -> Writer:
    bus = PgBus(engine)
    made = Writer(JobStore(engine, bus, settings), JobQueue(engine, bus, settings, "worker-1"))
    bus.observe(made.committed.extend)
    return made


@pytest.fixture
def submission(input_factory: Callable[..., InputFile]) -> Callable[[], Submission]:
    def make() -> Submission:
        return Submission(user_id="alice", lane="free", kind="receipt", inputs=[input_factory()])

    return make


@pytest.fixture
def feed(engine: AsyncEngine, listener: Listener, settings: Settings) -> Feed:
    """Alice's stream in the listening process, from the start of the log (its backlog is
    read on the writer's engine, so ``Listener.reads`` counts the publisher's reads alone)."""
    return Feed(
        engine=engine,
        hub=listener.bus.hub,
        settings=settings,
        user_id="alice",
        job_id=None,
        after=0,
    )


@contextlib.asynccontextmanager
async def opened(feed: Feed) -> AsyncIterator[AsyncIterator[EventRecord | None]]:
    """The feed's events; closed (so detached from the hub) on the way out."""
    events = feed.events()
    assert isinstance(events, AsyncGenerator)  # ``events`` is an async generator function
    try:
        yield events
    finally:
        await events.aclose()


async def next_events(events: AsyncIterator[EventRecord | None], count: int) -> list[EventRecord]:
    """The next ``count`` events of a feed, heartbeats left out."""
    found: list[EventRecord] = []
    async with asyncio.timeout(WAIT_S):
        while len(found) < count:
            if (record := await anext(events)) is not None:
                found.append(record)
    return found


def described(records: Sequence[EventRecord]) -> list[tuple[str, str]]:
    return [(r.type, r.job_id) for r in records]


async def test_notified_events_are_not_read_while_the_hub_has_no_subscriber(
    listener: Listener, writer: Writer, submission: Callable[[], Submission]
) -> None:
    await listener.bus.start()
    for _ in range(5):
        await writer.store.submit(submission())
    await listener.notified.until(lambda: writer.ids() <= listener.notified.taken)

    assert listener.reads == []
    with listener.bus.hub.subscribe(user_id="alice") as sub:
        view = await writer.store.submit(submission())
        received = await sub.get(within=WAIT_S)

    assert received is not None
    assert (received.type, received.job_id) == ("job.queued", view.job.id)
    assert len(listener.reads) == 1  # the batch that had a subscriber, alone


async def test_a_stream_opened_after_a_dropped_batch_gets_it_from_the_log_then_the_rest_live(
    listener: Listener, writer: Writer, feed: Feed, submission: Callable[[], Submission]
) -> None:
    await listener.bus.start()
    first = await writer.store.submit(submission())
    await listener.notified.until(lambda: writer.ids() <= listener.notified.taken)
    assert listener.reads == []  # dropped: nobody was listening

    async with opened(feed) as events:
        backlog = await next_events(events, 1)
        second = await writer.store.submit(submission())
        lease = await writer.queue.claim(KINDS)
        assert lease is not None
        for percent in (30, 60, 90):
            await writer.queue.progress(lease, "ocr", percent, "reading")
        await writer.queue.succeed(lease, {"total": "1.00"})
        live = await next_events(events, 6)

    assert described(backlog) == [("job.queued", first.job.id)]
    assert described(live) == [
        ("job.queued", second.job.id),
        ("job.started", lease.job.id),
        *[("job.progress", lease.job.id)] * 3,
        ("job.succeeded", lease.job.id),
    ]
    ids = [r.id for r in backlog + live]
    assert ids == sorted(set(ids))
    assert listener.reads  # with a stream open, notified events are read again


async def test_a_stream_opened_while_a_notification_waits_gets_its_event_once(
    listener: Listener, writer: Writer, feed: Feed, submission: Callable[[], Submission]
) -> None:
    """The notification reached the listener but the publisher has not handled it when the
    stream attaches: the stream reads the event from the log, the publisher (now seeing a
    subscriber) reads and publishes it too, and the stream yields it once."""
    listener.notified.hold()
    await listener.bus.start()
    first = await writer.store.submit(submission())
    await listener.notified.until(lambda: writer.ids() <= listener.notified.queued)

    async with opened(feed) as events:
        backlog = await next_events(events, 1)
        assert listener.notified.taken == set()
        listener.notified.release()
        await listener.notified.until(lambda: writer.ids() <= listener.notified.taken)
        second = await writer.store.submit(submission())
        live = await next_events(events, 1)

    assert described(backlog) == [("job.queued", first.job.id)]
    assert described(live) == [("job.queued", second.job.id)]
    assert len(listener.reads) == 2  # both batches: the stream was there for each
