"""POST /v1/jobs: the accepted shape, each refusal (leaving nothing behind), Idempotency-Key."""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from foodscan.jobs.states import Status
from foodscan.pipelines import registry
from foodscan.recognition.reading.tesseract import tesseract_languages
from tests.integration.api.support import UPLOAD_LIMIT, Api

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:foodscan:problem:{code}"
    assert body["title"]
    assert body["detail"]
    return body


# ---- accepted ---------------------------------------------------------------------------------


async def test_submit_answers_202_with_location_and_queue_place(api: Api, receipt_image) -> None:
    image = receipt_image()

    response = await api.submit(image, lang="pl", metadata='{"session": "s-1"}')

    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"job_id", "status", "position", "eta_seconds", "links"}
    job_id = body["job_id"]
    uuid.UUID(job_id)
    assert response.headers["location"] == f"/v1/jobs/{job_id}"
    assert body["status"] == "queued"
    assert body["position"] == 1
    assert body["eta_seconds"] > 0
    assert body["links"] == {"self": f"/v1/jobs/{job_id}", "events": f"/v1/jobs/{job_id}/events"}
    assert len(api.blob_files()) == 1
    assert api.blob_files()[0].read_bytes() == image


async def test_submitted_job_reads_back_without_blob_keys(api: Api, receipt_image) -> None:
    image = receipt_image(fmt="PNG")
    submitted = await api.submit(
        image, name="../../etc/shop receipt.png", options='{"fast": true}', metadata='{"a": [1]}'
    )
    job_id = submitted.json()["job_id"]

    response = await api.client.get(f"/v1/jobs/{job_id}")

    assert response.status_code == 200
    job = response.json()
    assert job["id"] == job_id
    assert (job["kind"], job["status"], job["lane"]) == ("receipt", "queued", "paid")
    assert (job["step"], job["progress"], job["attempt"], job["max_attempts"]) == (None, 0, 0, 3)
    assert job["position"] == 1
    assert job["options"] == {"fast": True}
    assert job["metadata"] == {"a": [1]}
    assert job["inputs"] == [
        {
            "name": "shop receipt.png",
            "media_type": "image/png",
            "size": len(image),
            "sha256": hashlib.sha256(image).hexdigest(),
            "pages": 1,
        }
    ]
    assert "blob" not in response.text
    assert job["created_at"].endswith("Z")
    assert job["started_at"] is None
    assert job["result"] is None
    assert job["error"] is None


async def test_second_job_is_behind_the_first(api: Api, receipt_image) -> None:
    first = await api.submit(receipt_image(seed=1))
    second = await api.submit(receipt_image(seed=2))

    assert first.json()["position"] == 1
    assert second.json()["position"] == 2


# ---- refused, and nothing left behind ---------------------------------------------------------


async def test_unknown_bytes_named_jpeg_are_415(api: Api) -> None:
    response = await api.submit(b"this is not an image at all" * 10, name="photo.jpg")

    assert_problem(response, 415, "unsupported_type")
    await api.assert_nothing_stored()


async def test_file_over_the_limit_is_413(api: Api, receipt_image) -> None:
    image = receipt_image()
    oversized = image + b"\0" * (UPLOAD_LIMIT + 1 - len(image))

    response = await api.submit(oversized)

    assert_problem(response, 413, "too_large")
    await api.assert_nothing_stored()


async def test_body_over_the_limit_is_413_before_it_is_read(api: Api) -> None:
    boundary = "xyz"
    body = b"--xyz\r\n" + b"x" * (20 * UPLOAD_LIMIT)
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}

    response = await api.client.post("/v1/jobs", content=body, headers=headers)

    assert_problem(response, 413, "too_large")
    await api.assert_nothing_stored()


async def test_chunked_body_over_the_limit_is_413(api: Api) -> None:
    async def chunks():
        yield b"--xyz\r\nContent-Disposition: form-data; name=file; filename=a.jpg\r\n\r\n"
        for _ in range(80):  # 6 MB: over the cap of the kind that takes the most files (10)
            yield b"\xff" * (UPLOAD_LIMIT // 4)

    headers = {"Content-Type": "multipart/form-data; boundary=xyz"}
    response = await api.client.post("/v1/jobs", content=chunks(), headers=headers)

    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "too_large")
    await api.assert_nothing_stored()


