"""GET/DELETE /v1/jobs/{id}, POST /v1/jobs/{id}/retry and GET /v1/jobs (filters, cursor pages)."""

from __future__ import annotations

import pytest

from tests.integration.api.support import Api

PROBLEM = "application/problem+json"


async def submit(api: Api, receipt_image, seed: int = 0) -> str:
    response = await api.submit(receipt_image(seed=seed))
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


async def test_unknown_job_is_404_problem(api: Api) -> None:
    response = await api.client.get("/v1/jobs/no-such-job")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "not_found"


async def test_wrong_method_is_405_problem(api: Api) -> None:
    response = await api.client.put("/v1/jobs")

    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "method_not_allowed"
    assert response.headers["allow"]


async def test_cancel_of_a_queued_job_is_200_and_final(api: Api, receipt_image) -> None:
    job_id = await submit(api, receipt_image)

    response = await api.client.delete(f"/v1/jobs/{job_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["finished_at"] is not None
    assert body["position"] is None
    again = await api.client.delete(f"/v1/jobs/{job_id}")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


async def test_cancel_of_a_running_job_is_202_and_flags_it(api: Api, receipt_image) -> None:
    job_id = await submit(api, receipt_image)
    lease = await api.queue().claim(["receipt"])
    assert lease is not None

    response = await api.client.delete(f"/v1/jobs/{job_id}")

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "running"
    assert body["cancel_requested"] is True
    assert [h.cancel_requested for h in await api.queue().heartbeat()] == [True]


async def test_retry_of_a_failed_job_is_202_and_queues_it(api: Api, receipt_image) -> None:
    job_id = await submit(api, receipt_image)
    queue = api.queue()
    lease = await queue.claim(["receipt"])
    assert lease is not None
    await queue.fail(lease, "no_text", "No text was found")
    failed = (await api.client.get(f"/v1/jobs/{job_id}")).json()
    assert failed["status"] == "failed"
    assert failed["error"] == {"code": "no_text", "message": "No text was found"}
    assert failed["attempt"] == 1

    response = await api.client.post(f"/v1/jobs/{job_id}/retry")

    assert response.status_code == 202
    assert response.headers["location"] == f"/v1/jobs/{job_id}"
    body = response.json()
    assert (body["status"], body["attempt"], body["error"]) == ("queued", 0, None)
    assert body["position"] == 1


async def test_retry_of_a_queued_job_is_409(api: Api, receipt_image) -> None:
    job_id = await submit(api, receipt_image)

    response = await api.client.post(f"/v1/jobs/{job_id}/retry")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


async def test_succeeded_job_shows_its_result(api: Api, receipt_image) -> None:
    job_id = await submit(api, receipt_image)
    queue = api.queue()
    lease = await queue.claim(["receipt"])
    assert lease is not None
    await queue.progress(lease, "ocr", 40, "Reading text")
    running = (await api.client.get(f"/v1/jobs/{job_id}")).json()
    await queue.succeed(lease, {"total": "12.50"})

    done = (await api.client.get(f"/v1/jobs/{job_id}")).json()

    assert (running["status"], running["step"], running["progress"]) == ("running", "ocr", 40)
    assert running["started_at"] is not None
    assert running["position"] is None
    assert (done["status"], done["progress"], done["result"]) == (
        "succeeded",
        100,
        {"total": "12.50"},
    )
    assert done["finished_at"] is not None


# ---- listing ----------------------------------------------------------------------------------


async def test_listing_is_newest_first_in_cursor_pages(api: Api, receipt_image) -> None:
    ids = [await submit(api, receipt_image, seed=i) for i in range(5)]

    first = (await api.client.get("/v1/jobs", params={"limit": 2})).json()
    second = (
        await api.client.get("/v1/jobs", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    third = (
        await api.client.get("/v1/jobs", params={"limit": 2, "cursor": second["next_cursor"]})
    ).json()

    listed = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert listed == ids[::-1]
    assert first["next_cursor"]
    assert second["next_cursor"]
    assert third["next_cursor"] is None
    assert set(first["items"][0]) >= {"id", "status", "inputs", "links", "summary"}


async def test_listing_filters_by_status_and_kind(api: Api, receipt_image) -> None:
    kept = await submit(api, receipt_image, seed=1)
    cancelled = await submit(api, receipt_image, seed=2)
    await api.client.delete(f"/v1/jobs/{cancelled}")

    queued = (await api.client.get("/v1/jobs", params={"status": "queued"})).json()
    gone = (
        await api.client.get("/v1/jobs", params={"status": "cancelled", "kind": "receipt"})
    ).json()
    none = (await api.client.get("/v1/jobs", params={"status": "succeeded"})).json()

    assert [item["id"] for item in queued["items"]] == [kept]
    assert [item["id"] for item in gone["items"]] == [cancelled]
    assert none == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    "params",
    [
        {"status": "done"},
        {"kind": "spaceship"},
        {"limit": 0},
        {"limit": 1000},
        {"cursor": "not-a-cursor"},
    ],
)
async def test_listing_refuses_bad_parameters_with_422(api: Api, params) -> None:
    response = await api.client.get("/v1/jobs", params=params)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "invalid_input"
