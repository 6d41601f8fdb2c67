"""The event log on both engines: append in the caller's transaction, read by job, user and ids."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.events import log
from foodscan.events.bus import LocalBus
from foodscan.events.log import EventRecord, NewEvent
from foodscan.jobs import sql
from foodscan.jobs.queue import JobQueue
from foodscan.jobs.transaction import write

KINDS = ["receipt", "products", "recipe"]


def frame_json(record: EventRecord) -> dict[str, object]:
    """The JSON of a record's SSE frame (one ``id:`` line and one ``data:`` line)."""
    lines = record.frame.decode().split("\n")
    assert lines[0] == f"id: {record.id}"
    assert lines[1].startswith("data: ")
    assert lines[2:] == ["", ""]
    decoded: dict[str, object] = json.loads(lines[1].removeprefix("data: "))
    return decoded


async def run_to_success(job_factory, queue: JobQueue, user_id: str = "alice") -> str:
    view = await job_factory(user_id=user_id)
    lease = await queue.claim(KINDS)
    assert lease is not None
    assert lease.job.id == view.job.id
    await queue.progress(lease, "read", 20, "Opening the photo")
    await queue.progress(lease, "ocr", 60, "Reading text (page 1 of 1)")
    await queue.succeed(lease, {"total": "9.99"})
    return view.job.id


async def test_full_life_of_a_job_is_read_back_in_order(
    job_factory, queue: JobQueue, engine: AsyncEngine
) -> None:
    job_id = await run_to_success(job_factory, queue)

    async with engine.connect() as conn:
        events = await log.read_job(conn, job_id)

    assert [e.type for e in events] == [
        "job.queued",
        "job.started",
        "job.progress",
        "job.progress",
        "job.succeeded",
    ]
    ids = [e.id for e in events]
    assert ids == sorted(set(ids))
    assert [e.payload["progress"] for e in events if e.type == "job.progress"] == [20, 60]
    assert events[-1].payload["result"] == {"total": "9.99"}
    assert [e.terminal for e in events] == [False, False, False, False, True]
    for event in events:
        assert list(event.payload)[:4] == ["type", "id", "timestamp", "job_id"]
        assert (event.payload["id"], event.payload["job_id"]) == (event.id, job_id)
        assert event.payload["kind"] == "receipt"
        assert event.user_id == "alice"
        stamp = str(event.payload["timestamp"])
        assert stamp.endswith("Z")
        assert datetime.fromisoformat(stamp).tzinfo == UTC
        assert frame_json(event) == event.payload


async def test_after_returns_only_later_events_and_limit_pages(
    job_factory, queue: JobQueue, engine: AsyncEngine
) -> None:
    job_id = await run_to_success(job_factory, queue)
    async with engine.connect() as conn:
        events = await log.read_job(conn, job_id)
        after_second = await log.read_job(conn, job_id, after=events[1].id)
        after_last = await log.read_job(conn, job_id, after=events[-1].id)
        first_page = await log.read_job(conn, job_id, limit=2)
        next_page = await log.read_job(conn, job_id, after=first_page[-1].id, limit=2)

    assert [e.id for e in after_second] == [e.id for e in events[2:]]
    assert after_last == []
    assert [e.id for e in first_page + next_page] == [e.id for e in events[:4]]


async def test_read_user_spans_every_job_of_that_user_only(
    job_factory, queue_factory, engine: AsyncEngine
) -> None:
    worker = queue_factory("worker-1")
    first = await job_factory(user_id="alice")
    theirs = await job_factory(user_id="bob")
    second = await job_factory(user_id="alice")
    for _ in range(3):
        lease = await worker.claim(KINDS)
        assert lease is not None
        await worker.succeed(lease, {})

    async with engine.connect() as conn:
        alices = await log.read_user(conn, "alice")
        bobs = await log.read_user(conn, "bob")
        later = await log.read_user(conn, "alice", after=alices[2].id)

    assert {e.job_id for e in alices} == {first.job.id, second.job.id}
    assert [e.id for e in alices] == sorted({e.id for e in alices})
    assert len(alices) == 6
    assert [e.type for e in alices if e.job_id == second.job.id] == [
        "job.queued",
        "job.started",
        "job.succeeded",
    ]
    assert {e.job_id for e in bobs} == {theirs.job.id}
    assert [e.id for e in later] == [e.id for e in alices[3:]]