async def test_more_photos_than_a_receipt_takes_are_422(api: Api, receipt_image) -> None:
    most = registry.get("receipt").max_files
    files = [("file", (f"{i}.jpg", receipt_image(seed=i), "image/jpeg")) for i in range(most + 1)]

    response = await api.client.post("/v1/jobs", data={"kind": "receipt"}, files=files)

    assert_problem(response, 422, "too_many")
    await api.assert_nothing_stored()


async def test_more_files_than_the_setting_are_422(api_factory, receipt_image) -> None:
    async with api_factory(max_files=2) as api:
        files = [("file", (f"{i}.jpg", receipt_image(seed=i), "image/jpeg")) for i in range(3)]

        response = await api.client.post("/v1/jobs", data={"kind": "receipt"}, files=files)

        assert_problem(response, 422, "too_many")
        await api.assert_nothing_stored()


async def test_decompression_bomb_png_is_422(api: Api, png_bomb: bytes) -> None:
    assert len(png_bomb) < UPLOAD_LIMIT

    response = await api.submit(png_bomb, name="small.png")

    body = assert_problem(response, 422, "too_many")
    assert "pixels" in body["detail"]
    await api.assert_nothing_stored()


async def test_truncated_jpeg_is_422(api: Api, receipt_image) -> None:
    image = receipt_image(size=(640, 800))

    response = await api.submit(image[: len(image) // 2])

    assert_problem(response, 422, "invalid_input")
    await api.assert_nothing_stored()


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"options": "{not json"}, "options"),
        ({"options": "[1, 2]"}, "options"),
        ({"options": '{"x": NaN}'}, "options"),
        ({"metadata": '"a string"'}, "metadata"),
        ({"metadata": "{"}, "metadata"),
        ({"metadata": '{"big": "' + "x" * 5000 + '"}'}, "metadata"),
        ({"kind": "spaceship"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"lang": "../../etc"}, "lang"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_fields_are_422(api: Api, receipt_image, fields, needle) -> None:
    data = {"kind": "receipt", **fields}
    files = {"file": ("r.jpg", receipt_image(), "image/jpeg")}

    response = await api.client.post("/v1/jobs", data=data, files=files)

    body = assert_problem(response, 422, "invalid_input")
    assert needle in body["detail"]
    await api.assert_nothing_stored()


async def test_no_file_is_422(api: Api) -> None:
    response = await api.client.post(
        "/v1/jobs", data={"kind": "receipt"}, files={"other": ("x", b"")}
    )

    assert_problem(response, 422, "invalid_input")
    await api.assert_nothing_stored()


async def test_json_body_is_415(api: Api) -> None:
    response = await api.client.post("/v1/jobs", json={"kind": "receipt"})

    assert_problem(response, 415, "unsupported_type")
    await api.assert_nothing_stored()


async def test_malformed_multipart_is_422(api: Api) -> None:
    headers = {"Content-Type": "multipart/form-data"}  # no boundary

    response = await api.client.post("/v1/jobs", content=b"--x\r\n", headers=headers)

    assert_problem(response, 422, "invalid_input")
    await api.assert_nothing_stored()


# ---- Idempotency-Key --------------------------------------------------------------------------


async def test_same_key_and_request_returns_the_same_job_with_200(api: Api, receipt_image) -> None:
    image = receipt_image()
    headers = {"Idempotency-Key": "order-17"}

    first = await api.submit(image, headers=headers, lang="en")
    again = await api.submit(image, headers=headers, lang="en")

    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["job_id"] == first.json()["job_id"]
    assert again.headers["location"] == first.headers["location"]
    assert await api.job_count() == 1
    assert len(api.blob_files()) == 1


async def test_same_key_with_other_input_is_409(api: Api, receipt_image) -> None:
    headers = {"Idempotency-Key": "order-18"}
    await api.submit(receipt_image(seed=1), headers=headers)

    other_file = await api.submit(receipt_image(seed=2), headers=headers)
    other_lang = await api.submit(receipt_image(seed=1), headers=headers, lang="pl")

    assert_problem(other_file, 409, "idempotency_conflict")
    assert_problem(other_lang, 409, "idempotency_conflict")
    assert await api.job_count() == 1
    assert len(api.blob_files()) == 1


async def test_same_key_of_another_user_is_another_job(secured_api: Api, receipt_image) -> None:
    image = receipt_image()
    key = {"Idempotency-Key": "k"}

    alice = await secured_api.submit(image, headers=secured_api.auth("alice") | key)
    bob = await secured_api.submit(image, headers=secured_api.auth("bob") | key)

    assert (alice.status_code, bob.status_code) == (202, 202)
    assert alice.json()["job_id"] != bob.json()["job_id"]


async def test_concurrent_submits_with_one_key_make_one_job_and_one_blob(
    api: Api, receipt_image
) -> None:
    image = receipt_image()
    headers = {"Idempotency-Key": "race"}

    responses = await asyncio.gather(*(api.submit(image, headers=headers) for _ in range(4)))

    assert sorted(r.status_code for r in responses) == [200, 200, 200, 202]
    assert len({r.json()["job_id"] for r in responses}) == 1
    assert await api.job_count() == 1
    assert len(api.blob_files()) == 1


async def test_bad_idempotency_key_is_422(api: Api, receipt_image) -> None:
    response = await api.submit(receipt_image(), headers={"Idempotency-Key": "x" * 201})

    assert_problem(response, 422, "invalid_input")
    await api.assert_nothing_stored()


async def test_metadata_is_not_part_of_the_request_hash(api: Api, receipt_image) -> None:
    image = receipt_image()
    headers = {"Idempotency-Key": "meta"}

    first = await api.submit(image, headers=headers, metadata='{"try": 1}')
    again = await api.submit(image, headers=headers, metadata='{"try": 2}')

    assert again.status_code == 200
    assert again.json()["job_id"] == first.json()["job_id"]
    job = (await api.client.get(first.headers["location"])).json()
    assert job["metadata"] == {"try": 1}
    assert job["status"] == Status.QUEUED


# ---- duplicate uploads -------------------------------------------------------------------------


async def test_the_same_upload_again_returns_the_existing_job(api, receipt_image) -> None:
    image = receipt_image()
    first = await api.submit(image)
    again = await api.submit(image)

    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["job_id"] == first.json()["job_id"]
    assert again.headers["location"] == first.headers["location"]
    assert await api.job_count() == 1
    assert len(api.blob_files()) == 1


async def test_dedupe_false_runs_the_same_upload_again(api, receipt_image) -> None:
    image = receipt_image()
    first = await api.submit(image, options='{"dedupe": false}')
    again = await api.submit(image, options='{"dedupe": false}')

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["job_id"] != first.json()["job_id"]
    assert await api.job_count() == 2


async def test_a_cancelled_upload_sent_again_runs_again(api, receipt_image) -> None:
    image = receipt_image()
    first = (await api.submit(image)).json()["job_id"]
    assert (await api.client.delete(f"/v1/jobs/{first}")).status_code == 200

    again = await api.submit(image)

    assert again.status_code == 202
    assert again.json()["job_id"] != first


# ---- privacy -----------------------------------------------------------------------------------


async def test_a_stored_photo_has_no_gps_or_camera_metadata(api) -> None:
    tags = Image.Exif()
    tags[0x010F] = "PhoneCo"  # camera maker
    tags.get_ifd(0x8825).update({1: "N", 2: (52.0, 13.0, 29.0)})  # GPS
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), "white").save(buffer, "JPEG", exif=tags)
    assert b"PhoneCo" in buffer.getvalue()

    response = await api.submit(buffer.getvalue())

    assert response.status_code == 202
    (stored,) = api.blob_files()
    kept = stored.read_bytes()
    assert b"PhoneCo" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert not image.getexif().get_ifd(0x8825)


@pytest.mark.parametrize("lang", ["ru", "ru-RU", "eng+rus"])
async def test_a_russian_photo_without_tesseracts_russian_is_422(
    api_factory, receipt_image, tmp_path: Path, lang: str
) -> None:
    empty = tmp_path / "tessdata"
    empty.mkdir()
    async with api_factory(tessdata_dir=empty) as api:
        response = await api.submit(receipt_image(), lang=lang)

        body = assert_problem(response, 422, "language_unavailable")
        assert "FOODSCAN_TESSDATA_DIR has no rus.traineddata" in body["detail"]
        await api.assert_nothing_stored()


async def test_a_russian_photo_is_taken_where_tesseract_reads_russian(
    api_factory, receipt_image
) -> None:
    assert "rus" in tesseract_languages(), "foodscan ships Tesseract's Russian data"
    async with api_factory() as api:
        response = await api.submit(receipt_image(), lang="ru")

        assert response.status_code == 202
