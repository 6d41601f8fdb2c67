"""JobStore on both engines: submit, idempotency, get, list, cancel, retry, per-user scoping."""

from __future__ import annotations

import asyncio
import base64
import sqlite3
from datetime import timedelta, timezone

import pytest
import sqlalchemy as sa
from asyncpg import PostgresError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.errors import IdempotencyConflict, InvalidInput, InvalidTransition, NotFound
from foodscan.events import log
from foodscan.events.bus import LocalBus
from foodscan.jobs.queue import JobQueue
from foodscan.jobs.states import Status
from foodscan.jobs.store import JobStore, Page, Submission, encode_cursor

# ---- submit -----------------------------------------------------------------------------------


async def test_submit_writes_queued_job_and_its_queued_event(job_factory, peek) -> None:
    view = await job_factory(user_id="alice", kind="recipe", lane="paid", files=2, lang="pl")

    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.QUEUED
    assert (job.user_id, job.kind, job.lane, job.lang) == ("alice", "recipe", "paid", "pl")
    assert job.attempt == 0
    assert job.max_attempts == 3
    assert [f.name for f in job.inputs] == ["photo-0.jpg", "photo-1.jpg"]
    assert job.inputs == view.job.inputs
    events = await peek.events(job.id)
    assert [e.type for e in events] == ["job.queued"]
    payload = events[0].payload
    assert next(iter(payload)) == "type"
    assert payload["job_id"] == job.id
    assert payload["kind"] == "recipe"
    assert payload["position"] == 1 == view.position
    assert payload["eta_seconds"] == view.eta_seconds
    assert view.eta_seconds is not None
    assert view.eta_seconds > 0


async def test_submit_publishes_the_queued_event_to_the_hub_after_commit(
    job_factory, bus: LocalBus
) -> None:
    with bus.hub.subscribe(user_id="alice") as sub:
        view = await job_factory(user_id="alice")
        record = await sub.get(within=5)
    assert record is not None
    assert (record.type, record.job_id) == ("job.queued", view.job.id)


async def test_submit_wakes_a_waiting_worker(job_factory, bus: LocalBus) -> None:
    await bus.wait_for_job(0)  # clear any earlier wake-up
    waiter = asyncio.create_task(bus.wait_for_job(within=60))
    await job_factory()
    await asyncio.wait_for(waiter, timeout=5)


