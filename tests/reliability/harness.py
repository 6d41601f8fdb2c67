"""What the reliability runs share: sizes, a deployment of real processes, the database read
directly, submits, and an SSE follower that resumes with ``Last-Event-ID``.

Every run is a plain function with its size as arguments, so a test calls it with the CI size and
``python -m tests.reliability.<run> --…`` calls it with the long one. Sizes come from
``FOODSCAN_RELIABILITY_SCALE`` (``ci``, the default, or ``long``).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from foodscan.db.engine import create_engine
from foodscan.db.tables import job_events, jobs
from tests.e2e.server import FOODSCAN, RECEIPT_LINES, Server, render_receipt
from tests.e2e.sse_client import frames

SCALE = os.environ.get("FOODSCAN_RELIABILITY_SCALE", "ci")
POSTGRES_URL = os.environ.get(
    "FOODSCAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TERMINAL = frozenset({"job.succeeded", "job.failed", "job.cancelled"})
FINISHED = frozenset({"succeeded", "failed", "cancelled"})


def sized(ci: int, long: int) -> int:
    """The CI size, or the long one under ``FOODSCAN_RELIABILITY_SCALE=long``."""
    return long if SCALE == "long" else ci


def await_condition(
    check: Callable[[], Any], timeout: float, what: str, *, every: float = 0.05, fail: bool = True
) -> Any:
    """Poll ``check`` until it returns something truthy; at the deadline fail with ``what`` (or,
    with ``fail=False``, return the last falsy value)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            if not fail:
                return value
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


def local_ports(pid: int) -> set[int]:
    """The local TCP ports of a live process (its database connections among them), from /proc."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
                cols = line.split()
                if cols[9] in inodes:
                    ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def receipt_jpeg(scale: int = 1) -> bytes:
    buffer = io.BytesIO()
    render_receipt(RECEIPT_LINES, scale=scale).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


# --- the deployment -------------------------------------------------------------------------


@dataclass
class Deployment:
    """APIs and workers on one database and one data dir; every process is stopped at the end."""

    root: Path
    database_url: str
    settings: dict[str, str] = field(default_factory=dict)
    servers: list[Server] = field(default_factory=list)

    def env(self, **more: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOODSCAN_")}
        env |= {
            "FOODSCAN_DATA_DIR": str(self.root / "data"),
            "FOODSCAN_DATABASE_URL": self.database_url,
            "FOODSCAN_LEASE_S": "2",
            "FOODSCAN_HEARTBEAT_S": "0.5",
            "FOODSCAN_POLL_S": "0.5",
            "FOODSCAN_SSE_RETRY_MS": "50",
            # These runs submit hundreds of jobs a minute: the plan's limits are not under test.
            "FOODSCAN_PLANS__PAID__SUBMITS_PER_MINUTE": "0",
            "FOODSCAN_PLANS__PAID__ACTIVE_JOBS": "0",
            "FOODSCAN_WORKER_CONCURRENCY": "1",
            "FOODSCAN_CPU_WORKERS": "1",
        }
        env |= {f"FOODSCAN_{k.upper()}": v for k, v in (self.settings | more).items()}
        return env

    def server(self, *args: str, ready_path: str = "/readyz", **more: str) -> Server:
        """Build (not start) ``foodscan serve``/``worker`` with this deployment's settings."""
        server = Server(
            data_dir=self.root / "data",
            env=self.env(**more),
            args=args or ("serve",),
            ready_path=ready_path,
        )
        self.servers.append(server)
        return server

    def migrate(self) -> None:
        subprocess.run(
            [str(FOODSCAN), "migrate"], env=self.env(), check=True, capture_output=True, timeout=60
        )

    def close(self) -> None:
        for server in self.servers:
            if server.process is not None and server.process.poll() is None:
                server.kill()


@contextlib.contextmanager
def deployment(database_url: str, root: Path, **settings: str) -> Iterator[Deployment]:
    (root / "data").mkdir(parents=True, exist_ok=True)
    made = Deployment(root, database_url, dict(settings))
    try:
        yield made
    except BaseException:
        for server in made.servers:  # what the processes said, for the failure's report
            print(f"--- {' '.join(server.args)} on port {server.port}:\n{server.log()[-6000:]}")  # noqa: T201
        raise
    finally:
        made.close()


@contextlib.contextmanager
def scratch_database(engine: str) -> Iterator[tuple[str, Path]]:
    """For the scripts: a new, migrated database (``sqlite`` or ``postgresql``) and a folder."""
    root = Path(tempfile.mkdtemp(prefix="foodscan-reliability-"))
    name = f"foodscan_rel_{uuid.uuid4().hex[:10]}"
    if engine == "sqlite":
        url = f"sqlite:///{root / 'foodscan.db'}"
    else:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        Deployment(root, url).migrate()
        yield url, root
    finally:
        if engine != "sqlite":
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(root, ignore_errors=True)


