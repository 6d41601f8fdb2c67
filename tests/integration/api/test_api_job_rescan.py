"""``POST /v1/jobs/{id}/rescan`` on both engines: a finished job scanned again as a new job of
its own copy of the uploads; 409 while the job is not finished, 404 for another user's job,
410 once its uploads are purged; Idempotency-Keys, the plan's limits, the callback URL's checks
and the cross-site guard as for a submit. (``rescan=true`` on a submit: ``test_api_rescan.py``.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from foodscan.db.tables import jobs
from foodscan.jobs.maintenance import Maintenance
from foodscan.jobs.queue import Lease
from tests.integration.api.conftest import ApiFactory
from tests.integration.api.support import SECRET, Api
from tests.integration.conftest import Clock
from tests.integration.webhook_receiver import SECRET as HOOK_SECRET

DAY_S = 24 * 3600.0
OPTIONS = {"dedupe": True, "assist": False}
METADATA = {"order": 42, "note": "kitchen"}


async def submit(api: Api, receipt_image, headers: dict[str, str] | None = None, **fields) -> str:
    response = await api.submit(receipt_image(), headers=headers, **fields)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


async def claim(api: Api) -> Lease:
    lease = await api.queue().claim(["receipt"])
    assert lease is not None
    return lease


async def finish(api: Api, status: str) -> None:
    """Take the one queued job to ``status`` (succeeded, failed or cancelled)."""
    if status == "cancelled":
        [job] = (await api.client.get("/v1/jobs", params={"status": "queued"})).json()["items"]
        assert (await api.client.delete(f"/v1/jobs/{job['id']}")).status_code == 200
        return
    lease = await claim(api)
    if status == "succeeded":
        await api.queue().succeed(lease, {"total": "6.84"})
    else:
        await api.queue().fail(lease, "no_text", "No text was found")


async def rescan(api: Api, job_id: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return await api.client.post(f"/v1/jobs/{job_id}/rescan", headers=headers or {})


async def job(api: Api, job_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = await api.client.get(f"/v1/jobs/{job_id}", headers=headers or {})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


@pytest.mark.parametrize("status", ["succeeded", "failed", "cancelled"])
async def test_a_finished_job_is_scanned_again_as_a_new_job_of_the_same_uploads(
    api: Api, receipt_image, status: str
) -> None:
    original_id = await submit(
        api, receipt_image, lang="en", options=_json(OPTIONS), metadata=_json(METADATA)
    )
    await finish(api, status)
    before = await job(api, original_id)

    response = await rescan(api, original_id)

    assert response.status_code == 202, response.text
    body = response.json()
    new_id = body["job_id"]
    assert new_id != original_id
    assert body["rescan_of"] == original_id
    assert (body["status"], body["position"]) == ("queued", 1)
    assert body["links"] == {"self": f"/v1/jobs/{new_id}", "events": f"/v1/jobs/{new_id}/events"}
    assert response.headers["location"] == f"/v1/jobs/{new_id}"
    new = await job(api, new_id)
    same = ("kind", "lang", "options", "metadata", "inputs")
    assert {k: new[k] for k in same} == {k: before[k] for k in same}
    assert new["lang"] == "en"
    assert new["metadata"] == METADATA
    assert await job(api, original_id) == before, "the original must not change"
    # Its own copy of each upload, with the same bytes, that a worker runs to success.
    lease = await claim(api)
    assert lease.job.id == new_id
    blobs = api.app.state.blobs
    original_keys = {f["blob_key"] for f in await _inputs(api, original_id)}
    for item in lease.job.inputs:
        assert item.blob_key not in original_keys
        [source] = [f for f in await _inputs(api, original_id) if f["sha256"] == item.sha256]
        assert await blobs.get(item.blob_key) == await blobs.get(source["blob_key"])
    await api.queue().succeed(lease, {"total": "6.84"})
    assert (await job(api, new_id))["status"] == "succeeded"


@pytest.mark.parametrize("status", ["queued", "running"])
async def test_a_job_that_is_not_finished_is_409_and_nothing_is_stored(
    api: Api, receipt_image, status: str
) -> None:
    job_id = await submit(api, receipt_image)
    if status == "running":
        await claim(api)
    blobs_before = api.blob_files()

    response = await rescan(api, job_id)

    assert_problem(response, 409, "invalid_transition")
    assert f"job {job_id} is {status}" in response.json()["detail"]
    assert await api.job_count() == 1
    assert api.blob_files() == blobs_before


async def test_another_users_job_is_404_like_a_job_that_does_not_exist(
    secured_api: Api, receipt_image
) -> None:
    alice, bob = secured_api.auth("alice"), secured_api.auth("bob")
    job_id = await submit(secured_api, receipt_image, headers=alice)
    await finish(secured_api, "succeeded")

    by_bob = await rescan(secured_api, job_id, bob)
    nobody = await rescan(secured_api, "00000000-0000-4000-8000-000000000000", bob)
    by_alice = await rescan(secured_api, job_id, alice)

    assert_problem(by_bob, 404, "not_found")
    assert_problem(nobody, 404, "not_found")
    assert by_alice.status_code == 202, by_alice.text
    assert await secured_api.job_count() == 2
    listed = await secured_api.client.get("/v1/jobs", headers=bob)
    assert listed.json()["items"] == []


async def test_a_missing_token_is_401(secured_api: Api, receipt_image) -> None:
    job_id = await submit(secured_api, receipt_image, headers=secured_api.auth("alice"))

    assert_problem(await rescan(secured_api, job_id), 401, "unauthorized")


async def test_purged_uploads_are_410_and_a_rescan_keeps_its_own_copy(
    api: Api, receipt_image, clock: Clock
) -> None:
    original_id = await submit(api, receipt_image)
    await finish(api, "succeeded")
    retention_s = api.settings.upload_retention_days * DAY_S
    clock.advance(retention_s - 60)
    again = await rescan(api, original_id)
    assert again.status_code == 202, again.text
    new_id = again.json()["job_id"]
    await finish(api, "succeeded")
    state = api.app.state
    maintenance = Maintenance(state.engine, state.bus, state.blobs, api.settings, clock=clock.now)

    # Past the original's upload retention, not yet past its rescan's.
    assert await maintenance.purge(now=clock.advance(120)) == (1, 0)
    blobs_left = api.blob_files()
    purged = await rescan(api, original_id)

    assert_problem(purged, 410, "inputs_purged")
    assert "upload retention" in purged.json()["detail"]
    assert (await job(api, original_id))["inputs_purged"] is True
    assert api.blob_files() == blobs_left
    assert len(blobs_left) == 1, "the rescan's copy outlives the original's purge"
    assert (await rescan(api, new_id)).status_code == 202


async def test_a_blob_gone_before_the_purge_marked_the_job_is_410_and_leaves_no_copy(
    api: Api, receipt_image
) -> None:
    job_id = await submit(api, receipt_image, kind="receipt")
    await finish(api, "succeeded")
    [item] = await _inputs(api, job_id)
    await api.app.state.blobs.delete(item["blob_key"])

    response = await rescan(api, job_id)

    assert_problem(response, 410, "inputs_purged")
    assert api.blob_files() == []
    assert await api.job_count() == 1


async def test_an_idempotency_key_replays_the_rescan_it_made(api: Api, receipt_image) -> None:
    first_id = await submit(api, receipt_image)
    await finish(api, "succeeded")
    key = {"Idempotency-Key": "rescan-1"}

    made = await rescan(api, first_id, key)
    await finish(api, "succeeded")
    replay = await rescan(api, first_id, key)
    unkeyed = await rescan(api, first_id)

    assert (made.status_code, replay.status_code, unkeyed.status_code) == (202, 200, 202)
    assert replay.json()["job_id"] == made.json()["job_id"]
    assert replay.json()["rescan_of"] == first_id
    assert replay.json()["status"] == "succeeded"
    assert unkeyed.json()["job_id"] not in {first_id, made.json()["job_id"]}
    assert await api.job_count() == 3


async def test_a_key_used_for_another_request_is_an_idempotency_conflict(
    api: Api, receipt_image
) -> None:
    key = {"Idempotency-Key": "used-once"}
    submitted = await submit(api, receipt_image, headers=key)
    await finish(api, "succeeded")
    other = await submit(api, receipt_image)
    await finish(api, "succeeded")
    assert (await rescan(api, other, {"Idempotency-Key": "other-key"})).status_code == 202
    blobs_before = api.blob_files()

    # The key made a submit; then a rescan of another job under a key that rescanned ``other``.
    reused = await rescan(api, submitted, key)
    crossed = await rescan(api, submitted, {"Idempotency-Key": "other-key"})

    assert_problem(reused, 409, "idempotency_conflict")
    assert_problem(crossed, 409, "idempotency_conflict")
    assert api.blob_files() == blobs_before
    assert await api.job_count() == 3


@pytest.mark.parametrize(
    ("limits", "code"),
    [({"active_jobs": 1}, "too_many_active_jobs"), ({"pages_per_day": 1}, "quota_exceeded")],
)
async def test_the_plans_limits_apply_and_a_refusal_stores_nothing(
    api_factory: ApiFactory, receipt_image, limits: dict[str, int], code: str
) -> None:
    plan = {"submits_per_minute": 0, "pages_per_day": 0, "active_jobs": 0, **limits}
    async with api_factory(secret_key=SECRET, plans={"free": plan}) as api:
        alice = api.auth("alice", "free")
        job_id = await submit(api, receipt_image, headers=alice)
        if code == "too_many_active_jobs":
            # Finished, yet another job of alice's is queued: the one she may have.
            await finish(api, "succeeded")
            await submit(api, receipt_image, headers=alice)
        else:
            await finish(api, "succeeded")  # its one page is the day's budget
        blobs_before = api.blob_files()

        refused = await rescan(api, job_id, alice)

        assert_problem(refused, 429, code)
        assert int(refused.headers["retry-after"]) >= 1
        assert api.blob_files() == blobs_before
        assert await api.job_count() == 2 if code == "too_many_active_jobs" else 1


async def test_the_callback_url_goes_along_and_is_checked_again(
    api_factory: ApiFactory, receipt_image
) -> None:
    hook = "http://127.0.0.1:9/hook"
    hooks = {"webhook_secret": HOOK_SECRET}
    async with api_factory(**hooks, webhook_allow_private=True) as api:
        job_id = await submit(api, receipt_image, callback_url=hook)
        await finish(api, "succeeded")
        again = await rescan(api, job_id)
        assert again.status_code == 202, again.text
        assert (await job(api, again.json()["job_id"]))["webhook"]["url"] == hook
    # The same database, served where private addresses are refused (the default): the URL
    # passes the SSRF checks again, as a new submit's would.
    async with api_factory(**hooks) as strict:
        refused = await rescan(strict, job_id)
        assert_problem(refused, 422, "invalid_callback_url")
    async with api_factory() as without_secret:
        refused = await rescan(without_secret, job_id)
        assert_problem(refused, 422, "webhooks_unavailable")
        assert await without_secret.job_count() == 2


async def test_a_russian_photo_is_refused_where_this_node_cannot_read_russian(
    api_factory: ApiFactory, receipt_image, tmp_path: Path
) -> None:
    async with api_factory() as api:
        job_id = await submit(api, receipt_image, lang="ru")
        await finish(api, "succeeded")
    empty = tmp_path / "tessdata"
    empty.mkdir()
    async with api_factory(tessdata_dir=empty) as node:
        blobs_before = node.blob_files()

        refused = await rescan(node, job_id)

        assert_problem(refused, 422, "language_unavailable")
        assert node.blob_files() == blobs_before
        assert await node.job_count() == 1


async def test_a_cross_site_page_cannot_rescan_in_keyless_mode(api: Api, receipt_image) -> None:
    job_id = await submit(api, receipt_image)
    await finish(api, "succeeded")

    foreign = await rescan(api, job_id, {"Origin": "http://evil.example"})
    same_site = await rescan(api, job_id, {"Origin": "http://127.0.0.1:8000"})

    assert_problem(foreign, 403, "cross_site_request")
    assert same_site.status_code == 202, same_site.text
    assert await api.job_count() == 2


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value)


async def _inputs(api: Api, job_id: str) -> list[dict[str, Any]]:
    """The job's stored inputs, blob keys included (the API never shows those)."""
    async with api.app.state.engine.connect() as conn:
        row = (await conn.execute(sa.select(jobs.c.inputs).where(jobs.c.id == job_id))).one()
    found: list[dict[str, Any]] = row.inputs
    return found
