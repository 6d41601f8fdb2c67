"""The recipe pipeline end to end on real parts (blob store, CPU pool, OCR engine): each step
reported in order, partial results, the result for a text file, a PDF and a photo."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from foodscan.blobs import LocalBlobStore
from foodscan.errors import NoTextFound
from foodscan.pipelines.base import Context
from foodscan.pipelines.recipe import RECIPE
from foodscan.recognition.reading.ocr import RapidOcrEngine
from foodscan.uploads.checks import UploadLimits
from foodscan.worker.cpu import CpuPool

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
RECIPE_TEXT = """Garlic bread

Serves 4

Ingredients:
- 1 baguette
- 3 cloves garlic, crushed
- 50g butter

Method:
1. Mix the garlic with the butter.
2. Spread it on the bread and bake for 10 minutes.
"""

Events = list[tuple[str, int, str, Any]]


async def run(
    tmp_path: Path, data: bytes, lang: str | None = None
) -> tuple[dict[str, Any], Events]:
    blobs = LocalBlobStore(tmp_path / "blobs")
    key = await blobs.put(data)
    ctx = Context(
        job_id="j",
        kind="recipe",
        lang=lang,
        options={},
        inputs=[{"blob_key": key}],
        blobs=blobs,
        cpu=CpuPool(1),
        ocr=RapidOcrEngine(threads=1),
        limits=UploadLimits(max_bytes=5_000_000, max_pages=5, max_pixels=20_000_000),
        state=RECIPE.new_state(),
    )
    events: Events = []

    async def report(step: str, progress: int, message: str, partial: Any) -> None:
        events.append((step, progress, message, partial))

    return await RECIPE.run(ctx, report), events


async def test_a_text_recipe_goes_through_every_step_with_partials(tmp_path: Path) -> None:
    result, events = await run(tmp_path, RECIPE_TEXT.encode())

    steps = list(dict.fromkeys(step for step, *_ in events))
    assert steps == ["validate", "read", "ocr", "parse", "enrich", "save"]
    progress = [p for _, p, _, _ in events]
    assert progress == sorted(progress)
    found = next(
        partial for step, _, message, partial in events if message == "Found the recipe's parts"
    )
    assert found == {
        "title": "Garlic bread",
        "yields": "4",
        "servings": 4,
        "steps": 2,
        "ingredients": 3,
    }
    assert events[-1][3]["ingredients"][1]["name"] == "garlic"  # the save step sees it all
    assert (result["title"], result["servings"], result["language"]) == ("Garlic bread", 4, "en")
    assert [(i["quantity"], i["unit"], i["name"]) for i in result["ingredients"]] == [
        (1, None, "baguette"),
        (3, "clove", "garlic"),
        (50, "g", "butter"),
    ]
    assert result["steps"][1] == "Spread it on the bread and bake for 10 minutes."
    assert result["source"] == {
        "media_type": "text/plain",
        "method": "text",
        "url": None,
        "pages": 1,
    }


def scanned_pdf(text: str) -> bytes:
    pdf_image = photo(text)
    buffer = io.BytesIO()
    pdf_image.save(buffer, "PDF", resolution=150)
    return buffer.getvalue()


def photo(text: str) -> Image.Image:
    font = ImageFont.truetype(str(FONT), 28) if FONT.exists() else ImageFont.load_default(28)
    lines = text.splitlines()
    image = Image.new("RGB", (1100, 60 + 44 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((40, 30 + 44 * row), line, fill="black", font=font)
    return image


async def test_a_photo_of_a_page_is_read_by_ocr(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    photo(RECIPE_TEXT).save(buffer, "PNG")

    result, events = await run(tmp_path, buffer.getvalue())

    assert any(message == "Reading text (page 1 of 1)" for _, _, message, _ in events)
    assert result["title"] == "Garlic bread"
    assert result["servings"] == 4
    assert [i["name"] for i in result["ingredients"]] == ["baguette", "garlic", "butter"]
    assert len(result["steps"]) == 2
    assert result["source"]["method"] == "image-ocr"


async def test_a_scanned_pdf_is_ocrd(tmp_path: Path) -> None:
    result, _ = await run(tmp_path, scanned_pdf(RECIPE_TEXT))
    assert result["source"]["method"] == "pdf-ocr"
    assert [i["unit"] for i in result["ingredients"]] == [None, "clove", "g"]


async def test_a_file_without_a_recipe_fails_with_no_text(tmp_path: Path) -> None:
    with pytest.raises(NoTextFound):
        await run(tmp_path, b"Just a title\n")