async def _pg_admin(statement: str) -> None:
    conn = await asyncpg.connect(POSTGRES_URL, timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


# --- the database, read directly ------------------------------------------------------------


def query(database_url: str, statement: sa.Executable) -> list[sa.Row[Any]]:
    """Run one read on a fresh engine (the test's processes hold their own connections)."""

    async def run() -> list[sa.Row[Any]]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                return list((await conn.execute(statement)).all())
        finally:
            await engine.dispose()

    return asyncio.run(run())


def job_rows(database_url: str) -> list[sa.Row[Any]]:
    return query(database_url, sa.select(jobs).order_by(jobs.c.created_at))


def event_rows(database_url: str) -> list[sa.Row[Any]]:
    return query(database_url, sa.select(job_events).order_by(job_events.c.id))


def _pg(database_url: str, statement: str, *args: Any) -> list[Any]:
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def run() -> list[Any]:
        conn = await asyncpg.connect(dsn, timeout=5)
        try:
            return list(await conn.fetch(statement, *args))
        finally:
            await conn.close()

    return asyncio.run(run())


def backends_gone(database_url: str, ports: set[int]) -> bool:
    """No server backend still serves a client on one of ``ports`` (a dead process's commits,
    if any were in flight, have finished)."""
    rows = _pg(
        database_url,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND client_port = ANY($1::int[])",
        sorted(ports),
    )
    return int(rows[0][0]) == 0


def terminate_backends(database_url: str) -> int:
    """Cut every other connection to this test's own database (never the server, never others)."""
    rows = _pg(
        database_url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    return sum(1 for row in rows if row[0])


# --- the API, as a client sees it -----------------------------------------------------------


def submit(
    client: httpx.Client, data: bytes, *, key: str | None = None, name: str = "receipt.jpg"
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    files = {"file": (name, data, "image/jpeg")}
    options = '{"dedupe": false}'
    return client.post(
        "/v1/jobs", data={"kind": "receipt", "options": options}, files=files, headers=headers
    )


@dataclass
class Follower:
    """One client of ``/v1/events`` (or a job's stream) that reconnects with ``Last-Event-ID``."""

    url: str
    path: str = "/v1/events?after=0"  # every event from the first (without a cursor: from now)
    ids: list[int] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    reconnects: int = 0
    refused: Counter[int] = field(default_factory=Counter)  # HTTP status of refused connects
    retry_s: float = 0.05  # the deployment's ``retry:``, as an EventSource waits

    @property
    def last_id(self) -> int | None:
        return self.ids[-1] if self.ids else None

    def read(self, *, stop: Callable[[Follower], bool], max_events: int | None = None) -> None:
        """One connection: read frames until ``stop`` says so, ``max_events`` arrived (then drop
        the connection, as a client whose network failed) or the server ends the stream."""
        headers = {} if self.last_id is None else {"Last-Event-ID": str(self.last_id)}
        timeout = httpx.Timeout(30, read=30)
        got = 0
        try:
            with httpx.stream("GET", self.url + self.path, headers=headers, timeout=timeout) as r:
                r.raise_for_status()
                for frame in frames(r):
                    assert frame.id is not None
                    self.ids.append(frame.id)
                    self.events.append(frame.data)
                    got += 1
                    if stop(self) or (max_events is not None and got >= max_events):
                        return
        except httpx.HTTPStatusError as exc:
            self.refused[exc.response.status_code] += 1
            time.sleep(self.retry_s)  # e.g. 500 while the database restarts: the caller retries
        except httpx.TransportError:
            pass  # the server (or its database) dropped us: the caller reconnects
        finally:
            self.reconnects += 1


def compare(received: list[int], logged: list[int]) -> dict[str, int]:
    """Gaps (logged, never received), duplicates and out-of-order arrivals of one client."""
    seen: set[int] = set()
    doubled = 0
    for event_id in received:
        doubled += event_id in seen
        seen.add(event_id)
    disorder = sum(1 for a, b in itertools.pairwise(received) if b <= a)
    return {
        "missing": len(set(logged) - seen),
        "doubled": doubled,
        "unknown": len(seen - set(logged)),
        "out_of_order": disorder,
    }


def xfail_if_ids_committed_out_of_order(figures: dict[str, Any], prefix: str = "") -> None:
    """On PostgreSQL event ids come from a sequence and may commit out of order, so a client
    receives a lower id after a higher one: the known gap of
    ``tests/integration/events/test_log.py``, reported as such with the ids. Call it only after
    asserting nothing was missed: a lost event is never excused here."""
    if disorder := figures[f"{prefix}out_of_order"]:
        pytest.xfail(
            f"known gap, ids committed out of order: {disorder} late arrivals, "
            f"(earlier id, later id) pairs {figures['disorder_sample']}"
        )
