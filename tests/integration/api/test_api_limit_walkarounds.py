"""Limits that concurrency or cancel + retry could walk around, on both engines: concurrent
identical uploads make one job, and a retry counts like a new job against the active-jobs cap
and the rate limit (not the pages quota, which its first run paid).
"""

from __future__ import annotations

import asyncio

from tests.integration.api.conftest import ApiFactory
from tests.integration.api.support import Api

CONCURRENT = 20


async def test_concurrent_identical_uploads_make_one_job(api: Api, receipt_image) -> None:
    image = receipt_image()

    answers = await asyncio.gather(*(api.submit(image) for _ in range(CONCURRENT)))

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * (CONCURRENT - 1) + [202], [a.text for a in answers]
    assert len({a.json()["job_id"] for a in answers}) == 1
    assert await api.job_count() == 1
    assert len(api.blob_files()) == 1  # the losers' uploads are deleted


async def test_concurrent_identical_uploads_from_two_processes_make_one_job(
    api_factory: ApiFactory, receipt_image
) -> None:
    # Two apps, two engines on one database: the lock that serialises them is the database's.
    image = receipt_image()
    async with api_factory() as one, api_factory() as two:
        answers = await asyncio.gather(
            *(api.submit(image) for api in (one, two) for _ in range(CONCURRENT // 2))
        )
        assert sorted(a.status_code for a in answers).count(202) == 1
        assert len({a.json()["job_id"] for a in answers}) == 1
        assert await one.job_count() == 1
