"""The enrich step of each pipeline, end to end on real parts (blob store, CPU pool, OCR
engine): receipt items, recipe ingredients and products come back with their new fields."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from foodscan.blobs import LocalBlobStore
from foodscan.pipelines.base import Context, Pipeline
from foodscan.pipelines.products import PRODUCTS
from foodscan.pipelines.receipt import RECEIPT
from foodscan.pipelines.recipe import RECIPE
from foodscan.recognition.enrich.keeps import load_keeper
from foodscan.recognition.enrich.results import enrich_products
from foodscan.recognition.products.model import Product
from foodscan.recognition.reading.ocr import RapidOcrEngine
from foodscan.recognition.taxonomy.categories import load_taxonomy
from foodscan.uploads.checks import UploadLimits
from foodscan.worker.cpu import CpuPool
from tests.unit.recognition.conftest import TextPdf
from tests.unit.recognition.product_images import product_photo

RECEIPT_LINES = [
    "FRESH MARKET",
    "12 High Street, Leeds",
    "14/03/2026 10:30",
    "SEMI SKIMMED MILK 2L     1.45",
    "CHKN BRST BNLS 500G      4.20",
    "BANANAS LOOSE            0.95",
    "TOTAL GBP                6.60",
    "CARD                     6.60",
]
RECIPE_TEXT = """Pancakes

Ingredients:
- 200 g plain flour
- 2 eggs
- 300 ml milk
- a pinch of salt

Method:
1. Whisk everything together.
2. Fry thin pancakes in a hot pan.
"""


async def run(
    pipeline: Pipeline, tmp_path: Path, files: list[bytes], lang: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    blobs = LocalBlobStore(tmp_path / "blobs")
    keys = [await blobs.put(data) for data in files]
    ctx = Context(
        job_id="j",
        kind=pipeline.kind,
        lang=lang,
        options={},
        inputs=[{"blob_key": key} for key in keys],
        blobs=blobs,
        cpu=CpuPool(1),
        ocr=RapidOcrEngine(threads=1),
        limits=UploadLimits(max_bytes=5_000_000, max_pages=5, max_pixels=20_000_000),
        state=pipeline.new_state(),
    )
    steps: list[str] = []

    async def report(step: str, progress: int, message: str, partial: Any) -> None:
        steps.append(step)

    result = await pipeline.run(ctx, report)
    return result, list(dict.fromkeys(steps))


async def test_receipt_items_get_a_normalised_name_a_size_and_a_category(
    tmp_path: Path, text_pdf: TextPdf
) -> None:
    result, steps = await run(RECEIPT, tmp_path, [text_pdf([RECEIPT_LINES])])

    assert steps.index("parse") < steps.index("enrich") < steps.index("check")
    items = result["items"]
    assert [i["normalized_name"] for i in items] == [
        "Semi skimmed milk",
        "Chicken breast boneless",
        "Bananas loose",
    ]
    assert items[0]["size"] == {"value": 2.0, "unit": "l", "count": None, "text": "2L"}
    assert items[1]["size"]["text"] == "500G"
    assert items[2]["size"] is None
    assert [(i["category"], i["category_name"]) for i in items] == [
        ("milk", "Milk"),
        ("poultry", "Poultry"),
        ("banana", "Banana"),
    ]
    assert items[1]["name"] == "CHKN BRST BNLS 500G"  # the printed text stays as it was


async def test_receipt_items_get_storage_times_and_a_use_by_date_from_the_receipt_date(
    tmp_path: Path, text_pdf: TextPdf
) -> None:
    result, _ = await run(RECEIPT, tmp_path, [text_pdf([RECEIPT_LINES])])

    milk, chicken, bananas = result["items"]
    assert result["date"] == "2026-03-14"
    assert (chicken["keeps"]["entry"], chicken["keeps"]["fridge_days"]) == ("117", [1, 2])
    assert chicken["keeps"]["category"] == "Poultry"
    assert chicken["use_by"] == {"date": "2026-03-15", "kept": "fridge", "estimate": True}
    assert bananas["use_by"]["date"] == "2026-03-17"  # three days in the fridge
    # Fresh milk: FoodKeeper says "Package use-by date", no duration, so no estimate either.
    assert (milk["keeps"]["name"], milk["keeps"]["fridge_days"]) == (
        "Milk (plain or flavored)",
        None,
    )
    assert milk["use_by"] is None
    provenance = result["provenance"]
    foodkeeper = {"engine": "foodkeeper", "step": "enrich"}
    assert provenance["items[1].keeps.entry"] == foodkeeper
    assert provenance["items[1].keeps.category"] == foodkeeper
    assert provenance["items[1].use_by.date"] == foodkeeper
    assert provenance["items[1].category"] == {"engine": "taxonomy", "step": "enrich"}


async def test_recipe_ingredients_get_a_category(tmp_path: Path) -> None:
    result, steps = await run(RECIPE, tmp_path, [RECIPE_TEXT.encode()])

    assert steps == ["validate", "read", "ocr", "parse", "enrich", "save"]
    found = [(i["name"], i["category"], i["category_name"]) for i in result["ingredients"]]
    assert found == [
        ("plain flour", "flour", "Flour"),
        ("eggs", "eggs", "Eggs"),
        ("milk", "milk", "Milk"),
        ("salt", "spices", "Salt and spices"),
    ]
    keeps = [i["keeps"]["name"] if i["keeps"] else None for i in result["ingredients"]]
    assert keeps == [
        "Flour (white)",
        "Eggs (in shell)",
        "Milk (plain or flavored)",
        "Salt (table, plain, or iodized)",
    ]
    assert result["provenance"]["ingredients[0].keeps.entry"]["engine"] == "foodkeeper"


async def test_products_get_their_category_from_the_packaging_text(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    product_photo(["ORANGE JUICE", "1 l"]).save(buffer, "PNG")

    result, steps = await run(PRODUCTS, tmp_path, [buffer.getvalue()])

    assert steps.index("merge") < steps.index("enrich") < steps.index("save")
    product = result["products"][0]
    assert (product["category"], product["category_name"]) == ("juice", "Juice")
    assert product["keeps"]["entry"] == "455"  # orange juice, commercially packaged carton
    assert result["provenance"]["products[0].keeps.entry"]["engine"] == "foodkeeper"


def test_a_product_with_a_name_but_no_category_is_categorised_by_its_name() -> None:
    named = Product(
        name="Mleko świeże 2%", brand=None, quantity=None, category=None, category_name=None,
        barcodes=[], photos=[0], text="", confidence=0.5,
    )  # fmt: skip
    unknown = named.model_copy(update={"name": None})
    taxonomy = load_taxonomy()
    found = enrich_products([named, unknown], "pl", taxonomy, load_keeper(taxonomy))
    assert (found[0].category, found[0].category_name) == ("milk", "Milk")
    assert found[0].keeps is not None
    assert found[0].keeps.entry == "27"
    assert found[1] == unknown
