"""Bearer tokens on the API: 401 without a valid one, lanes from the plan, other users' jobs 404."""

from __future__ import annotations

import jwt
import pytest

from tests.integration.api.support import SECRET, Api


def assert_unauthorized(response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthorized"


async def test_no_token_is_401(secured_api: Api, receipt_image) -> None:
    assert_unauthorized(await secured_api.client.get("/v1/jobs"))
    assert_unauthorized(await secured_api.submit(receipt_image()))
    assert_unauthorized(await secured_api.client.get("/v1/events"))
    await secured_api.assert_nothing_stored()


@pytest.mark.parametrize(
    "header",
    [
        "Bearer " + jwt.encode({"sub": "eve", "plan": "paid", "exp": 2**40}, "x" * 40, "HS256"),
        "Bearer " + jwt.encode({"sub": "eve", "plan": "paid", "exp": 1}, SECRET, "HS256"),
        "Bearer " + jwt.encode({"sub": "eve", "plan": "gold", "exp": 2**40}, SECRET, "HS256"),
        "Bearer " + jwt.encode({"plan": "paid", "exp": 2**40}, SECRET, "HS256"),
        "Bearer " + jwt.encode({"sub": "eve", "plan": "paid"}, SECRET, "HS256"),
        "Bearer not.a.token",
        "Basic ZXZlOnB3",
        "Bearer",
    ],
    ids=["bad-signature", "expired", "bad-plan", "no-sub", "no-exp", "garbage", "basic", "empty"],
)
async def test_bad_token_is_401(secured_api: Api, header: str) -> None:
    response = await secured_api.client.get("/v1/jobs", headers={"Authorization": header})

    assert_unauthorized(response)


async def test_unsigned_token_is_401(secured_api: Api) -> None:
    claims = {"sub": "eve", "plan": "paid", "exp": 2**40}
    token = jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]  # unsigned on purpose

    response = await secured_api.client.get(
        "/v1/jobs", headers={"Authorization": f"Bearer {token}"}
    )

    assert_unauthorized(response)


async def test_plan_claim_picks_the_lane(secured_api: Api, receipt_image) -> None:
    paid = await secured_api.submit(receipt_image(seed=1), headers=secured_api.auth("p", "paid"))
    free = await secured_api.submit(receipt_image(seed=2), headers=secured_api.auth("f", "free"))

    paid_job = await secured_api.client.get(
        paid.headers["location"], headers=secured_api.auth("p", "paid")
    )
    free_job = await secured_api.client.get(
        free.headers["location"], headers=secured_api.auth("f", "free")
    )
    assert (paid_job.json()["lane"], free_job.json()["lane"]) == ("paid", "free")


async def test_another_users_job_is_404_everywhere(secured_api: Api, receipt_image) -> None:
    alice, bob = secured_api.auth("alice"), secured_api.auth("bob")
    job_id = (await secured_api.submit(receipt_image(), headers=alice)).json()["job_id"]
    client = secured_api.client

    answers = [
        await client.get(f"/v1/jobs/{job_id}", headers=bob),
        await client.delete(f"/v1/jobs/{job_id}", headers=bob),
        await client.post(f"/v1/jobs/{job_id}/retry", headers=bob),
        await client.get(f"/v1/jobs/{job_id}/events", headers=bob),
    ]

    for response in answers:
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "not_found"
    listed = (await client.get("/v1/jobs", headers=bob)).json()
    assert listed["items"] == []
    still = (await client.get(f"/v1/jobs/{job_id}", headers=alice)).json()
    assert still["status"] == "queued"


async def test_without_a_key_no_token_is_needed(api: Api, receipt_image) -> None:
    submitted = await api.submit(receipt_image())
    listed = await api.client.get("/v1/jobs")

    assert submitted.status_code == 202
    assert [item["id"] for item in listed.json()["items"]] == [submitted.json()["job_id"]]
    assert listed.json()["items"][0]["lane"] == "paid"


async def test_without_a_key_any_token_is_ignored(api: Api) -> None:
    response = await api.client.get("/v1/jobs", headers={"Authorization": "Bearer junk"})

    assert response.status_code == 200
