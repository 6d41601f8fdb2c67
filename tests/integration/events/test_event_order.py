"""Event ids commit in order per user, not across the cluster (``sql.event_order_locks``).

One user's open write holds back that user's later writes (``test_log.py``:
``test_a_write_that_appends_later_waits_for_the_open_one``), never another user's: here the
other user's submit runs in a process of its own and commits while the first write is open.
A write for many users (a rescue, a round of positions) is ordered against every user's.
SQLite runs one writer at a time, so none of this applies there.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.events import log
from foodscan.events.bus import LocalBus
from foodscan.jobs import sql
from foodscan.jobs.sql.usage import MANY_USERS
from foodscan.jobs.transaction import write

pytestmark = pytest.mark.postgresql_only
WAIT_S = 30.0  # a bound for conditions; never a measured time
DATA = {"step": "ocr", "progress": 1, "message": "x"}

_SUBMIT_PROCESS = """
import asyncio, sys
from foodscan.db.engine import create_engine
from foodscan.events.bus import LocalBus
from foodscan.jobs.job import InputFile
from foodscan.jobs.store import JobStore, Submission
from foodscan.settings import Settings

async def main():
    engine = create_engine(sys.argv[1])
    settings = Settings(data_dir=sys.argv[2], database_url=sys.argv[1])
    photo = InputFile("00/bob.jpg", "0" * 64, "image/jpeg", 1234, "bob.jpg")
    sub = Submission(user_id="bob", lane="free", kind="receipt", inputs=[photo])
    view = await JobStore(engine, LocalBus(), settings).submit(sub)
    print(view.job.id, flush=True)
    await engine.dispose()

asyncio.run(main())
"""


async def _row(engine: AsyncEngine, job_id: str) -> Any:  # Any: a jobs row
    async with engine.connect() as conn:
        return await sql.get_job(conn, job_id)


async def _submit_in_another_process(database_url: str, data_dir: Path) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _SUBMIT_PROCESS,
        database_url,
        str(data_dir),
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        out, _ = await asyncio.wait_for(child.communicate(), WAIT_S)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    assert child.returncode == 0
    return out.decode().strip()


async def test_another_users_write_commits_while_one_users_write_is_open(
    job_factory, engine: AsyncEngine, engine_factory, database_url: str, tmp_path: Path
) -> None:
    mine = await job_factory(user_id="alice")
    async with engine.connect() as conn:
        cursor = max(e.id for e in await log.read_user(conn, "alice"))
    slow = engine_factory()

    async with write(slow, LocalBus(), datetime.now(UTC)) as open_tx:
        await open_tx.event(await _row(slow, mine.job.id), "job.progress", **DATA)
        await open_tx.append_events()  # alice's lock taken, her event appended, not committed
        (late,) = open_tx.records
        # Bob's submit, in a process of its own, commits while alice's write is open (with
        # one lock for the cluster it waited for this commit, and this test timed out).
        bobs_job = await _submit_in_another_process(database_url, tmp_path)
        async with engine.connect() as conn:
            (bobs,) = await log.read_job(conn, bobs_job)
            assert [e.id for e in await log.read_user(conn, "alice", after=cursor)] == []

    assert bobs.id > late.id  # drawn later, committed first: only across users
    async with engine.connect() as conn:
        resumed = await log.read_user(conn, "alice", after=cursor)
    assert [e.id for e in resumed] == [late.id]  # alice's stream resumes without a gap


async def _waits_for_an_advisory_lock(engine: AsyncEngine) -> bool:
    query = sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    async with engine.connect() as conn:
        return bool((await conn.execute(query)).scalar_one())


async def test_a_write_for_many_users_waits_for_any_users_open_write(
    job_factory, engine: AsyncEngine, engine_factory
) -> None:
    alice = await job_factory(user_id="alice")
    others = [await job_factory(user_id=f"user-{i}") for i in range(MANY_USERS + 1)]
    slow, big = engine_factory(), engine_factory()
    big_ids: list[int] = []

    async def write_for_many() -> None:
        async with write(big, LocalBus(), datetime.now(UTC)) as tx:
            for view in others:
                await tx.event(await _row(big, view.job.id), "job.progress", **DATA)
        big_ids.extend(record.id for record in tx.records)

    async with write(slow, LocalBus(), datetime.now(UTC)) as open_tx:
        await open_tx.event(await _row(slow, alice.job.id), "job.progress", **DATA)
        await open_tx.append_events()
        (late,) = open_tx.records
        waiting = asyncio.create_task(write_for_many())
        async with asyncio.timeout(WAIT_S):
            # The database shows the wait; there is no event to await instead.
            while not await _waits_for_an_advisory_lock(engine):  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        assert not waiting.done()
    await asyncio.wait_for(waiting, WAIT_S)

    assert len(big_ids) == len(others)
    assert min(big_ids) > late.id  # it drew its ids only after alice's write committed
