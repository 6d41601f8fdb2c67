"""PostgreSQL: a submit alone in flight goes in two round trips (the admission read, then one
statement: job, event under the event-order locks, NOTIFY; ``sql.enqueue``). The same scenario
run through it and through the group commit's transaction (the path every other submit takes)
must leave the same rows and events, answer the same views and publish the same records.

The scenario: a queue with live workers, running and finished jobs (the ETA's inputs), jobs in
both lanes and of several users (so a place needs ``place_from``'s extra reads of the other
lane), an Idempotency-Key and its replay, client metadata given and not, and a submit refused by
a plan limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

import foodscan.jobs.store as store_module
from foodscan.db.tables import jobs, workers
from foodscan.errors import Limited
from foodscan.events.bus import LocalBus
from foodscan.events.log import EventRecord
from foodscan.jobs.job import InputFile
from foodscan.jobs.store import JobStore, JobView, Submission
from foodscan.settings import PlanLimits, Settings

START = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def stepping_clock() -> Callable[[], datetime]:
    """Each call 0.7 ms after the one before: both runs read the same times in the same order."""
    ticks = itertools.count()
    return lambda: START + timedelta(microseconds=700 * next(ticks))


def numbered_ids() -> Iterator[uuid.UUID]:
    return (uuid.UUID(int=n) for n in itertools.count(1))


def file(n: int) -> InputFile:
    return InputFile(f"ab/{n}.jpg", f"{n:064x}", "image/jpeg", 1000 + n, f"p{n}.jpg")


async def seed(engine: AsyncEngine) -> None:
    """Live workers, finished and running jobs (the pace of the ETA)."""
    finished = [(2.0, "receipt"), (3.5, "receipt"), (7.25, "receipt"), (1.0, "recipe")]
    live = {"host": "h", "kinds": [], "started_at": START, "heartbeat_at": START}
    rows = []
    for n, (seconds, kind) in enumerate(finished):
        started = START - timedelta(minutes=10 - n)
        ended = started + timedelta(seconds=seconds)
        rows.append(
            {
                "id": f"done-{n}",
                "kind": kind,
                "status": "succeeded",
                "finished_at": ended,
                "started_at": started,
            }
        )
    rows.append(
        {
            "id": "running-0",
            "kind": "receipt",
            "status": "running",
            "finished_at": None,
            "started_at": START - timedelta(seconds=3),
        }
    )
    common = {
        "user_id": "seed",
        "lane": "paid",
        "max_attempts": 3,
        "inputs": [],
        "options": {},
        "fair_tag": 1,
    }
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(workers),
            [
                {"id": "w1", "pid": 1, "concurrency": 3, **live},
                {"id": "w2", "pid": 2, "concurrency": 2, **live},
            ],
        )
        for row in rows:
            at = row["started_at"]
            values = {**common, **row, "run_at": at, "created_at": at, "updated_at": at}
            await conn.execute(sa.insert(jobs).values(**values))


# Which of the nullable columns are SQL NULL, and the JSON type of the client metadata.
NULLS = {
    "postgresql": "SELECT id, client_metadata IS NULL, jsonb_typeof(client_metadata),"
    " lang IS NULL, idempotency_key IS NULL FROM jobs ORDER BY id",
    "sqlite": "SELECT id, client_metadata IS NULL, json_type(client_metadata),"
    " lang IS NULL, idempotency_key IS NULL FROM jobs ORDER BY id",
}

# (user, lane, kind, extra): the submits of the scenario, in order.
SCENARIO: list[tuple[str, str, str, dict[str, Any]]] = [
    ("alice", "free", "receipt", {}),
    ("alice", "free", "receipt", {"client_metadata": {"ref": "a-2"}}),
    ("bob", "free", "recipe", {"lang": "pl"}),
    ("carol", "paid", "receipt", {"idempotency_key": "k1", "request_hash": "h1"}),
    ("carol", "paid", "receipt", {"idempotency_key": "k1", "request_hash": "h1"}),  # replay
    ("carol", "paid", "receipt", {"callback_url": "http://127.0.0.1:9/hook"}),
    ("dave", "paid", "receipt", {}),
    ("dave", "paid", "products", {"options": {"mode": "fast"}}),
    ("erin", "paid", "receipt", {}),
    ("erin", "paid", "receipt", {}),
    ("alice", "free", "receipt", {}),  # behind paid turns: ``place_from`` reads the other lane
    ("frank", "free", "receipt", {"request_hash": "h9"}),
]


async def run_scenario(
    engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch, *, alone: bool
) -> dict[str, Any]:
    postgres = engine.dialect.name == "postgresql"
    async with engine.begin() as conn:
        if postgres:
            await conn.execute(
                sa.text("TRUNCATE jobs, job_events, workers RESTART IDENTITY CASCADE")
            )
        else:  # event ids start again at 1 once the table is empty (no AUTOINCREMENT)
            for table in ("job_events", "jobs", "workers"):
                await conn.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
    await seed(engine)
    ids = numbered_ids()
    monkeypatch.setattr(store_module, "uuid", SimpleNamespace(uuid4=lambda: next(ids)))
    bus = LocalBus()
    store = JobStore(engine, bus, settings, clock=stepping_clock())
    store._alone = alone  # False: every submit through the group commit
    published: list[EventRecord] = []
    bus.observe(published.extend)
    transactions = 0
    group_run = store.group.run

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal transactions
        transactions += 1
        return await group_run(*args, **kwargs)

    monkeypatch.setattr(store.group, "run", counted)
    views: list[JobView | str] = []
    for n, (user, lane, kind, extra) in enumerate(SCENARIO):
        sub = Submission(user_id=user, lane=lane, kind=kind, inputs=[file(n)], **extra)
        views.append(await store.submit(sub))
    # A plan limit refuses (the limited path takes the user's lock: a transaction, either way).
    refused = Submission(user_id="alice", lane="free", kind="receipt", inputs=[file(99)])
    try:
        await store.submit(refused, enforce_limits=True)
    except Limited as exc:
        views.append(f"{type(exc).__name__}: {exc}")
    async with engine.connect() as conn:
        jobs = [
            dict(r._mapping) for r in await conn.execute(sa.text("SELECT * FROM jobs ORDER BY id"))
        ]
        events = [
            dict(r._mapping)
            for r in await conn.execute(sa.text("SELECT * FROM job_events ORDER BY id"))
        ]
        nulls = (await conn.execute(sa.text(NULLS[engine.dialect.name]))).all()
    return {
        "jobs": jobs,
        "events": events,
        "nulls": [tuple(r) for r in nulls],
        "views": views,
        "published": [(r.id, r.payload, r.frame) for r in published],
        "transactions": transactions,
    }


@pytest.fixture
def limited_settings(settings: Settings) -> Settings:
    """Alice's free plan allows two active jobs: the scenario's third is refused."""
    free = PlanLimits(submits_per_minute=0, pages_per_day=0, active_jobs=2)
    return settings.model_copy(update={"plans": {**settings.plans, "free": free}})


async def test_one_statement_and_transaction_leave_the_same_rows_and_events(
    engine: AsyncEngine, limited_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = await run_scenario(engine, limited_settings, monkeypatch, alone=True)
    many = await run_scenario(engine, limited_settings, monkeypatch, alone=False)

    assert one["jobs"] == many["jobs"]
    assert one["events"] == many["events"]
    assert one["nulls"] == many["nulls"]
    assert one["views"] == many["views"]
    assert one["published"] == many["published"]
    # The scenario is what it says: a replay answered with the first job, a refusal, places
    # past the first, ETAs from the finished jobs, and no second event for the replay.
    views = one["views"]
    assert isinstance(views[3], JobView)
    assert isinstance(views[4], JobView)
    assert views[4].job.id == views[3].job.id
    assert views[-1].startswith("TooManyActive")
    assert len(one["jobs"]) == 5 + len(SCENARIO) - 1
    assert len(one["events"]) == len(SCENARIO) - 1
    places = [v.position or 0 for v in views if isinstance(v, JobView)]
    assert max(places) > 2
    # Through the one statement, all but the limited submit; through the group, every one.
    assert (one["transactions"], many["transactions"]) == (1, len(SCENARIO) + 1)


async def test_a_submit_cancelled_mid_write_leaves_its_job_whole_or_none_and_the_store_working(
    engine: AsyncEngine, settings: Settings
) -> None:
    store = JobStore(engine, LocalBus(), settings)
    sub = Submission(user_id="alice", lane="paid", kind="receipt", inputs=[file(1)])
    for delay in (0, 0.0005, 0.001, 0.002, 0.004):
        task = asyncio.create_task(store.submit(sub))
        await asyncio.sleep(delay)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await store.submit(sub)  # the store and its pool still work
    await asyncio.sleep(0.2)  # a cancelled caller's write goes on
    async with engine.connect() as conn:
        jobs_n = (await conn.execute(sa.text("SELECT count(*) FROM jobs"))).scalar_one()
        events_n = (await conn.execute(sa.text("SELECT count(*) FROM job_events"))).scalar_one()
    assert jobs_n == events_n  # each job with its event, or neither
    assert 5 <= jobs_n <= 10
