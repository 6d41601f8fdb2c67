"""``GET /v1/jobs/{id}/inputs/{n}/preview`` on both engines: a small JPEG of a stored photo
(upright, without metadata) or of a PDF's first page, with the size of the page the result's
boxes are measured on; a missing input, purged uploads and a file that is no picture are clear
problems.
(Other users' jobs and bad credentials: ``test_api_authz_matrix``.)
"""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from foodscan.db.tables import jobs
from tests.integration.api.hostile import handmade_pdf
from tests.integration.api.support import Api
from tests.integration.api.test_api_submit import assert_problem

ORIENTATION = 0x0112
ROTATED_90_CW = 6


def jpeg(size: tuple[int, int], orientation: int | None = None) -> bytes:
    """A photo with a dark block in its top-left corner (as stored, before any rotation)."""
    image = Image.new("RGB", size, (240, 240, 230))
    image.paste((20, 20, 20), (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    exif[0x010F] = "CameraMaker"  # Make: personal metadata the preview must not carry
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def brightness(image: Image.Image, at: tuple[int, int]) -> float:
    value = image.getpixel(at)
    assert isinstance(value, int | float), value
    return float(value)


async def submitted(api: Api, data: bytes, name: str = "receipt.jpg", kind: str = "receipt") -> str:
    response = await api.submit(data, name=name, kind=kind)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


async def test_a_large_photo_is_downscaled_to_1024_px_without_metadata(api: Api) -> None:
    job_id = await submitted(api, jpeg((2400, 1200)))

    answer = await api.client.get(f"/v1/jobs/{job_id}/inputs/0/preview")

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["foodscan-page-size"] == "2400x1200"
    preview = Image.open(io.BytesIO(answer.content))
    assert preview.size == (1024, 512)
    assert dict(preview.getexif()) == {}
    assert "exif" not in preview.info


async def test_a_photo_is_shown_upright_as_the_worker_reads_it(api: Api) -> None:
    # Stored landscape with "rotate 90° clockwise": the page the boxes are on is portrait.
    job_id = await submitted(api, jpeg((400, 200), orientation=ROTATED_90_CW))

    answer = await api.client.get(f"/v1/jobs/{job_id}/inputs/0/preview")

    assert answer.status_code == 200, answer.text
    assert answer.headers["foodscan-page-size"] == "200x400"
    preview = Image.open(io.BytesIO(answer.content)).convert("L")
    assert preview.size == (200, 400)
    # The dark corner, top-left as stored, is top-right once upright.
    assert brightness(preview, (190, 10)) < 80
    assert brightness(preview, (10, 10)) > 180


async def test_a_pdf_shows_its_first_page_with_the_ocr_page_size(api: Api) -> None:
    job_id = await submitted(api, handmade_pdf(2, "0 0 612 792"), name="receipt.pdf")

    answer = await api.client.get(f"/v1/jobs/{job_id}/inputs/0/preview")

    assert answer.status_code == 200, answer.text
    # Letter size at the 200 dpi the worker renders at.
    assert answer.headers["foodscan-page-size"] == "1700x2200"
    width, height = Image.open(io.BytesIO(answer.content)).size
    assert max(width, height) <= 1024
    assert abs(width / height - 1700 / 2200) < 0.01


async def test_an_input_that_is_not_there_is_404(api: Api) -> None:
    job_id = await submitted(api, jpeg((64, 48)))

    answer = await api.client.get(f"/v1/jobs/{job_id}/inputs/1/preview")

    assert "no input 1" in assert_problem(answer, 404, "not_found")["detail"]


async def test_purged_uploads_are_404_saying_so(api: Api) -> None:
    job_id = await submitted(api, jpeg((64, 48)))
    async with api.app.state.engine.begin() as conn:
        purged = sa.update(jobs).where(jobs.c.id == job_id).values(inputs_purged_at=sa.func.now())
        await conn.execute(purged)

    answer = await api.client.get(f"/v1/jobs/{job_id}/inputs/0/preview")

    assert "purged" in assert_problem(answer, 404, "not_found")["detail"]


async def test_a_text_recipe_has_no_preview(api: Api) -> None:
    job_id = await submitted(api, b"Soup\n\n1 cup water\n", name="soup.txt", kind="recipe")

    answer = await api.client.get(f"/v1/jobs/{job_id}/inputs/0/preview")

    assert "text/plain" in assert_problem(answer, 415, "unsupported_type")["detail"]