async def test_read_ids_returns_the_events_still_in_the_log_oldest_first(
    job_factory, engine: AsyncEngine
) -> None:
    first = await job_factory()
    second = await job_factory()
    async with engine.connect() as conn:
        a = (await log.read_job(conn, first.job.id))[0]
        b = (await log.read_job(conn, second.job.id))[0]
        found = await log.read_ids(conn, [b.id, 999_999, a.id])
        nothing = await log.read_ids(conn, [])
    assert [e.id for e in found] == [a.id, b.id]
    assert nothing == []


async def append_then_fail(engine: AsyncEngine, job_id: str) -> None:
    async with engine.begin() as conn:
        await log.append_many(
            conn,
            [
                NewEvent(
                    job_id=job_id,
                    user_id="alice",
                    type="job.progress",
                    data={"kind": "receipt", "step": "ocr", "progress": 1, "message": "x"},
                )
            ],
            datetime.now(UTC),
        )
        raise RuntimeError("roll back")


async def test_append_belongs_to_the_callers_transaction(job_factory, engine: AsyncEngine) -> None:
    view = await job_factory()
    with pytest.raises(RuntimeError, match="roll back"):
        await append_then_fail(engine, view.job.id)
    async with engine.connect() as conn:
        assert [e.type for e in await log.read_job(conn, view.job.id)] == ["job.queued"]


async def test_live_record_and_logged_record_carry_the_same_event(
    job_factory, queue: JobQueue, bus: LocalBus, engine: AsyncEngine
) -> None:
    view = await job_factory()
    lease = await queue.claim(KINDS)
    assert lease is not None
    message = "Czytam paragon: żółć, 12,50 zł — line one\nline two"
    with bus.hub.subscribe(user_id="alice", job_id=view.job.id) as sub:
        await queue.progress(lease, "ocr", 50, message)
        live = await sub.get(within=5)
    assert live is not None

    async with engine.connect() as conn:
        (logged,) = await log.read_ids(conn, [live.id])

    assert logged.payload == live.payload
    assert logged.payload["message"] == message
    assert frame_json(live) == frame_json(logged) == live.payload
    assert "żółć".encode() in live.frame


@pytest.mark.postgresql_only  # SQLite runs one writer at a time: ids always commit in order
async def test_a_write_that_appends_later_waits_for_the_open_one(
    job_factory, engine: AsyncEngine, engine_factory
) -> None:
    first = await job_factory(user_id="alice")
    second = await job_factory(user_id="alice")
    slow, fast = engine_factory(), engine_factory()
    data = {"step": "ocr", "progress": 1, "message": "x"}
    bus = LocalBus()
    fast_id: list[int] = []

    async def fast_write() -> None:
        async with write(fast, bus, datetime.now(UTC)) as tx:
            row = await peek_row(fast, second.job.id)
            await tx.event(row, "job.progress", **data)
        fast_id.append(tx.records[0].id)

    async with write(slow, bus, datetime.now(UTC)) as slow_tx:
        row = await peek_row(slow, first.job.id)
        await slow_tx.event(row, "job.progress", **data)
        await slow_tx.append_events()  # what ``write`` does last: lock, append; not committed
        (late,) = slow_tx.records
        waiting = asyncio.create_task(fast_write())
        done, _ = await asyncio.wait({waiting}, timeout=0.5)
        assert not done, "a second write appended while the first was still open"
        async with engine.connect() as conn:
            cursor = max([0, *(e.id for e in await log.read_user(conn, "alice"))])
        assert cursor < late.id  # a reader sees neither event yet
    await asyncio.wait_for(waiting, timeout=10)

    assert fast_id[0] > late.id  # ids were handed out in commit order
    async with engine.connect() as conn:
        resumed = await log.read_user(conn, "alice", after=cursor)
    assert [e.id for e in resumed][-2:] == [late.id, fast_id[0]]


async def peek_row(engine: AsyncEngine, job_id: str) -> Any:  # Any: a jobs row
    async with engine.connect() as conn:
        return await sql.get_job(conn, job_id)
