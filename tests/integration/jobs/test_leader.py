"""Leader election (``jobs.leader``): one leader per database, a new one when it dies or hangs.

PostgreSQL elects with an advisory lock held on the leader's own session; each ``Leader`` here
has an engine of its own (its own connections), as separate processes would, and the killed
leader is a real process, killed with SIGKILL. SQLite is embedded: its one process leads.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.db.engine import create_engine
from foodscan.jobs.leader import Leader

LEASE_S = 2.0
WAIT_S = 20.0  # a bound for conditions; never a measured time

_LEADER_PROCESS = """
import asyncio, sys
from foodscan.db.engine import create_engine
from foodscan.jobs.leader import Leader

async def main():
    leader = Leader(create_engine(sys.argv[1]), lease_s=float(sys.argv[2]), name="child")
    leader.start()
    await leader.wait_leading()
    print("leading", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


async def test_sqlite_process_leads_at_once(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    leader = Leader(engine, lease_s=LEASE_S)
    try:
        leader.start()
        assert leader.leading
        assert await leader.step()
    finally:
        await leader.stop()
        await engine.dispose()


@pytest.mark.postgresql_only
async def test_one_leader_and_a_clean_handover(
    database_url: str, engine_factory: Callable[[], AsyncEngine]
) -> None:
    first = Leader(engine_factory(), lease_s=LEASE_S, name="first")
    second = Leader(engine_factory(), lease_s=LEASE_S, name="second")
    try:
        assert await first.step()
        assert not await second.step()
        assert await first.step()  # the leader renews and keeps it
        assert not await second.step()

        await first.stop()  # resigns
        assert not first.leading
        assert await second.step()
        assert not await first.step()
    finally:
        await first.stop()
        await second.stop()


@pytest.mark.postgresql_only
async def test_a_killed_leader_is_replaced_within_the_lease(
    database_url: str, engine_factory: Callable[[], AsyncEngine]
) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _LEADER_PROCESS,
        database_url,
        str(LEASE_S),
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    follower = Leader(engine_factory(), lease_s=LEASE_S, name="follower")
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), WAIT_S)
        assert line.strip() == b"leading"
        assert not await follower.step()

        child.send_signal(signal.SIGKILL)
        await asyncio.wait_for(child.wait(), WAIT_S)
        follower.start()
        # The server ends a killed process's session at once; the follower's next try wins.
        async with asyncio.timeout(LEASE_S + follower.renew_s):
            await follower.wait_leading()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await follower.stop()


@pytest.mark.postgresql_only
async def test_a_hung_leader_loses_its_lease_to_a_follower(
    database_url: str, engine_factory: Callable[[], AsyncEngine]
) -> None:
    hung = Leader(engine_factory(), lease_s=LEASE_S, name="hung")
    follower = Leader(engine_factory(), lease_s=LEASE_S, name="follower")
    try:
        assert await hung.step()  # leads, then never renews: its process hangs
        follower.start()
        async with asyncio.timeout(WAIT_S):
            await follower.wait_leading()  # the server ended the idle session
        # The hung leader, woken, finds its session gone and leads no more.
        assert not await hung.step()
        assert follower.leading
    finally:
        await hung.stop()
        await follower.stop()
