"""How an answer joins the offline reading: offline barcodes and catalogue hits stay, the model
fills only what offline left empty or weak, and every field it gave is marked as its."""

from __future__ import annotations

from typing import Any

import pytest

from foodscan.llm.merge import (
    fill_receipt,
    fill_recipe,
    merge_products,
    receipt_confidence,
    recipe_confidence,
)
from foodscan.recognition.net_quantity import NetQuantity
from foodscan.recognition.products.model import BarcodeRead, Product
from foodscan.recognition.provenance import Source
from foodscan.recognition.receipt.model import Item, Merchant, ReceiptParse
from foodscan.recognition.recipe.model import Ingredient, RecipeParse, RecipeSource, Times
from foodscan.recognition.taxonomy.categories import Taxonomy, load_taxonomy

LLM = Source(engine="llm:test-model", step="ask_llm")
MILK = "5901234123457"


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


def product(**fields: Any) -> Product:  # Any: Product's fields
    values: dict[str, Any] = {  # Any: Product's fields
        "name": None,
        "brand": None,
        "quantity": None,
        "category": None,
        "category_name": None,
        "barcodes": [],
        "photos": [0],
        "text": "",
        "confidence": 0.3,
    }
    return Product(**(values | fields))


def test_the_models_reading_replaces_the_packaging_guess_but_not_the_decoded_barcode(
    taxonomy: Taxonomy,
) -> None:
    decoded = BarcodeRead(format="EAN-13", text=MILK, source="image")
    offline = [product(name="ARLA MJOLK", barcodes=[decoded], photos=[0, 1], text="ARLA")]
    answer = [
        product(
            name="Mellanmjölk",
            brand="Arla",
            quantity=NetQuantity(value=1, unit="l", text="1 l"),
            category="milk",
            category_name="Milk",
            barcodes=[BarcodeRead(format="EAN-13", text="4006381333931", source="text")],
            photos=[1],
            confidence=0.9,
        )
    ]
    merged, known = merge_products(offline, answer, taxonomy, photos=2, llm=LLM)
    (milk,) = merged
    assert (milk.name, milk.brand, milk.category, milk.category_name) == (
        "Mellanmjölk",
        "Arla",
        "milk",
        "Milk",
    )
    assert milk.barcodes == [decoded]
    assert milk.text == "ARLA"
    assert known["products[0].name"] == LLM
    assert known["products[0].quantity.value"] == LLM
    assert not any(path.startswith("products[0].barcodes") for path in known)
    assert "products[0].text" not in known


def test_a_catalogue_product_keeps_its_fields_and_an_unknown_category_is_classified(
    taxonomy: Taxonomy,
) -> None:
    offline = [
        product(name="Apelsinjuice", brand="Tropicana", source="catalog", photos=[0]),
        product(name=None, photos=[1]),
    ]
    answer = [
        product(name="Orange juice", brand="Other", photos=[0]),
        product(name="Oat drink", category="oat drink", photos=[1]),
        product(
            name="Banana",
            photos=[2],
            barcodes=[BarcodeRead(format="EAN-13", text="5901234123458", source="text")],
        ),
    ]
    merged, known = merge_products(offline, answer, taxonomy, photos=3, llm=LLM)
    assert (merged[0].name, merged[0].brand) == ("Apelsinjuice", "Tropicana")
    assert "products[0].name" not in known
    assert (merged[1].name, merged[1].category) == ("Oat drink", "oat_milk")
    assert known["products[1].category"] == Source(engine="taxonomy", step="ask_llm")
    assert merged[2].name == "Banana"
    assert merged[2].barcodes == []  # a wrong check digit is never kept
    assert known["products[2].name"] == LLM


def receipt(**fields: Any) -> ReceiptParse:  # Any: ReceiptParse's fields
    return ReceiptParse(**fields)


def test_the_receipt_takes_only_empty_and_weak_fields_and_is_reconciled_again() -> None:
    offline = receipt(
        merchant=Merchant(name="BIEDRONKA"),
        date="2026-11-20",
        items=[Item(name="MLEKO", quantity=1, unit="pcs", total="3.49")],
        total="9.99",
        confidence={"merchant": 0.9, "date": 0.95, "items": 0.3, "total": 0.2},
    )
    answer = receipt(
        merchant=Merchant(name="Biedronka", address="ul. Polna 1, Warszawa"),
        date="2026-11-21",
        currency="PLN",
        items=[
            Item(name="MLEKO 2%", quantity=1, unit="pcs", total="3.49"),
            Item(name="CHLEB", quantity=1, unit="pcs", total="4.50"),
        ],
        total="7.99",
    )
    assert receipt_confidence(offline) == 0.2
    filled, known = fill_receipt(offline, answer, min_confidence=0.6, llm=LLM)
    assert filled.merchant == Merchant(name="BIEDRONKA", address="ul. Polna 1, Warszawa")
    assert (filled.date, filled.currency, filled.total) == ("2026-11-20", "PLN", "7.99")
    assert [i.name for i in filled.items] == ["MLEKO 2%", "CHLEB"]
    assert filled.reconciliation.status == "consistent"
    assert known["merchant.address"] == LLM
    assert "merchant.name" not in known
    assert "date" not in known
    assert known["items[1].name"] == LLM
    assert known["total"] == LLM
    assert known["reconciliation.status"] == Source(engine="rules", step="ask_llm")
    assert filled.confidence == {"merchant": 0.9, "date": 0.95}


def test_a_recipe_takes_the_models_ingredients_only_when_its_own_are_weak() -> None:
    def ingredient(text: str, confidence: float) -> Ingredient:
        return Ingredient(text=text, quantity=None, unit=None, name=text, confidence=confidence)

    source = RecipeSource(media_type="image/png", method="image-ocr")
    base = {"servings": None, "yields": None, "ingredient_groups": None, "language": None}
    offline = RecipeParse(
        title=None,
        times=Times(prep="PT10M"),
        ingredients=[ingredient("2 eqqs", 0.4)],
        steps=["Mix."],
        source=source,
        **base,
    )
    answer = RecipeParse(
        title="Omelette",
        times=Times(prep="PT5M", cook="PT5M"),
        ingredients=[ingredient("2 eggs", 0.9)],
        steps=["Beat the eggs.", "Fry."],
        source=source,
        **base,
    )
    assert recipe_confidence(offline) == 0.4
    filled, known = fill_recipe(offline, answer, min_confidence=0.6, llm=LLM)
    assert filled.title == "Omelette"
    assert filled.times == Times(prep="PT10M", cook="PT5M")
    assert filled.steps == ["Mix."]
    assert filled.ingredients[0].text == "2 eggs"
    assert set(known) >= {"title", "times.cook", "ingredients[0].text"}
    assert "times.prep" not in known
    sure, _ = fill_recipe(offline, answer, min_confidence=0.3, llm=LLM)
    assert sure.ingredients[0].text == "2 eqqs"
