"""The hub: fan-out to job and user subscribers, once per event id, never blocking on a slow one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from foodscan.events import hub as hub_module
from foodscan.events.hub import Hub
from foodscan.events.log import EventRecord, to_record


def record(event_id: int, job_id: str = "job-1", user_id: str = "alice") -> EventRecord:
    data = {"kind": "receipt", "step": "ocr", "progress": event_id % 100, "message": "m"}
    return to_record(event_id, job_id, user_id, "job.progress", data, datetime.now(UTC))


def ids(records: list[EventRecord]) -> list[int]:
    return [r.id for r in records]


async def test_record_reaches_its_job_and_user_subscribers_once_each() -> None:
    hub = Hub()
    with (
        hub.subscribe(user_id="alice", job_id="job-1") as job_sub,
        hub.subscribe(user_id="alice") as user_sub,
    ):
        hub.publish([record(1)])
        hub.publish([record(1)])  # the same id again, e.g. from NOTIFY after the local publish
        assert ids(job_sub.drain()) == [1]
        assert ids(user_sub.drain()) == [1]


async def test_other_jobs_and_users_hear_nothing() -> None:
    hub = Hub()
    with (
        hub.subscribe(user_id="alice", job_id="job-2") as other_job,
        hub.subscribe(user_id="bob") as other_user,
    ):
        hub.publish([record(1, job_id="job-1", user_id="alice")])
        assert other_job.drain() == []
        assert other_user.drain() == []


async def test_every_subscriber_of_a_channel_gets_the_same_bytes() -> None:
    hub = Hub()
    with hub.subscribe(user_id="alice") as first, hub.subscribe(user_id="alice") as second:
        sent = record(5)
        hub.publish([sent])
        (a,) = first.drain()
        (b,) = second.drain()
    assert a is b is sent


async def test_events_arrive_in_publish_order() -> None:
    hub = Hub()
    with hub.subscribe(user_id="alice") as sub:
        hub.publish([record(3), record(1)])
        hub.publish([record(2), record(3)])
        assert ids(sub.drain()) == [3, 1, 2]


async def test_get_waits_for_the_next_event_or_gives_none() -> None:
    hub = Hub()
    with hub.subscribe(user_id="alice") as sub:
        assert await sub.get(within=0.01) is None
        hub.publish([record(1)])
        got = await sub.get(within=1)
    assert got is not None
    assert got.id == 1


async def test_an_event_published_while_get_waits_wakes_it() -> None:
    hub = Hub()
    with hub.subscribe(user_id="alice") as sub:
        waiting = asyncio.create_task(sub.get(within=5))
        await asyncio.sleep(0)  # let it start waiting
        hub.publish([record(1), record(2)])
        first = await asyncio.wait_for(waiting, 1)
        second = await sub.get(within=1)
    assert first is not None
    assert second is not None
    assert [first.id, second.id] == [1, 2]


async def test_a_timed_out_get_leaves_later_events_queued() -> None:
    hub = Hub()
    with hub.subscribe(user_id="alice") as sub:
        assert await sub.get(within=0.01) is None
        assert await sub.get(within=0.01) is None
        hub.publish([record(1), record(2)])
        got = [await sub.get(within=1), await sub.get(within=1)]
    assert [r.id for r in got if r is not None] == [1, 2]


async def test_a_subscriber_that_falls_behind_is_marked_overflowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hub_module, "QUEUE_SIZE", 3)
    hub = Hub()
    with hub.subscribe(user_id="alice") as slow:
        hub.publish([record(i) for i in range(1, 4)])
        assert not slow.overflowed
        with hub.subscribe(user_id="alice") as fresh:
            hub.publish([record(4)])
            assert slow.overflowed
            assert ids(slow.drain()) == [1, 2, 3]
            assert not fresh.overflowed
            assert ids(fresh.drain()) == [4]


async def test_default_queue_overflows_only_past_its_size() -> None:
    hub = Hub()
    with hub.subscribe(user_id="alice") as sub:
        hub.publish([record(i) for i in range(hub_module.QUEUE_SIZE)])
        assert not sub.overflowed
        hub.publish([record(hub_module.QUEUE_SIZE)])
        assert sub.overflowed
        assert len(sub.drain()) == hub_module.QUEUE_SIZE


async def test_leaving_the_context_detaches_the_subscriber() -> None:
    hub = Hub()
    with hub.subscribe(user_id="alice", job_id="job-1") as sub:
        with hub.subscribe(user_id="alice"):
            assert hub.subscriber_count == 2
        assert hub.subscriber_count == 1
    assert hub.subscriber_count == 0
    hub.publish([record(1)])
    assert sub.drain() == []


async def test_has_subscribers_while_any_job_or_user_subscription_is_attached() -> None:
    hub = Hub()
    assert not hub.has_subscribers
    with hub.subscribe(user_id="alice", job_id="job-1"):
        assert hub.has_subscribers
        with hub.subscribe(user_id="bob"):
            assert hub.has_subscribers
        assert hub.has_subscribers
    assert not hub.has_subscribers
    with hub.subscribe(user_id="bob"):
        assert hub.has_subscribers
    assert not hub.has_subscribers


async def test_detach_twice_is_harmless() -> None:
    hub = Hub()
    sub = hub.subscribe(user_id="alice")
    with sub:
        assert hub.subscriber_count == 1
    hub.detach(sub)
    assert hub.subscriber_count == 0


async def test_dedupe_remembers_a_bounded_window_of_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_module, "SEEN_WINDOW", 3)
    hub = Hub()
    with hub.subscribe(user_id="alice") as sub:
        hub.publish([record(i) for i in (1, 2, 3)])
        hub.publish([record(2)])  # still remembered
        hub.publish([record(4)])  # pushes 1 out of the window
        hub.publish([record(1)])
        assert ids(sub.drain()) == [1, 2, 3, 4, 1]


async def test_resync_all_marks_every_live_subscription_and_no_detached_one() -> None:
    hub = Hub()
    detached = hub.subscribe(user_id="carol")
    with (
        hub.subscribe(user_id="alice", job_id="job-1") as job_sub,
        hub.subscribe(user_id="bob") as user_sub,
    ):
        hub.resync_all()
        assert job_sub.overflowed
        assert user_sub.overflowed
    assert not detached.overflowed


def test_hub_counts_streams_opened_and_closed_once_each() -> None:
    hub = Hub()
    with hub.subscribe(user_id="alice") as sub, hub.subscribe(user_id="bob", job_id="job-1"):
        assert (hub.opened, hub.closed) == (2, 0)
        hub.detach(sub)  # detached early: the context's own detach must not count it again
    assert (hub.opened, hub.closed) == (2, 2)