async def test_failed_event_append_leaves_no_job_behind(
    store: JobStore, job_factory, peek, bus: LocalBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken_append(*args: object, **kwargs: object) -> None:
        raise RuntimeError("event log unavailable")

    store._alone = False  # the transaction path (the group commit's)
    monkeypatch.setattr(log, "append_many", broken_append)
    with bus.hub.subscribe(user_id="alice") as sub, pytest.raises(RuntimeError):
        await job_factory(user_id="alice")
    assert await peek.count_jobs() == 0
    assert sub.drain() == []


REFUSE_EVENTS = {
    "sqlite": [
        "CREATE TRIGGER no_events BEFORE INSERT ON job_events"
        " BEGIN SELECT RAISE(ABORT, 'event log unavailable'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION no_events() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'event log unavailable'; END $$",
        "CREATE TRIGGER no_events BEFORE INSERT ON job_events"
        " FOR EACH ROW EXECUTE FUNCTION no_events()",
    ],
}


@pytest.mark.parametrize("alone", [True, False], ids=["driver", "transaction"])
async def test_an_event_insert_refused_by_the_database_leaves_no_job_behind(  # noqa: PLR0917 - fixtures
    engine: AsyncEngine, store: JobStore, job_factory, peek, bus: LocalBus, alone: bool
) -> None:
    store._alone = alone  # the submit alone in flight (``SubmitAlone``), or the group's
    async with engine.begin() as conn:
        for statement in REFUSE_EVENTS[engine.dialect.name]:
            await conn.execute(sa.text(statement))
    with (
        bus.hub.subscribe(user_id="alice") as sub,
        pytest.raises((DBAPIError, PostgresError, sqlite3.Error), match="event log unavailable"),
    ):
        await job_factory(user_id="alice")
    assert await peek.count_jobs() == 0
    assert sub.drain() == []


# ---- idempotency ------------------------------------------------------------------------------


async def test_same_key_and_same_request_return_the_same_job(
    store: JobStore, job_factory, peek
) -> None:
    assert await store.find_idempotent("alice", "key-1", "hash-a") is None
    first = await job_factory(idempotency_key="key-1", request_hash="hash-a")

    found = await store.find_idempotent("alice", "key-1", "hash-a")
    again = await job_factory(idempotency_key="key-1", request_hash="hash-a")

    assert found is not None
    assert found.job.id == first.job.id == again.job.id
    assert found.position == 1
    assert await peek.count_jobs() == 1
    assert await peek.types(first.job.id) == ["job.queued"]


async def test_same_key_with_another_request_is_a_conflict(store: JobStore, job_factory) -> None:
    await job_factory(idempotency_key="key-1", request_hash="hash-a")
    with pytest.raises(IdempotencyConflict):
        await store.find_idempotent("alice", "key-1", "hash-b")
    with pytest.raises(IdempotencyConflict):
        await job_factory(idempotency_key="key-1", request_hash="hash-b")


async def test_same_key_from_another_user_is_another_job(job_factory) -> None:
    mine = await job_factory(user_id="alice", idempotency_key="key-1", request_hash="h")
    theirs = await job_factory(user_id="bob", idempotency_key="key-1", request_hash="h")
    assert mine.job.id != theirs.job.id


async def test_concurrent_submits_with_one_key_make_one_job(
    job_factory, peek, engine: AsyncEngine
) -> None:
    for round_ in range(5):
        key = f"key-{round_}"
        views = await asyncio.gather(
            *(job_factory(idempotency_key=key, request_hash="same") for _ in range(4))
        )
        assert len({v.job.id for v in views}) == 1
        assert await peek.types(views[0].job.id) == ["job.queued"]
    assert await peek.count_jobs() == 5


async def test_concurrent_submits_with_one_key_and_other_requests_conflict(
    job_factory, peek
) -> None:
    outcomes = await asyncio.gather(
        job_factory(idempotency_key="k", request_hash="a"),
        job_factory(idempotency_key="k", request_hash="b"),
        return_exceptions=True,
    )
    conflicts = [o for o in outcomes if isinstance(o, IdempotencyConflict)]
    assert len(conflicts) == 1
    assert await peek.count_jobs() == 1


# ---- get and scoping --------------------------------------------------------------------------


async def test_get_returns_a_queued_job_with_its_position(store: JobStore, job_factory) -> None:
    view = await job_factory()
    got = await store.get("alice", view.job.id)
    assert got.job.id == view.job.id
    assert got.position == 1
    assert got.eta_seconds is not None


async def test_get_of_a_running_job_has_no_position(
    store: JobStore, job_factory, queue: JobQueue
) -> None:
    view = await job_factory()
    await queue.claim(["receipt"])
    got = await store.get("alice", view.job.id)
    assert got.job.status == Status.RUNNING
    assert (got.position, got.eta_seconds) == (None, None)


async def test_another_users_job_is_not_found(store: JobStore, job_factory, peek) -> None:
    view = await job_factory(user_id="alice")
    with pytest.raises(NotFound):
        await store.get("mallory", view.job.id)
    with pytest.raises(NotFound):
        await store.cancel("mallory", view.job.id)
    with pytest.raises(NotFound):
        await store.retry("mallory", view.job.id)
    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.QUEUED
    assert await peek.types(view.job.id) == ["job.queued"]


async def test_unknown_job_is_not_found(store: JobStore) -> None:
    with pytest.raises(NotFound):
        await store.get("alice", "00000000-0000-0000-0000-000000000000")


# ---- list -------------------------------------------------------------------------------------


async def test_list_pages_newest_first_without_gaps_or_duplicates(
    store: JobStore, job_factory
) -> None:
    submitted = [(await job_factory(user_id="alice")).job.id for _ in range(7)]
    await job_factory(user_id="bob")

    seen: list[str] = []
    sizes: list[int] = []
    cursor = None
    while True:
        page = await store.list("alice", cursor=cursor, limit=3)
        seen += [job.id for job in page.jobs]
        sizes.append(len(page.jobs))
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sizes == [3, 3, 1]
    assert seen == list(reversed(submitted))


async def test_list_exactly_one_page_has_no_next_cursor(store: JobStore, job_factory) -> None:
    for _ in range(3):
        await job_factory()
    page = await store.list("alice", limit=3)
    assert len(page.jobs) == 3
    assert page.next_cursor is None


async def test_list_filters_by_status_and_kind(
    store: JobStore, job_factory, queue: JobQueue
) -> None:
    receipt = await job_factory(kind="receipt")
    recipe = await job_factory(kind="recipe")
    cancelled = await job_factory(kind="recipe")
    await store.cancel("alice", cancelled.job.id)
    await queue.claim(["receipt"])

    def ids(page: Page) -> list[str]:
        return [job.id for job in page.jobs]

    assert ids(await store.list("alice", kind="recipe")) == [cancelled.job.id, recipe.job.id]
    assert ids(await store.list("alice", status="running")) == [receipt.job.id]
    assert ids(await store.list("alice", status="queued", kind="recipe")) == [recipe.job.id]
    assert ids(await store.list("alice", status="queued", kind="receipt")) == []


async def test_list_filtered_pages_continue_with_the_filter(store: JobStore, job_factory) -> None:
    recipes = []
    for _ in range(3):
        await job_factory(kind="receipt")
        recipes.append((await job_factory(kind="recipe")).job.id)
    first = await store.list("alice", kind="recipe", limit=2)
    second = await store.list("alice", kind="recipe", cursor=first.next_cursor, limit=2)
    assert [j.id for j in first.jobs + second.jobs] == list(reversed(recipes))
    assert second.next_cursor is None


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%not base64%%%",
        "bm90IGEgY3Vyc29y",
        "//79",
        "MjAyNi0xMy00MHwx",
        "MjAyNi0wMS0wMVQwMDowMDowMHx4",
    ],
    ids=["garbage", "no-separator", "not-utf8", "bad-date", "naive-date"],
)
async def test_list_with_a_bad_cursor_is_invalid_input(store: JobStore, cursor: str) -> None:
    with pytest.raises(InvalidInput):
        await store.list("alice", cursor=cursor)


