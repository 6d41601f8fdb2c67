"""Statements of leader election (``jobs.leader``): a session-level advisory lock, PostgreSQL only.

The leader holds ``LEADER_LOCK`` on a connection of its own for as long as it leads. The server
releases it the moment that session ends: the process exited or was killed, its connection
broke, or it stopped renewing and ``idle_session_timeout`` ended the session (``hold_lease``).
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

# One bigint key ("foodlead"). PostgreSQL keeps single-bigint and two-int advisory keys apart,
# so it never meets a user's ``lock_user`` key, and ``EVENT_ORDER_LOCK`` is another bigint.
LEADER_LOCK = 0x666F6F646C656164


async def try_lead(conn: AsyncConnection) -> bool:
    """Take the leader lock for this session if nobody holds it; whether it was taken."""
    taken = await conn.execute(sa.select(sa.func.pg_try_advisory_lock(LEADER_LOCK)))
    return bool(taken.scalar_one())


async def hold_lease(conn: AsyncConnection, lease_s: float) -> None:
    """Make the server end this session (releasing the lock) when it has been idle for
    ``lease_s`` (a leader that stopped renewing: hung) or its client stopped answering TCP
    keepalives (a leader whose machine is gone), in one statement."""
    lease_ms = max(1000, math.ceil(lease_s * 1000))
    probe_s = max(1, math.ceil(lease_s / 4))
    settings = {
        "idle_session_timeout": f"{lease_ms}ms",
        "tcp_user_timeout": f"{lease_ms}ms",
        "tcp_keepalives_idle": str(probe_s),
        "tcp_keepalives_interval": str(probe_s),
        "tcp_keepalives_count": "3",
    }
    # is_local false: for the session, not only this transaction.
    columns = [sa.func.set_config(name, value, False) for name, value in settings.items()]
    await conn.execute(sa.select(*columns))


async def renew(conn: AsyncConnection) -> bool:
    """Whether this session still holds an advisory lock (the leader's connection holds no
    other); the read also renews the lease, the session not being idle."""
    locks = sa.table("pg_locks", sa.column("locktype"), sa.column("pid"), sa.column("granted"))
    held = sa.exists().where(
        locks.c.locktype == "advisory",
        locks.c.pid == sa.func.pg_backend_pid(),
        locks.c.granted.is_(True),
    )
    return bool((await conn.execute(sa.select(held))).scalar_one())


async def resign(conn: AsyncConnection) -> None:
    """Release the leader lock held by this session."""
    await conn.execute(sa.select(sa.func.pg_advisory_unlock(LEADER_LOCK)))
