"""The pipelines with a vision-LLM, on real parts (blob store, CPU pool, OCR, zxing-cpp) and the
fake chat-completions server: the products' full answer, the receipt and recipe fallbacks only
below the confidence threshold, provenance of every field, usage on the result."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from foodscan.blobs import LocalBlobStore
from foodscan.llm.client import LlmProvider
from foodscan.pipelines.base import Context, Pipeline
from foodscan.pipelines.products import PRODUCTS
from foodscan.pipelines.receipt import RECEIPT
from foodscan.pipelines.recipe import RECIPE
from foodscan.recognition.reading.ocr import RapidOcrEngine
from foodscan.uploads.checks import UploadLimits
from foodscan.worker.cpu import CpuPool
from tests.integration.llm.conftest import MODEL, ProviderFactory
from tests.llm_server import LlmServer, answer
from tests.unit.recognition.product_images import product_photo

MILK = "5901234123457"
LLM = {"engine": f"llm:{MODEL}", "step": "ask_llm"}
Run = Callable[..., Any]
CLEAN_RECEIPT = [
    "FRESH MARKET", "12 Main St", "2026-11-20 10:31", "MILK 2L 3.49", "BREAD 2.10",
    "TOTAL (EUR) 5.59",
]  # fmt: skip
GARBLED_RECEIPT = ["F?E5H", "M1LK 3,4", "xx 2.1O", "T0TAI 9"]
RECEIPT_ANSWER = {
    "merchant": {"name": "Fresh Market", "address": None, "tax_id": None},
    "date": "2026-11-20",
    "currency": "EUR",
    "items": [
        {"name": "MILK", "quantity": 1, "unit": "pcs", "total": "3.49"},
        {"name": "BREAD", "quantity": 1, "unit": "pcs", "total": "2.10"},
    ],
    "total": "5.59",
}


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def ocr() -> RapidOcrEngine:
    return RapidOcrEngine(threads=1)


@pytest.fixture
async def run(tmp_path: Path, ocr: RapidOcrEngine) -> AsyncIterator[Run]:
    """``await run(pipeline, files, llm=None)``: the pipeline's result and its step names."""
    cpu = CpuPool(1)
    blobs = LocalBlobStore(tmp_path / "blobs")

    async def go(
        pipeline: Pipeline, files: list[bytes], llm: LlmProvider | None = None
    ) -> tuple[dict[str, Any], list[str]]:
        keys = [await blobs.put(data) for data in files]
        ctx = Context(
            job_id="j",
            kind=pipeline.kind,
            lang=None,
            options={},
            inputs=[{"blob_key": key} for key in keys],
            blobs=blobs,
            cpu=cpu,
            ocr=ocr,
            limits=UploadLimits(max_bytes=10_000_000, max_pages=5, max_pixels=20_000_000),
            state=pipeline.new_state(),
            llm=llm,
        )
        steps: list[str] = []

        async def report(step: str, progress: int, message: str, partial: Any) -> None:
            steps.append(step)

        result = await pipeline.run(ctx, report)
        return result, list(dict.fromkeys(steps))

    yield go
    cpu.close()


async def test_products_get_the_models_full_answer_with_its_provenance(
    run: Run, llm_server: LlmServer, provider_factory: ProviderFactory
) -> None:
    llm_server.then(
        answer(
            {
                "products": [
                    {
                        "name": "Mellanmjölk",
                        "brand": "Arla",
                        "quantity": {"value": 1, "unit": "l", "count": None, "text": "1 l"},
                        "category": "milk",
                        "category_name": "Milk",
                        "barcodes": [],
                        "photos": [0],
                        "text": "ARLA\nMJOLK",
                        "confidence": 0.9,
                    }
                ]
            },
            prompt_tokens=1500,
            completion_tokens=80,
        )
    )
    provider = provider_factory(max_image_side=320)
    photo = _png(product_photo(["ARLA", "MJOLK"], code=MILK))

    result, steps = await run(PRODUCTS, [photo], provider)

    assert "ask_llm" in steps
    (milk,) = result["products"]
    assert (milk["name"], milk["brand"], milk["category"]) == ("Mellanmjölk", "Arla", "milk")
    assert [code["text"] for code in milk["barcodes"]] == [MILK]  # decoded offline, kept
    provenance = result["provenance"]
    assert provenance["products[0].name"] == LLM
    assert provenance["products[0].quantity.unit"] == LLM
    assert provenance["products[0].barcodes[0].text"] == {"engine": "zxing", "step": "read_photos"}
    assert provenance["products[0].text"]["engine"] == "rapidocr"
    assert provenance["products[0].category_name"]["engine"] == "taxonomy"  # its name for "milk"
    assert result["llm"] == {
        "model": MODEL,
        "calls": 1,
        "prompt_tokens": 1500,
        "completion_tokens": 80,
        "cost_usd": None,
    }
    (request,) = llm_server.requests
    (url,) = request.images
    sent = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert max(sent.size) == 320
    assert MILK in request.user_text  # the decoded barcode is given as a hint


