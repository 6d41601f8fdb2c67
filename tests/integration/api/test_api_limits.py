"""Rate limits and budgets of a plan at POST /v1/jobs, on both engines: 429 with Retry-After,
nothing stored when refused, replays never refused, and one limit shared by two API processes.
(``test_api_limits_early.py``: refused before the body is read.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from tests.integration.api.conftest import ApiFactory
from tests.integration.api.hostile import handmade_pdf
from tests.integration.api.support import SECRET, Api
from tests.integration.api.test_api_submit import assert_problem
from tests.integration.conftest import Clock

OFF = {"submits_per_minute": 0, "pages_per_day": 0, "active_jobs": 0}


def free_plan(**limits: int) -> dict[str, Any]:
    """Settings overrides: tokens required, the free plan limited to exactly ``limits``."""
    return {"secret_key": SECRET, "plans": {"free": {**OFF, **limits}}}


def assert_limited(response: httpx.Response, code: str) -> int:
    body = assert_problem(response, 429, code)
    retry_after = int(response.headers["retry-after"])
    assert body["retry_after"] == retry_after
    assert retry_after >= 1
    return retry_after


async def test_submits_over_the_rate_are_429_and_store_nothing(
    api_factory: ApiFactory, receipt_image
) -> None:
    async with api_factory(**free_plan(submits_per_minute=3)) as api:
        alice = api.auth("alice", "free")
        accepted = [await api.submit(receipt_image(), headers=alice) for _ in range(3)]

        refused = await api.submit(receipt_image(), headers=alice)

        assert [r.status_code for r in accepted] == [202, 202, 202]
        assert 55 <= assert_limited(refused, "rate_limited") <= 60
        assert await api.job_count() == 3
        assert len(api.blob_files()) == 3
        # Another user has a budget of their own.
        other = await api.submit(receipt_image(), headers=api.auth("bob", "free"))
        assert other.status_code == 202


async def test_retry_after_counts_from_the_oldest_job_in_the_window(
    api_factory: ApiFactory, receipt_image, clock: Clock
) -> None:
    async with api_factory(**free_plan(submits_per_minute=2)) as api:
        alice = api.auth("alice", "free")
        assert (await api.submit(receipt_image(), headers=alice)).status_code == 202
        clock.advance(20)
        assert (await api.submit(receipt_image(), headers=alice)).status_code == 202
        clock.advance(10)

        refused = await api.submit(receipt_image(), headers=alice)

        assert assert_limited(refused, "rate_limited") == 30
        clock.advance(31)
        assert (await api.submit(receipt_image(), headers=alice)).status_code == 202


async def test_replays_and_duplicate_uploads_are_not_counted_and_replays_never_refused(
    api_factory: ApiFactory, receipt_image
) -> None:
    async with api_factory(**free_plan(submits_per_minute=3)) as api:
        alice = api.auth("alice", "free")
        keyed, same = receipt_image(), receipt_image()
        first = await api.submit(keyed, headers={**alice, "Idempotency-Key": "k-1"})
        second = await api.submit(same, headers=alice)

        replay = await api.submit(keyed, headers={**alice, "Idempotency-Key": "k-1"})
        duplicate = await api.submit(same, headers=alice)
        third = await api.submit(receipt_image(), headers=alice)
        new = await api.submit(receipt_image(), headers=alice)
        replay_at_the_limit = await api.submit(keyed, headers={**alice, "Idempotency-Key": "k-1"})
        # At the limit a duplicate is refused with the rest: the limits are checked before the
        # body, whose hash finds the duplicate, is read (issue 15, item 7).
        duplicate_at_the_limit = await api.submit(same, headers=alice)

        assert (first.status_code, second.status_code, third.status_code) == (202, 202, 202)
        assert (replay.status_code, replay.json()["job_id"]) == (200, first.json()["job_id"])
        assert (duplicate.status_code, duplicate.json()["job_id"]) == (
            200,
            second.json()["job_id"],
        )
        assert_limited(new, "rate_limited")
        assert replay_at_the_limit.status_code == 200
        assert_limited(duplicate_at_the_limit, "rate_limited")
        assert await api.job_count() == 3


async def test_daily_pages_are_a_rolling_budget(
    api_factory: ApiFactory, receipt_image, clock: Clock
) -> None:
    async with api_factory(**free_plan(pages_per_day=3)) as api:
        alice = api.auth("alice", "free")
        assert (await api.submit(receipt_image(), headers=alice)).status_code == 202
        clock.advance(100)
        for _ in range(2):
            assert (await api.submit(receipt_image(), headers=alice)).status_code == 202

        refused = await api.submit(receipt_image(), headers=alice)

        # The first job's page leaves the 24-hour window first.
        assert assert_limited(refused, "quota_exceeded") == 24 * 3600 - 100
        assert len(api.blob_files()) == 3
        clock.advance(24 * 3600 - 99)
        assert (await api.submit(receipt_image(), headers=alice)).status_code == 202


async def test_a_job_larger_than_the_daily_budget_is_422(
    api_factory: ApiFactory, receipt_image
) -> None:
    async with api_factory(**free_plan(pages_per_day=2)) as api:
        photos = [("file", (f"{i}.jpg", receipt_image(), "image/jpeg")) for i in range(3)]

        response = await api.client.post(
            "/v1/jobs",
            data={"kind": "products"},
            files=photos,
            headers=api.auth("alice", "free"),
        )

        assert_problem(response, 422, "too_many")
        await api.assert_nothing_stored()


async def test_active_jobs_are_capped_until_one_ends(
    api_factory: ApiFactory, receipt_image
) -> None:
    async with api_factory(**free_plan(active_jobs=2)) as api:
        alice = api.auth("alice", "free")
        first = await api.submit(receipt_image(), headers=alice)
        assert (await api.submit(receipt_image(), headers=alice)).status_code == 202

        refused = await api.submit(receipt_image(), headers=alice)

        assert assert_limited(refused, "too_many_active_jobs") <= 60
        cancelled = await api.client.delete(first.headers["location"], headers=alice)
        assert cancelled.status_code == 200
        assert (await api.submit(receipt_image(), headers=alice)).status_code == 202


async def test_plans_have_their_own_limits_and_zero_turns_one_off(
    api_factory: ApiFactory, receipt_image
) -> None:
    overrides = {
        "secret_key": SECRET,
        "plans": {"free": {"submits_per_minute": 1}, "paid": {"submits_per_minute": 0}},
    }
    async with api_factory(**overrides) as api:
        free, paid = api.auth("f", "free"), api.auth("p", "paid")
        assert api.settings.limits("free").pages_per_day == 200  # the other defaults stay

        paid_codes = [(await api.submit(receipt_image(), headers=paid)).status_code]
        paid_codes += [(await api.submit(receipt_image(), headers=paid)).status_code]
        free_codes = [(await api.submit(receipt_image(), headers=free)).status_code]
        free_codes += [(await api.submit(receipt_image(), headers=free)).status_code]

        assert paid_codes == [202, 202]
        assert free_codes == [202, 429]


@asynccontextmanager
async def two_apps(make: ApiFactory, **overrides: Any) -> AsyncIterator[tuple[Api, Api]]:
    """Two API processes' worth of app (own engine, bus, registry) on one database."""
    async with make(**overrides) as one, make(**overrides) as two:
        yield one, two


