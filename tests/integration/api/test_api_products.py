"""A ``products`` job through the real app and its embedded worker, on both engines: several
photos in one submit, per-photo progress over SSE, front and back merged, the catalogue used."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from foodscan.catalog.entry import CatalogEntry
from foodscan.catalog.store import SqlCatalog
from foodscan.pipelines import registry
from foodscan.serve import create_app
from foodscan.settings import Settings
from tests.integration.api.support import Api, Stream, parse_frames
from tests.unit.recognition.product_images import product_photo

MILK = "5901234123457"
JUICE = "4006381333931"
JOB_WAIT_S = 180.0


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


@pytest.fixture
async def running(tmp_path: Path, database_url: str) -> AsyncIterator[Api]:
    """The app with its embedded worker (real OCR, real zxing-cpp)."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        worker_concurrency=1,
        cpu_workers=2,
        poll_s=0.2,
    )
    app = create_app(settings, run_worker=True)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
            yield Api(app, c, settings)


async def _events(stream: Stream) -> list[dict]:
    """Every event of the job's stream, until the app ends it after the terminal event."""
    events = []
    while (chunk := await asyncio.wait_for(stream.chunks.get(), JOB_WAIT_S)) is not None:
        events += [frame.event for frame in parse_frames(chunk) if frame.data is not None]
    return events


@pytest.mark.slow
async def test_several_photos_become_merged_products(running: Api) -> None:
    engine = running.app.state.engine
    await SqlCatalog(engine).import_entries(
        [
            CatalogEntry(
                JUICE, "Apelsinjuice", "Tropicana", "1 l", "Juices", {"energy_kcal": 45.0}, ()
            )
        ]
    )
    photos = [
        product_photo(["ARLA", "MJOLK"], code=MILK),
        product_photo(["NARINGSVARDE", "ARLA"], code=MILK),
        product_photo(["TROPICANA"], code=JUICE),
    ]
    files = [("file", (f"{i}.jpg", _jpeg(p), "image/jpeg")) for i, p in enumerate(photos)]

    response = await running.client.post("/v1/jobs", data={"kind": "products"}, files=files)
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    stream = await Stream(running.app, f"/v1/jobs/{job_id}/events", {}).start()
    events = await _events(stream)
    await stream.finished()

    assert events[-1]["type"] == "job.succeeded", events[-1]
    reads = [e for e in events if e["type"] == "job.progress" and e["step"] == "read_photos"]
    per_photo = [e for e in reads if e["message"].startswith("Read photo")]
    assert len(per_photo) == 3
    assert [len(e["partial"]["photos"]) for e in per_photo] == [1, 2, 3]
    result = events[-1]["result"]
    assert [p["index"] for p in result["photos"]] == [0, 1, 2]
    products = result["products"]
    assert [p["photos"] for p in products] == [[0, 1], [2]]
    milk, juice = products
    assert [b["text"] for b in milk["barcodes"]] == [MILK]
    assert (milk["brand"], milk["category"], milk["source"]) == ("Arla", "milk", "photo")
    assert (juice["name"], juice["brand"], juice["source"]) == (
        "Apelsinjuice",
        "Tropicana",
        "catalog",
    )
    assert (juice["category"], juice["nutrition"]) == ("juice", {"energy_kcal": 45.0})
    assert juice["quantity"]["unit"] == "l"
    stored = (await running.client.get(f"/v1/jobs/{job_id}")).json()
    assert stored["result"] == result


async def test_more_photos_than_a_products_job_takes_are_422(api: Api, receipt_image) -> None:
    most = registry.get("products").max_files
    files = [("file", (f"{i}.jpg", receipt_image(seed=i), "image/jpeg")) for i in range(most + 1)]
    response = await api.client.post("/v1/jobs", data={"kind": "products"}, files=files)
    assert response.status_code == 422
    await api.assert_nothing_stored()


async def test_a_pdf_is_not_a_product_photo(api: Api) -> None:
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    response = await api.client.post(
        "/v1/jobs", data={"kind": "products"}, files={"file": ("a.pdf", pdf, "application/pdf")}
    )
    assert response.status_code in (415, 422)
    await api.assert_nothing_stored()