async def test_cursor_of_another_listing_only_moves_the_position(
    store: JobStore, job_factory
) -> None:
    older = await job_factory(user_id="alice")
    newer = await job_factory(user_id="alice")
    page = await store.list("alice", cursor=encode_cursor(newer.job))
    assert [job.id for job in page.jobs] == [older.job.id]


async def test_cursor_in_another_time_zone_means_the_same_instant(
    store: JobStore, job_factory
) -> None:
    older = await job_factory(user_id="alice")
    newer = await job_factory(user_id="alice")
    shifted = newer.job.created_at.astimezone(timezone(timedelta(hours=5)))
    raw = f"{shifted.isoformat()}|{newer.job.id}".encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    page = await store.list("alice", cursor=cursor)
    assert [job.id for job in page.jobs] == [older.job.id]


# ---- cancel -----------------------------------------------------------------------------------


async def test_cancel_queued_job_is_immediate_and_it_is_never_claimed(
    store: JobStore, job_factory, queue: JobQueue, peek, bus: LocalBus
) -> None:
    view = await job_factory()
    with bus.hub.subscribe(user_id="alice", job_id=view.job.id) as sub:
        cancelled = await store.cancel("alice", view.job.id)
        record = await sub.get(within=5)

    assert cancelled.job.status == Status.CANCELLED
    assert cancelled.job.finished_at is not None
    assert record is not None
    assert record.type == "job.cancelled"
    assert await peek.types(view.job.id) == ["job.queued", "job.cancelled"]
    assert await queue.claim(["receipt"]) is None