async def test_without_a_model_nothing_asks_and_every_field_is_offline(run: Run) -> None:
    photo = _png(product_photo(["ARLA", "MJOLK"], code=MILK))

    result, steps = await run(PRODUCTS, [photo])

    assert "ask_llm" not in steps
    assert result["llm"] is None
    engines = {source["engine"] for source in result["provenance"].values()}
    assert engines
    assert not any(engine.startswith("llm:") for engine in engines)
    assert {"products[0].barcodes[0].text", "products[0].category"} <= set(result["provenance"])


@pytest.mark.parametrize(
    ("lines", "asks"), [(CLEAN_RECEIPT, False), (GARBLED_RECEIPT, True)], ids=["sure", "unsure"]
)
async def test_a_receipt_asks_the_model_only_below_the_confidence_threshold(
    *,
    run: Run,
    llm_server: LlmServer,
    provider_factory: ProviderFactory,
    text_pdf: Callable[[list[list[str]]], bytes],
    lines: list[str],
    asks: bool,
) -> None:
    llm_server.then(answer(RECEIPT_ANSWER))
    provider = provider_factory(min_confidence=0.6)

    result, steps = await run(RECEIPT, [text_pdf([lines])], provider)

    assert ("ask_llm" in steps) is asks
    assert len(llm_server.requests) == int(asks)
    assert result["total"] == "5.59"
    total = result["provenance"]["total"]
    if asks:
        assert total == LLM
        assert result["reconciliation"]["status"] == "consistent"
        assert result["provenance"]["reconciliation.status"]["engine"] == "rules"
        enriched = [p for p in result["provenance"] if p.startswith("items[0].category")]
        assert all(
            result["provenance"][p] == {"engine": "taxonomy", "step": "enrich"} for p in enriched
        )
        assert result["llm"]["calls"] == 1
        assert "T0TAI 9" in llm_server.requests[0].user_text  # the offline text, as a hint
    else:
        assert total == {"engine": "pdf-text", "step": "parse"}
        assert result["llm"] is None


async def test_a_kind_left_out_of_the_llm_kinds_never_asks(
    run: Run, llm_server: LlmServer, provider_factory: ProviderFactory, text_pdf: Any
) -> None:
    provider = provider_factory(kinds=frozenset({"products"}))
    result, steps = await run(RECEIPT, [text_pdf([GARBLED_RECEIPT])], provider)
    assert "ask_llm" not in steps
    assert llm_server.requests == []
    assert result["llm"] is None


async def test_a_recipe_with_weak_ingredient_lines_takes_the_models(
    run: Run, llm_server: LlmServer, provider_factory: ProviderFactory
) -> None:
    text = "Pancakes\n\nIngredients:\n- a bit of zzq\n- qqz\n\nMethod:\n1. Mix and fry.\n"
    llm_server.then(
        answer(
            {
                "title": "Pancakes",
                "servings": 2,
                "yields": "2 servings",
                "times": {"prep": None, "cook": "PT10M", "total": None},
                "ingredients": [
                    {
                        "text": "200 g flour",
                        "quantity": 200,
                        "quantity_max": None,
                        "unit": "g",
                        "name": "flour",
                        "preparation": None,
                        "comment": None,
                        "confidence": 0.95,
                    }
                ],
                "ingredient_groups": None,
                "steps": ["Mix and fry."],
                "language": "en",
            }
        )
    )
    provider = provider_factory(min_confidence=0.99)

    result, steps = await run(RECIPE, [text.encode()], provider)

    assert "ask_llm" in steps
    assert [i["name"] for i in result["ingredients"]] == ["flour"]
    assert result["provenance"]["ingredients[0].quantity"] == LLM
    assert result["provenance"]["title"] == {"engine": "rules", "step": "parse"}
    assert result["provenance"]["servings"] == LLM
    assert result["source"]["method"] == "text"
    assert "qqz" in llm_server.requests[0].user_text
