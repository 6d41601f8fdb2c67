"""PgBus on PostgreSQL: a write through one process's bus reaches another's hub and workers.

Two PgBus instances on one database stand for two processes (each with its own engine).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from foodscan.events import log
from foodscan.events.bus import LocalBus
from foodscan.events.log import EventRecord, NewEvent
from foodscan.events.pg_listen import PgBus, bus_for
from foodscan.jobs.job import InputFile
from foodscan.jobs.queue import JobQueue
from foodscan.jobs.store import JobStore, Submission
from foodscan.settings import Settings

KINDS = ["receipt", "products", "recipe"]
WAIT_S = 10


pytestmark = pytest.mark.postgresql_only  # LISTEN/NOTIFY; SQLite runs in one process


@pytest.fixture
async def buses(
    engine: AsyncEngine, engine_factory: Callable[[], AsyncEngine]
) -> AsyncIterator[tuple[PgBus, PgBus]]:
    """(this process's bus, another process's bus), both listening."""
    here, there = PgBus(engine), PgBus(engine_factory())
    for bus in (here, there):
        await bus.start()
        assert bus.connected.is_set()
    yield here, there
    for bus in (here, there):
        await bus.stop()


@pytest.fixture
def submission(input_factory: Callable[..., InputFile]) -> Callable[[], Submission]:
    def make() -> Submission:
        return Submission(user_id="alice", lane="free", kind="receipt", inputs=[input_factory()])

    return make


async def write_then_fail(engine: AsyncEngine, bus: PgBus, job_id: str) -> None:
    """A write that appends an event, notifies inside its transaction, then rolls back."""
    async with engine.begin() as conn:
        (record,) = await log.append_many(
            conn,
            [
                NewEvent(
                    job_id=job_id,
                    user_id="alice",
                    type="job.progress",
                    data={"kind": "receipt", "step": "ocr", "progress": 1, "message": "never"},
                )
            ],
            datetime.now(UTC),
        )
        await bus.in_transaction(conn, [record], job_queued=True)
        raise RuntimeError("roll back")


async def test_a_write_through_one_bus_reaches_the_other_hub(
    buses: tuple[PgBus, PgBus], engine: AsyncEngine, settings: Settings, submission
) -> None:
    here, there = buses
    store = JobStore(engine, here, settings)
    with (
        there.hub.subscribe(user_id="alice") as remote,
        here.hub.subscribe(user_id="alice") as local,
    ):
        view = await store.submit(submission())
        mine = await local.get(within=WAIT_S)
        theirs = await remote.get(within=WAIT_S)

    assert mine is not None
    assert theirs is not None
    assert (theirs.id, theirs.type, theirs.job_id) == (mine.id, "job.queued", view.job.id)
    assert theirs.payload == mine.payload


async def test_worker_events_reach_the_other_process_in_order(
    buses: tuple[PgBus, PgBus], engine: AsyncEngine, settings: Settings, submission
) -> None:
    here, there = buses
    store = JobStore(engine, here, settings)
    queue = JobQueue(engine, here, settings, worker_id="worker-1")
    with there.hub.subscribe(user_id="alice") as remote:
        view = await store.submit(submission())
        lease = await queue.claim(KINDS)
        assert lease is not None
        for percent in range(10, 100, 10):
            await queue.progress(lease, "ocr", percent, "reading")
        await queue.succeed(lease, {"total": "1.00"})
        received = [await remote.get(within=WAIT_S) for _ in range(12)]

    assert {r.job_id if r else None for r in received} == {view.job.id}
    assert [r.type if r else None for r in received] == [
        "job.queued",
        "job.started",
        *["job.progress"] * 9,
        "job.succeeded",
    ]
    ids = [r.id for r in received if r]
    assert ids == sorted(ids)


async def test_a_slow_read_of_one_notification_does_not_reorder_the_next(
    buses: tuple[PgBus, PgBus], engine: AsyncEngine, settings: Settings, submission, monkeypatch
) -> None:
    here, there = buses
    read_ids = log.read_ids
    later_read = asyncio.Event()
    reads: list[list[int]] = []

    async def first_read_is_slow(conn: AsyncConnection, ids: Sequence[int]) -> list[EventRecord]:
        if conn.engine is not there._engine:  # only the other process's reads are held
            return await read_ids(conn, ids)
        reads.append(list(ids))
        if len(reads) == 1:
            # A reader running beside this one finishes first; a single reader just waits.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(later_read.wait(), 0.5)
            return await read_ids(conn, ids)
        records = await read_ids(conn, ids)
        later_read.set()
        return records

    monkeypatch.setattr(log, "read_ids", first_read_is_slow)
    with there.hub.subscribe(user_id="alice") as remote:
        view = await JobStore(engine, here, settings).submit(submission())
        lease = await JobQueue(engine, here, settings, worker_id="w").claim(KINDS)
        assert lease is not None
        received = [await remote.get(within=WAIT_S) for _ in range(2)]

    assert [(r.type, r.job_id) if r else None for r in received] == [
        ("job.queued", view.job.id),
        ("job.started", view.job.id),
    ]


async def test_a_writers_own_event_never_overtakes_an_earlier_one_from_another_process(
    buses: tuple[PgBus, PgBus], engine: AsyncEngine, settings: Settings, submission, monkeypatch
) -> None:
    """An API process's submit must not reach its streams before the worker's event that
    committed just before it (found by the load run: a client that resumed from the later id
    would never get the earlier one). Here this process's LISTEN reads are slow, so the other
    process's event is still on its way when this process commits its own."""
    here, there = buses
    read_ids = log.read_ids

    async def slow_here(conn: AsyncConnection, ids: Sequence[int]) -> list[EventRecord]:
        if conn.engine is here._engine:
            await asyncio.sleep(0.3)
        return await read_ids(conn, ids)

    monkeypatch.setattr(log, "read_ids", slow_here)
    with here.hub.subscribe(user_id="alice") as sub:
        earlier = await JobStore(engine, there, settings).submit(submission())
        later = await JobStore(engine, here, settings).submit(submission())
        received = [await sub.get(within=WAIT_S) for _ in range(2)]

    assert [r.job_id if r else None for r in received] == [earlier.job.id, later.job.id]
    assert received[0] is not None
    assert received[1] is not None
    assert received[0].id < received[1].id


