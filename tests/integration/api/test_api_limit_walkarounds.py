"""Limits that concurrency or cancel + retry could walk around, on both engines: concurrent
identical uploads make one job, and a retry counts like a new job against the active-jobs cap
and the rate limit (not the pages quota, which its first run paid).
"""

from __future__ import annotations

import asyncio

import httpx

from tests.integration.api.conftest import ApiFactory
from tests.integration.api.support import Api
from tests.integration.api.test_api_limits import assert_limited, free_plan
from tests.integration.conftest import Clock

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


# ---- cancel + retry ---------------------------------------------------------------------------


async def cancel(api: Api, job_id: str, headers: dict[str, str]) -> None:
    assert (await api.client.delete(f"/v1/jobs/{job_id}", headers=headers)).status_code == 200


async def retry(api: Api, job_id: str, headers: dict[str, str]) -> httpx.Response:
    return await api.client.post(f"/v1/jobs/{job_id}/retry", headers=headers)


async def test_a_retry_respects_the_active_jobs_cap(api_factory: ApiFactory, receipt_image) -> None:
    async with api_factory(**free_plan(active_jobs=2)) as api:
        alice = api.auth("alice", "free")
        first, second = [
            (await api.submit(receipt_image(), headers=alice)).json()["job_id"] for _ in range(2)
        ]
        await cancel(api, first, alice)
        await cancel(api, second, alice)
        assert (await api.submit(receipt_image(), headers=alice)).status_code == 202

        assert (await retry(api, first, alice)).status_code == 202  # 2 active: the cap
        refused = await retry(api, second, alice)

        assert_limited(refused, "too_many_active_jobs")
        jobs = (await api.client.get("/v1/jobs", headers=alice)).json()["items"]
        assert sorted(j["status"] for j in jobs) == ["cancelled", "queued", "queued"]


async def test_retries_count_against_the_rate_limit(
    api_factory: ApiFactory, receipt_image, clock: Clock
) -> None:
    async with api_factory(**free_plan(submits_per_minute=3)) as api:
        alice = api.auth("alice", "free")
        job_id = (await api.submit(receipt_image(), headers=alice)).json()["job_id"]
        for _ in range(2):  # with the submit, three in the minute: the limit
            clock.advance(1)
            await cancel(api, job_id, alice)
            assert (await retry(api, job_id, alice)).status_code == 202
        await cancel(api, job_id, alice)

        assert 55 <= assert_limited(await retry(api, job_id, alice), "rate_limited") <= 60
        assert_limited(await api.submit(receipt_image(), headers=alice), "rate_limited")
        clock.advance(61)
        assert (await retry(api, job_id, alice)).status_code == 202


async def test_a_retry_does_not_pay_the_pages_quota_again(
    api_factory: ApiFactory, receipt_image
) -> None:
    async with api_factory(**free_plan(pages_per_day=1)) as api:
        alice = api.auth("alice", "free")
        job_id = (await api.submit(receipt_image(), headers=alice)).json()["job_id"]
        await cancel(api, job_id, alice)

        assert (await retry(api, job_id, alice)).status_code == 202
        assert_limited(await api.submit(receipt_image(), headers=alice), "quota_exceeded")
