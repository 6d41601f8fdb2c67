"""The result schema: the names clients depend on, amounts as strings, descriptions for OpenAPI."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from foodscan.recognition.receipt import parse_text
from foodscan.recognition.receipt.model import Item, ReceiptParse

FIELDS = {
    "language", "merchant", "date", "time", "currency", "items", "subtotal", "tax", "total",
    "payment", "reconciliation", "confidence",
}  # fmt: skip


def test_schema_has_the_agreed_fields_each_described() -> None:
    schema = ReceiptParse.model_json_schema()
    assert set(schema["properties"]) == FIELDS
    item = schema["$defs"]["Item"]["properties"]
    assert set(item) == {
        "name", "quantity", "unit", "unit_price", "total", "discount",
        "normalized_name", "size", "category", "category_name", "keeps", "use_by",
    }  # fmt: skip
    for model in schema["$defs"].values():
        for name, field in model["properties"].items():
            assert field.get("description"), f"{model['title']}.{name} has no description"


def test_an_empty_reading_is_all_unknown() -> None:
    found = parse_text([])
    assert found.model_dump() == ReceiptParse().model_dump()
    assert found.reconciliation.status == "needs_review"
    assert found.items == []


def test_amounts_are_strings_with_a_dot_and_pieces_are_integers() -> None:
    found = parse_text(["SKLEP", "PARAGON FISKALNY", "MLEKO  2 x3,49  6,98C", "SUMA PLN 6,98"])
    dumped = found.model_dump(mode="json")
    assert dumped["total"] == "6.98"
    assert dumped["items"][0] == {
        "name": "MLEKO",
        "quantity": 2,
        "unit": "pcs",
        "unit_price": "3.49",
        "total": "6.98",
        "discount": None,
        "normalized_name": None,  # filled by the pipeline's enrich step
        "size": None,
        "category": None,
        "category_name": None,
        "keeps": None,
        "use_by": None,
    }
    assert all(0 <= score <= 1 for score in dumped["confidence"].values())


@pytest.mark.parametrize("amount", ["12,30", "12.3", "abc", "1e3"])
def test_amounts_must_have_a_dot_and_two_places(amount: str) -> None:
    with pytest.raises(ValidationError):
        Item(name="X", quantity=1, unit="pcs", total=amount)


def test_unknown_units_and_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        Item.model_validate({"name": "X", "quantity": 1, "unit": "box"})
    with pytest.raises(ValidationError):
        ReceiptParse.model_validate({"store": "X"})