async def test_two_apps_share_one_limit(api_factory: ApiFactory, receipt_image) -> None:
    async with two_apps(api_factory, **free_plan(submits_per_minute=2)) as (one, two):
        alice = one.auth("alice", "free")
        assert (await one.submit(receipt_image(), headers=alice)).status_code == 202
        assert (await two.submit(receipt_image(), headers=alice)).status_code == 202

        refused = [
            await one.submit(receipt_image(), headers=alice),
            await two.submit(receipt_image(), headers=alice),
        ]

        for response in refused:
            assert_limited(response, "rate_limited")
        assert await one.job_count() == 2


async def test_concurrent_submits_on_two_apps_never_pass_the_limit_together(
    api_factory: ApiFactory, receipt_image
) -> None:
    async with two_apps(api_factory, **free_plan(submits_per_minute=3)) as (one, two):
        alice = one.auth("alice", "free")
        images = [receipt_image() for _ in range(8)]

        responses = await asyncio.gather(
            *((one, two)[i % 2].submit(image, headers=alice) for i, image in enumerate(images))
        )

        codes = sorted(r.status_code for r in responses)
        assert codes == [202] * 3 + [429] * 5
        assert await one.job_count() == 3
        # The refused submits that passed the pre-check removed the blobs they had stored.
        assert len(one.blob_files()) == 3


async def test_a_duplicate_the_full_check_would_refuse_answers_with_its_job(
    api_factory: ApiFactory,
) -> None:
    # The early check counts one page and passes; the full check counts the PDF's two and
    # refuses. The same upload's job still answers (200), as before its body was read the
    # duplicate was looked up first; now the limits are read first and the duplicate is looked
    # up when they refuse (issue 17: one read before a submit within its limits).
    async with api_factory(**free_plan(pages_per_day=3)) as api:
        alice = api.auth("alice", "free")
        pdf = handmade_pdf(2)
        first = await api.submit(pdf, headers=alice, name="two.pdf")
        again = await api.submit(pdf, headers=alice, name="two.pdf")
        other = await api.submit(handmade_pdf(2, "0 0 72 144"), headers=alice, name="b.pdf")

        assert first.status_code == 202, first.text
        assert (again.status_code, again.json()["job_id"]) == (200, first.json()["job_id"])
        assert_limited(other, "quota_exceeded")
        assert await api.job_count() == 1
        assert len(api.blob_files()) == 1