async def test_a_failed_read_of_notified_events_makes_live_streams_catch_up(
    buses: tuple[PgBus, PgBus], engine: AsyncEngine, settings: Settings, submission, monkeypatch
) -> None:
    """The events of a notification that could not be read (the database gone for a moment)
    never reach the hub: its subscribers are marked behind, so they replay from the log."""
    here, there = buses
    read_ids = log.read_ids
    failed = asyncio.Event()

    async def first_read_fails(conn: AsyncConnection, ids: Sequence[int]) -> list[EventRecord]:
        if conn.engine is there._engine and not failed.is_set():
            failed.set()
            raise OSError("connection refused")
        return await read_ids(conn, ids)

    monkeypatch.setattr(log, "read_ids", first_read_fails)
    with there.hub.subscribe(user_id="alice") as remote:
        await JobStore(engine, here, settings).submit(submission())
        await asyncio.wait_for(failed.wait(), timeout=WAIT_S)
        for _ in range(100):  # the publisher logs the failure, then marks the streams
            if remote.overflowed:
                break
            await asyncio.sleep(0.01)

        assert remote.overflowed
        assert remote.drain() == []


async def test_a_submit_wakes_a_worker_waiting_in_the_other_process(
    buses: tuple[PgBus, PgBus], engine: AsyncEngine, settings: Settings, submission
) -> None:
    here, there = buses
    await there.wait_for_job(0)  # clear the wake-up every (re)connect gives
    waiter = asyncio.create_task(there.wait_for_job(within=600))

    await JobStore(engine, here, settings).submit(submission())

    await asyncio.wait_for(waiter, timeout=WAIT_S)


