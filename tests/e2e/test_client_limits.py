"""``foodscan.client`` against a real ``foodscan serve`` whose plan has tiny limits: a ``429``
raises ``ClientError`` with ``retry_after``, and ``submit(wait_on_limit=…)`` waits it out."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from foodscan.client import AsyncClient, Client, ClientError
from foodscan.jobs.states import Status
from tests.e2e.server import Server

pytestmark = pytest.mark.slow
JOB_TIMEOUT_S = 120.0
# Each submit a new job: the same bytes again would be answered as a duplicate, before any limit.
NEW_JOB = {"dedupe": False}


def test_a_refusal_by_the_rate_limit_carries_retry_after_and_is_not_waited_past_the_budget(
    server_factory: Callable[..., Server], receipt_jpeg: bytes
) -> None:
    server = server_factory(plans__paid__submits_per_minute="1")
    server.start()
    with Client(server.url) as client:
        client.submit(receipt_jpeg, options=NEW_JOB)

        with pytest.raises(ClientError) as refused:
            client.submit(receipt_jpeg, options=NEW_JOB)
        started = time.monotonic()
        with pytest.raises(ClientError) as still_refused:
            client.submit(receipt_jpeg, options=NEW_JOB, wait_on_limit=5)
        waited = time.monotonic() - started

    error = refused.value
    assert (error.status, error.code) == (429, "rate_limited")
    assert error.retry_after is not None
    assert 1 <= error.retry_after <= 60
    assert error.retry_after == error.problem["retry_after"]
    # A wait longer than the budget is not started: the refusal comes back at once.
    assert still_refused.value.code == "rate_limited"
    assert waited < 5, waited


async def test_submit_waits_out_too_many_active_jobs_and_then_is_queued(
    server_factory: Callable[..., Server], slow_receipt_pdf: bytes, receipt_jpeg: bytes
) -> None:
    server = server_factory(plans__paid__active_jobs="1")
    server.start()
    async with AsyncClient(server.url) as client:
        first = await client.submit(slow_receipt_pdf)
        with pytest.raises(ClientError) as refused:
            await client.submit(receipt_jpeg)

        second = await client.submit(receipt_jpeg, wait_on_limit=JOB_TIMEOUT_S)
        done_first = await client.get(first.job_id)
        done_second = await client.wait(second.job_id, timeout=JOB_TIMEOUT_S)

    assert refused.value.code == "too_many_active_jobs"
    assert refused.value.retry_after is not None
    assert refused.value.retry_after >= 1
    # Queued only once the first job had left the queue, so it was waited for, not refused.
    assert done_first.status == Status.SUCCEEDED
    assert done_first.finished_at is not None
    assert done_second.created_at >= done_first.finished_at
    assert done_second.status == Status.SUCCEEDED
