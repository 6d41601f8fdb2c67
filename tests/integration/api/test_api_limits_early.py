"""A user already over a limit is refused before the body is read (issue 15, item 7), on both
engines: rate, active jobs and the daily pages each answer 429 having pulled no chunk of the
body (it used to be parsed, inspected and stripped in full first: seconds and hundreds of MB
per refused 90 MB request). A replay of a used Idempotency-Key still answers its job.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.api.conftest import ApiFactory
from tests.integration.api.test_api_limits import assert_limited, free_plan

pytestmark = pytest.mark.timeout(60)
BOUNDARY = "early-check"
CHUNK = b"x" * 65_536
CHUNKS = 40  # 2.6 MB the server must not pull when it refuses


class CountedBody:
    """A multipart body sent in chunks, counting how many the server pulled."""

    def __init__(self, head: bytes) -> None:
        self.head = head
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for index in range(CHUNKS + 1):
            self.pulled += 1
            yield self.head if index == 0 else CHUNK


def _body() -> CountedBody:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nreceipt\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="r.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    return CountedBody(head)


def _headers(auth: dict[str, str]) -> dict[str, str]:
    return {**auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


@pytest.mark.parametrize(
    ("limit", "code"),
    [
        ({"submits_per_minute": 1}, "rate_limited"),
        ({"active_jobs": 1}, "too_many_active_jobs"),
        ({"pages_per_day": 1}, "quota_exceeded"),
    ],
    ids=["rate", "active", "pages"],
)
async def test_a_user_over_a_limit_is_refused_before_the_body_is_read(
    api_factory: ApiFactory, receipt_image, limit: dict[str, int], code: str
) -> None:
    async with api_factory(**free_plan(**limit)) as api:
        alice = api.auth("alice", "free")
        assert (await api.submit(receipt_image(), headers=alice)).status_code == 202
        body = _body()

        refused = await api.client.post("/v1/jobs", content=body, headers=_headers(alice))
        bob = await api.submit(receipt_image(), headers=api.auth("bob", "free"))

        assert_limited(refused, code)
        assert body.pulled <= 1, f"the server read {body.pulled} chunks of a refused body"
        assert bob.status_code == 202  # another user of the plan is not limited by alice
        assert await api.job_count() == 2


async def test_a_replay_passes_the_early_check(api_factory: ApiFactory, receipt_image) -> None:
    async with api_factory(**free_plan(submits_per_minute=1)) as api:
        keyed = {**api.auth("alice", "free"), "Idempotency-Key": "k-1"}
        image = receipt_image()
        first = await api.submit(image, headers=keyed)

        replay = await api.submit(image, headers=keyed)

        assert replay.status_code == 200
        assert replay.json()["job_id"] == first.json()["job_id"]
