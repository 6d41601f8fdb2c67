"""POST /v1/jobs with ``rescan=true``: the same upload runs again; Idempotency-Keys still replay."""

from __future__ import annotations

from tests.integration.api.support import Api


async def test_rescan_true_makes_a_new_job_for_the_same_upload(api: Api, receipt_image) -> None:
    image = receipt_image()
    first = await api.submit(image)
    duplicate = await api.submit(image)
    again = await api.submit(image, rescan="true")

    assert (first.status_code, duplicate.status_code, again.status_code) == (202, 200, 202)
    assert duplicate.json()["job_id"] == first.json()["job_id"]
    assert again.json()["job_id"] != first.json()["job_id"]
    assert await api.job_count() == 2


async def test_rescan_keeps_an_idempotency_key_replay(api: Api, receipt_image) -> None:
    image = receipt_image()
    headers = {"Idempotency-Key": "rescan-once"}
    first = await api.submit(image, headers=headers, rescan="true")
    replay = await api.submit(image, headers=headers, rescan="true")

    assert (first.status_code, replay.status_code) == (202, 200)
    assert replay.json()["job_id"] == first.json()["job_id"]


async def test_rescan_false_is_the_default(api: Api, receipt_image) -> None:
    image = receipt_image()
    first = await api.submit(image)
    again = await api.submit(image, rescan="false")

    assert again.status_code == 200
    assert again.json()["job_id"] == first.json()["job_id"]


async def test_rescan_must_be_true_or_false(api: Api, receipt_image) -> None:
    response = await api.submit(receipt_image(), rescan="yes please")

    assert response.status_code == 422
    assert "'rescan'" in response.json()["detail"]
    await api.assert_nothing_stored()