async def test_the_writers_own_hub_delivers_its_event_once(
    buses: tuple[PgBus, PgBus], engine: AsyncEngine, settings: Settings, submission, monkeypatch
) -> None:
    here, _ = buses
    publishes: list[list[int]] = []
    notified = asyncio.Event()
    publish = here.hub.publish

    def spy(records: Iterable[EventRecord]) -> None:
        batch = list(records)
        publishes.append([r.id for r in batch])
        publish(batch)
        notified.set()  # from NOTIFY: on PostgreSQL the commit itself publishes nothing

    monkeypatch.setattr(here.hub, "publish", spy)
    with here.hub.subscribe(user_id="alice") as sub:
        view = await JobStore(engine, here, settings).submit(submission())
        assert sub.drain() == []  # not before its NOTIFY: see the test below
        await asyncio.wait_for(notified.wait(), timeout=WAIT_S)
        delivered = sub.drain()

    assert [(r.type, r.job_id) for r in delivered] == [("job.queued", view.job.id)]
    assert publishes == [[delivered[0].id]]


async def test_a_rolled_back_write_notifies_nobody(
    buses: tuple[PgBus, PgBus], engine: AsyncEngine, settings: Settings, submission
) -> None:
    here, there = buses
    store = JobStore(engine, here, settings)
    with there.hub.subscribe(user_id="alice") as remote:
        first = await store.submit(submission())
        queued = await remote.get(within=WAIT_S)
        assert queued is not None
        assert queued.type == "job.queued"
        with pytest.raises(RuntimeError, match="roll back"):
            await write_then_fail(engine, here, first.job.id)
        await store.cancel("alice", first.job.id)
        received = await remote.get(within=WAIT_S)

    # NOTIFYs arrive in commit order: had the rolled-back one been sent, it would come first.
    assert received is not None
    assert (received.type, received.job_id) == ("job.cancelled", first.job.id)


async def test_the_listener_reconnects_after_its_connection_is_killed(
    buses: tuple[PgBus, PgBus], engine: AsyncEngine, settings: Settings, submission
) -> None:
    here, there = buses
    await there.wait_for_job(0)
    reconnected = asyncio.create_task(there.wait_for_job(within=600))
    async with engine.begin() as conn:
        killed = await conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND query LIKE 'LISTEN%'"
            )
        )
        assert len(killed.all()) == 2  # one listener per bus
    await asyncio.wait_for(reconnected, timeout=WAIT_S)  # a reconnect wakes the workers
    await asyncio.wait_for(there.connected.wait(), timeout=WAIT_S)

    with there.hub.subscribe(user_id="alice") as remote:
        view = await JobStore(engine, here, settings).submit(submission())
        received = await remote.get(within=WAIT_S)
    assert received is not None
    assert received.job_id == view.job.id


async def test_stop_ends_the_listener(buses: tuple[PgBus, PgBus]) -> None:
    here, _ = buses
    await here.stop()
    assert not here.connected.is_set()


async def test_bus_for_picks_pg_bus_on_postgresql_only(engine: AsyncEngine) -> None:
    bus = bus_for(engine)
    if engine.dialect.name == "postgresql":
        assert isinstance(bus, PgBus)
    else:
        assert type(bus) is LocalBus


async def test_the_listener_survives_connections_that_die_as_they_open(
    engine: AsyncEngine, engine_factory: Callable[[], AsyncEngine], settings: Settings, submission
) -> None:
    """A LISTEN connection cut between connect and LISTEN (a server going down, as in a
    restart) must not end the listener. Here the database closes every session idle for 1 ms,
    so the listener's connections die as they open; once that stops, it connects and delivers."""
    database = engine.url.database
    bus = PgBus(engine_factory())
    async with engine.connect() as conn:
        await conn.execute(sa.text(f'ALTER DATABASE "{database}" SET idle_session_timeout = 1'))
        await conn.commit()
    try:
        await bus.start()
        await asyncio.sleep(1.5)  # many connections opened and cut: the fault under test
    finally:
        async with engine.connect() as conn:
            await conn.execute(sa.text(f'ALTER DATABASE "{database}" RESET idle_session_timeout'))
            await conn.commit()
    writer = JobStore(engine, PgBus(engine), settings)  # notifies; its own listener not started
    try:
        with bus.hub.subscribe(user_id="alice") as sub:
            # A connection opened before the reset may still be cut once: try a few times.
            for _ in range(5):
                await asyncio.wait_for(bus.connected.wait(), timeout=WAIT_S)
                view = await writer.submit(submission())
                if (received := await sub.get(within=2)) is not None:
                    break
        assert received is not None, "the listener never came back"
        assert received.job_id == view.job.id
    finally:
        await bus.stop()