async def test_cancel_running_job_flags_it_for_its_worker(
    store: JobStore, job_factory, queue: JobQueue, peek
) -> None:
    view = await job_factory()
    lease = await queue.claim(["receipt"])
    assert lease is not None
    assert [h.cancel_requested for h in await queue.heartbeat()] == [False]

    answer = await store.cancel("alice", view.job.id)
    assert answer.job.status == Status.RUNNING
    assert answer.job.cancel_requested is True

    held = await queue.heartbeat()
    assert [(h.job_id, h.token, h.cancel_requested) for h in held] == [
        (view.job.id, lease.token, True)
    ]
    await queue.cancelled(lease)

    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.CANCELLED
    assert job.lease_token is None
    assert await peek.types(view.job.id) == ["job.queued", "job.started", "job.cancelled"]


async def test_cancel_finished_job_is_an_invalid_transition(
    store: JobStore, job_factory, queue: JobQueue, peek
) -> None:
    view = await job_factory()
    lease = await queue.claim(["receipt"])
    assert lease is not None
    await queue.succeed(lease, {"total": "12.30"})
    with pytest.raises(InvalidTransition):
        await store.cancel("alice", view.job.id)
    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.SUCCEEDED


async def test_cancel_cancelled_job_is_an_invalid_transition(store: JobStore, job_factory) -> None:
    view = await job_factory()
    await store.cancel("alice", view.job.id)
    with pytest.raises(InvalidTransition):
        await store.cancel("alice", view.job.id)


# ---- retry ------------------------------------------------------------------------------------


async def test_retry_failed_job_queues_it_again_as_new(
    store: JobStore, job_factory, queue: JobQueue, peek
) -> None:
    view = await job_factory()
    lease = await queue.claim(["receipt"])
    assert lease is not None
    await queue.progress(lease, "ocr", 40, "reading")
    await queue.fail(lease, "no_text", "no text found")

    again = await store.retry("alice", view.job.id)

    assert again.job.status == Status.QUEUED
    assert (again.job.attempt, again.job.rescues, again.job.progress) == (0, 0, 0)
    assert (again.job.error, again.job.result, again.job.step) == (None, None, None)
    assert again.job.finished_at is None
    assert again.position == 1
    types = await peek.types(view.job.id)
    assert types[-2:] == ["job.failed", "job.queued"]
    lease = await queue.claim(["receipt"])
    assert lease is not None
    assert lease.job.attempt == 1


async def test_retry_cancelled_job_queues_it_again(
    store: JobStore, job_factory, queue: JobQueue
) -> None:
    view = await job_factory()
    await store.cancel("alice", view.job.id)
    again = await store.retry("alice", view.job.id)
    assert again.job.status == Status.QUEUED
    assert again.job.cancel_requested is False
    lease = await queue.claim(["receipt"])
    assert lease is not None
    assert lease.job.id == view.job.id


async def test_retry_succeeded_job_is_an_invalid_transition(
    store: JobStore, job_factory, queue: JobQueue, peek
) -> None:
    view = await job_factory()
    lease = await queue.claim(["receipt"])
    assert lease is not None
    await queue.succeed(lease, {"ok": True})
    with pytest.raises(InvalidTransition):
        await store.retry("alice", view.job.id)
    job = await peek.job(view.job.id)
    assert job is not None
    assert job.status == Status.SUCCEEDED
    assert job.result == {"ok": True}


@pytest.mark.parametrize("claimed", [False, True], ids=["queued", "running"])
async def test_retry_unfinished_job_is_an_invalid_transition(
    store: JobStore, job_factory, queue: JobQueue, claimed: bool
) -> None:
    view = await job_factory()
    if claimed:
        await queue.claim(["receipt"])
    with pytest.raises(InvalidTransition):
        await store.retry("alice", view.job.id)


async def test_submission_defaults_are_stored(store: JobStore, peek, input_factory) -> None:
    view = await store.submit(
        Submission(user_id="carol", lane="paid", kind="products", inputs=[input_factory()])
    )
    job = await peek.job(view.job.id)
    assert job is not None
    assert (job.options, job.client_metadata, job.idempotency_key) == ({}, None, None)
