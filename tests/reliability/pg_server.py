"""The PostgreSQL server itself, for the runs that restart it: how to restart it from here, and
waiting until it accepts connections again.

A restart is allowed only for a server on this machine that this user may restart: a Debian
cluster (``pg_ctlcluster``, as root or ``postgres``) whose port is the test URL's, or whatever
``FOODSCAN_TEST_POSTGRES_RESTART`` says (a shell command, e.g. ``docker restart pg``). Anything
else is refused with the reason, and the tests that need it skip with that reason.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from sqlalchemy.engine import make_url

RESTART_COMMAND = os.environ.get("FOODSCAN_TEST_POSTGRES_RESTART")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", ""})
READY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Control:
    """How to restart, and to start, the server behind one URL."""

    restart: list[str]
    start: list[str] | None
    what: str


def control(database_url: str) -> Control | str:
    """The commands that restart the server of ``database_url``, or why there are none."""
    if RESTART_COMMAND:
        return Control(["sh", "-c", RESTART_COMMAND], None, RESTART_COMMAND)
    url = make_url(database_url)
    if (url.host or "") not in LOCAL_HOSTS:
        return f"the PostgreSQL server {url.host} is not on this machine"
    if shutil.which("pg_lsclusters") is None or shutil.which("pg_ctlcluster") is None:
        return "no pg_ctlcluster here: set FOODSCAN_TEST_POSTGRES_RESTART to a restart command"
    port = str(url.port or 5432)
    listed = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False
    )
    for line in listed.stdout.splitlines():
        cols = line.split()
        if len(cols) >= 4 and cols[2] == port and cols[3].startswith("online"):
            version, name, owner = cols[0], cols[1], cols[4] if len(cols) > 4 else "postgres"
            if (user := _user()) not in ("root", owner):
                return f"cluster {version}/{name} belongs to {owner}, not to {user}"
            base = ["pg_ctlcluster", version, name]
            return Control([*base, "restart", "-m", "fast"], [*base, "start"], shlex.join(base))
    return f"no online cluster on port {port} in pg_lsclusters"


def _user() -> str:
    import pwd  # noqa: PLC0415 - POSIX only, like the rest of these runs

    return pwd.getpwuid(os.geteuid()).pw_name


def started_at(database_url: str) -> datetime | None:
    """When the server (postmaster) started, or None while it does not answer."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def read() -> datetime | None:
        try:
            conn = await asyncpg.connect(dsn, timeout=2)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return None
        try:
            value: datetime = await conn.fetchval("SELECT pg_postmaster_start_time()")
            return value
        finally:
            await conn.close()

    return asyncio.run(read())


def wait_ready(database_url: str, timeout: float = READY_TIMEOUT_S) -> datetime | None:
    """Wait until the server answers; its start time, or None at the deadline."""
    deadline = time.monotonic() + timeout
    while (started := started_at(database_url)) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    return started


def restart(database_url: str, how: Control) -> float:
    """Restart the server (fast shutdown: every connection is cut, open transactions roll back)
    and wait until it answers again; the seconds it took. Raises if it did not come back."""
    before = started_at(database_url)
    began = time.monotonic()
    done = subprocess.run(how.restart, capture_output=True, text=True, timeout=120, check=False)
    after = wait_ready(database_url)
    if done.returncode != 0 or after is None or after == before:
        raise RuntimeError(
            f"{how.what}: restart failed (rc {done.returncode}, started {before} → {after}): "
            f"{done.stderr.strip() or done.stdout.strip()}"
        )
    return time.monotonic() - began


def ensure_running(database_url: str, how: Control) -> None:
    """Leave the server running whatever happened: start it if it does not answer."""
    if started_at(database_url) is not None:
        return
    if how.start is not None:
        subprocess.run(how.start, capture_output=True, timeout=120, check=False)
    if wait_ready(database_url) is None:
        raise RuntimeError(f"{how.what}: the PostgreSQL server did not come back; start it")
