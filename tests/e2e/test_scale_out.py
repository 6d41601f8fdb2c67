"""Scale-out on PostgreSQL with real processes: two ``foodscan serve --no-worker`` APIs and two
``foodscan worker`` processes on one database and one blob folder.

A job submitted on one API is followed to its end over SSE on the other (events cross
processes by LISTEN/NOTIFY); a cancel sent to the other API stops the job in its worker; a
worker killed with SIGKILL mid-job leaves it to the other worker, with one terminal event.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
import sqlalchemy as sa

from foodscan.db.engine import create_engine
from foodscan.db.tables import jobs
from tests.e2e.server import Server
from tests.e2e.sse_client import frames

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TERMINAL = {"job.succeeded", "job.failed", "job.cancelled"}


@dataclass
class Cluster:
    apis: list[Server]
    workers: list[Server]
    database_url: str


@pytest.fixture
def cluster(server_factory: Callable[..., Server], postgres_url: str) -> Cluster:
    shared = {"database_url": postgres_url, "worker_concurrency": "1"}
    workers = [server_factory("worker", **shared) for _ in range(2)]
    for worker in workers:
        worker.start()
    apis = [server_factory("serve", "--no-worker", **shared) for _ in range(2)]
    for api in apis:
        api.start()  # ready once a worker has registered
    return Cluster(apis, workers, postgres_url)


def submit(api: Server, name: str, data: bytes, media_type: str) -> str:
    files = {"file": (name, data, media_type)}
    response = httpx.post(f"{api.url}/v1/jobs", data={"kind": "receipt"}, files=files, timeout=30)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


def follow(api: Server, job_id: str, until: set[str], timeout: float = 120) -> list[dict]:
    """The job's events from the start, over SSE on ``api``, up to one of ``until``."""
    seen = []
    url = f"{api.url}/v1/jobs/{job_id}/events"
    with httpx.stream("GET", url, timeout=httpx.Timeout(timeout)) as response:
        for frame in frames(response):
            seen.append(frame.data)
            if frame.data["type"] in until:
                break
    return seen


def lease_owner(database_url: str, job_id: str) -> str | None:
    async def read() -> str | None:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                query = sa.select(jobs.c.lease_owner).where(jobs.c.id == job_id)
                owner: str | None = (await conn.execute(query)).scalar_one()
                return owner
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_a_job_submitted_on_one_api_is_followed_on_the_other(
    cluster: Cluster, receipt_jpeg: bytes
) -> None:
    job_id = submit(cluster.apis[0], "receipt.jpg", receipt_jpeg, "image/jpeg")

    events = follow(cluster.apis[1], job_id, TERMINAL)

    types = [e["type"] for e in events]
    assert types[0] == "job.queued"
    assert types[-1] == "job.succeeded"
    assert events[-1]["result"]["total"] == "6.84"
    job = httpx.get(f"{cluster.apis[0].url}/v1/jobs/{job_id}", timeout=10).json()
    assert job["status"] == "succeeded"


def test_a_cancel_on_the_other_api_stops_the_running_job(
    cluster: Cluster, slow_receipt_pdf: bytes
) -> None:
    job_id = submit(cluster.apis[0], "slow.pdf", slow_receipt_pdf, "application/pdf")
    follow(cluster.apis[1], job_id, {"job.started"})

    asked = time.monotonic()
    response = httpx.delete(f"{cluster.apis[1].url}/v1/jobs/{job_id}", timeout=10)
    assert response.status_code == 202
    events = follow(cluster.apis[0], job_id, TERMINAL)

    stopped_in = time.monotonic() - asked
    assert events[-1]["type"] == "job.cancelled"
    assert stopped_in < 2.0, f"the cancel took {stopped_in:.2f} s"


def test_a_worker_killed_mid_job_leaves_it_to_the_other(
    cluster: Cluster, slow_receipt_pdf: bytes
) -> None:
    job_id = submit(cluster.apis[0], "slow.pdf", slow_receipt_pdf, "application/pdf")
    follow(cluster.apis[1], job_id, {"job.started"})
    owner = lease_owner(cluster.database_url, job_id)
    assert owner is not None
    victim = next(w for w in cluster.workers if w.process and f"-{w.process.pid}-" in owner)

    victim.kill()
    events = follow(cluster.apis[1], job_id, TERMINAL)

    types = [e["type"] for e in events]
    assert types.count("job.succeeded") == 1
    assert sum(t in TERMINAL for t in types) == 1
    assert "job.retrying" in types
    job = httpx.get(f"{cluster.apis[0].url}/v1/jobs/{job_id}", timeout=10).json()
    assert (job["status"], job["attempt"]) == ("succeeded", 2)
