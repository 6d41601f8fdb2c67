"""``GET /v1/jobs``: a summary per job by default (no result, options, metadata or webhook), the
full jobs with ``?full=true``."""

from __future__ import annotations

import json

from tests.integration.api.support import Api

RESULT = {
    "merchant": {"name": "FRESH MARKET", "address": "12 High Street"},
    "date": "2026-03-14",
    "currency": "GBP",
    "total": "6.84",
    "items": [{"name": "BANANAS", "total": "1.29"}, {"name": "MILK", "total": "2.15"}],
    "lines": [{"text": f"line {n}", "box": [[0, n], [100, n], [100, n + 9], [0, n + 9]]}
              for n in range(200)],
}  # fmt: skip


async def finished_job(api: Api, receipt_image) -> str:
    response = await api.submit(receipt_image(), metadata='{"order": 7}')
    assert response.status_code == 202, response.text
    queue = api.queue()
    lease = await queue.claim(["receipt"])
    assert lease is not None
    await queue.succeed(lease, RESULT)
    job_id: str = response.json()["job_id"]
    return job_id


async def test_the_list_gives_a_summary_of_each_job(api: Api, receipt_image) -> None:
    job_id = await finished_job(api, receipt_image)

    response = await api.client.get("/v1/jobs")

    (item,) = response.json()["items"]
    assert item["id"] == job_id
    assert item["status"] == "succeeded"
    assert item["inputs"][0]["name"] == "receipt.jpg"
    assert item["summary"] == {
        "title": "FRESH MARKET",
        "merchant": "FRESH MARKET",
        "total": "6.84",
        "currency": "GBP",
        "date": "2026-03-14",
        "counts": {"items": 2},
    }
    assert not {"result", "options", "metadata", "webhook", "lang"} & set(item)
    assert item["links"]["self"] == f"/v1/jobs/{job_id}"


async def test_full_true_gives_each_job_with_its_result(api: Api, receipt_image) -> None:
    job_id = await finished_job(api, receipt_image)

    summary = await api.client.get("/v1/jobs")
    full = await api.client.get("/v1/jobs", params={"full": "true"})

    (item,) = full.json()["items"]
    assert item["result"] == RESULT
    assert item["metadata"] == {"order": 7}
    assert item["summary"]["total"] == "6.84"
    assert item == (await api.client.get(f"/v1/jobs/{job_id}")).json()
    # The OCR lines stay out of the list: a page of summaries is a fraction of the full one.
    assert len(summary.content) * 10 < len(full.content)
    assert len(json.dumps(summary.json()["items"][0])) < 1500


async def test_an_unfinished_job_has_no_summary_yet(api: Api, receipt_image) -> None:
    response = await api.submit(receipt_image())
    assert response.status_code == 202

    (item,) = (await api.client.get("/v1/jobs")).json()["items"]

    assert item["status"] == "queued"
    assert item["summary"] is None
