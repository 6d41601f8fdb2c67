"""Answer schemas: the result models' own JSON schema, closed for strict decoding; answers parsed
by the same models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from foodscan.llm.readings import products_shape, receipt_shape, recipe_shape
from foodscan.llm.structured import Shape
from foodscan.recognition.receipt.model import ReceiptParse


def _objects(node: Any) -> list[dict[str, Any]]:  # Any: JSON Schema
    found = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found += _objects(value)
    elif isinstance(node, list):
        for value in node:
            found += _objects(value)
    return found


@pytest.mark.parametrize("shape", [products_shape(), receipt_shape(), recipe_shape()])
def test_the_result_schemas_are_strict_closed_and_inlined(shape: Shape[Any]) -> None:
    text = json.dumps(shape.schema)
    assert shape.strict
    assert "$ref" not in text
    assert '"default"' not in text
    for node in _objects(shape.schema):
        assert node["additionalProperties"] is False
        assert node["required"] == list(node["properties"])
    assert shape.response_format()["json_schema"]["strict"] is True


def test_fields_other_steps_own_are_not_asked_for() -> None:
    receipt = receipt_shape().schema["properties"]
    assert "reconciliation" not in receipt
    assert "confidence" not in receipt
    assert {"merchant", "items", "total"} <= set(receipt)
    products = products_shape().schema["properties"]
    assert set(products) == {"products"}
    product = products["products"]["items"]["properties"]
    assert not {"nutrition", "allergens", "source"} & set(product)
    assert {"name", "brand", "quantity", "barcodes", "photos"} <= set(product)
    assert "source" not in recipe_shape().schema["properties"]


class WithMapping(BaseModel):
    name: str
    scores: dict[str, float]


def test_a_mapping_field_makes_the_schema_non_strict() -> None:
    shape = Shape.of(WithMapping)
    assert not shape.strict
    assert shape.response_format()["json_schema"]["strict"] is False


def test_a_required_field_can_be_left_out_only_when_the_caller_gives_it() -> None:
    with pytest.raises(ValueError, match="cannot omit"):
        Shape.of(WithMapping, omit={"WithMapping": {"name"}})
    shape = Shape.of(WithMapping, given={"name"})
    assert "name" not in shape.schema["properties"]
    assert shape.parse('{"scores": {"a": 1}}', given={"name": "x"}).name == "x"


def test_answers_parse_with_the_model_itself_fenced_or_not() -> None:
    shape = receipt_shape()
    parsed = shape.parse('```json\n{"total": "12.30", "currency": "PLN"}\n```')
    assert isinstance(parsed, ReceiptParse)
    assert (parsed.total, parsed.currency) == ("12.30", "PLN")
    for wrong in ('{"total": "12,30"}', "not json", '{"unknown": 1}', None):
        with pytest.raises(ValueError):  # noqa: PT011 - ValidationError and JSON errors alike
            shape.parse(wrong)
